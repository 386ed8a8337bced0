// Cost per byte of the private-mesh cipher (src/transport/xsalsa20-stream.ts) against the one
// @libp2p/pnet uses (xsalsa20 1.2, WebAssembly), for the write sizes murmur's traffic has:
// membership frames, small deltas, bulk sync pieces.
import { createRequire } from 'node:module'
import { XSalsa20Stream } from '../src/transport/xsalsa20-stream.js'
import { type Figure, fmtBytes, log, now } from './util.js'

type Cipher = { update(input: Uint8Array): Uint8Array }
// CommonJS without types; hoisted from @libp2p/pnet (a dev dependency, kept for this and the interop test).
const pnetCipher = createRequire(import.meta.url)('xsalsa20') as (
  nonce: Uint8Array,
  key: Uint8Array,
) => Cipher

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
const NONCE = Uint8Array.from({ length: 24 }, (_, i) => 100 + i)

/** MB/s XORing `total` bytes in writes of `piece` bytes, best of three. */
function throughput(make: () => Cipher, piece: number, total: number): number {
  const buf = new Uint8Array(piece)
  let best = 0
  for (let round = 0; round < 3; round++) {
    const c = make()
    const t0 = now()
    for (let done = 0; done < total; done += piece) c.update(buf)
    best = Math.max(best, total / ((now() - t0) / 1000) / 1e6)
  }
  return best
}

export function runPskBench(): Figure[] {
  const figs: Figure[] = []
  for (const [piece, total] of [
    [60, 8e6],
    [1400, 64e6],
    [64 * 1024, 128e6],
  ] as const) {
    log(`psk: ${piece} B writes`)
    const ours = throughput(() => new XSalsa20Stream(KEY, NONCE), piece, total)
    const pnet = throughput(() => pnetCipher(NONCE, KEY), piece, total)
    figs.push({
      section: 'private mesh',
      name: `cipher, ${fmtBytes(piece)} writes`,
      value: `${ours.toFixed(0)} MB/s (${(1000 / ours).toFixed(1)} ns/B)`,
      detail: `@noble/ciphers XSalsa20, per connection; @libp2p/pnet's xsalsa20 1.2 (WASM, shared memory) ${pnet.toFixed(0)} MB/s (${(1000 / pnet).toFixed(1)} ns/B)`,
    })
  }
  return figs
}
