// The child side of a baseline peer process (bench/gossipsub-peer.ts, bench/orbitdb-peer.ts): answers
// the parent's requests over the IPC channel, sends it events, and holds the libp2p options the
// peers share. Imports nothing of the parent's, so a peer script loads only what it measures. See
// bench/peer-proc.ts for the parent side.

import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'

/** A request from the parent: `{ id, cmd, args }`; answered with `{ id, ok, result }` or `{ id, ok: false, error }`. */
export interface Request {
  id: number
  cmd: string
  args?: unknown
}

export type Handlers = Record<string, (args: never) => unknown>

/** Sends an event to the parent (`{ event, ...data }`); the parent timestamps it on arrival. */
export function emit(event: string, data: Record<string, unknown> = {}): void {
  process.send?.({ event, ...data })
}

/**
 * Serves `handlers` until the parent says `stop` or goes away (its IPC channel closes: the parent
 * exited, even by SIGKILL). `stop` runs `onStop` and exits 0; an orphaned peer exits at once.
 */
export function serve(handlers: Handlers, onStop: () => Promise<void>): void {
  if (process.send === undefined)
    throw new Error('a baseline peer must be started by the bench (IPC channel)')
  let stopping = false
  const stop = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true
      // A peer that hangs in its own shutdown still goes.
      setTimeout(() => process.exit(code), 5000).unref()
      await onStop().catch(() => {})
    }
    process.exit(code)
  }
  process.on('disconnect', () => process.exit(1))
  process.on('SIGTERM', () => void stop(0))
  process.on('SIGINT', () => void stop(0)) // a terminal's Ctrl-C reaches the whole group; the parent stops us
  process.on('message', (m: Request) => {
    if (m.cmd === 'stop') {
      process.send?.({ id: m.id, ok: true, result: null }, () => void stop(0))
      return
    }
    const h = handlers[m.cmd]
    if (h === undefined) {
      process.send?.({ id: m.id, ok: false, error: `unknown command ${m.cmd}` })
      return
    }
    Promise.resolve()
      .then(() => h(m.args as never))
      .then(
        (result) => process.send?.({ id: m.id, ok: true, result: result ?? null }),
        (err: unknown) =>
          process.send?.({
            id: m.id,
            ok: false,
            error: err instanceof Error ? (err.stack ?? err.message) : String(err),
          }),
      )
  })
}

/** A payload of exactly `bytes` bytes whose first 12 bytes carry (round, publisher, seq). */
export function taggedPayload(bytes: number, round: number, publisher: number, seq: number): Uint8Array {
  const b = new Uint8Array(Math.max(12, bytes))
  const v = new DataView(b.buffer)
  v.setUint32(0, round)
  v.setUint32(4, publisher)
  v.setUint32(8, seq)
  for (let i = 12; i < b.length; i++) b[i] = (i * 31 + seq) & 0xff
  return b
}

export function readTag(b: Uint8Array): { round: number; publisher: number; seq: number } | undefined {
  if (b.length < 12) return undefined
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength)
  return { round: v.getUint32(0), publisher: v.getUint32(4), seq: v.getUint32(8) }
}

/** Deny every dial that is not to loopback: a baseline never reaches beyond 127.0.0.0/8 or ::1. */
const loopbackOnlyGater = {
  denyDialMultiaddr: (ma: { toString(): string }): boolean => {
    const s = ma.toString()
    return !(s.startsWith('/ip4/127.') || s.startsWith('/ip6/::1/'))
  },
}

/** The libp2p options every baseline peer shares: TCP on 127.0.0.1, noise, yamux, loopback only. */
export const loopbackLibp2p = () => ({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  connectionGater: loopbackOnlyGater,
  connectionManager: { allow: ['/ip4/127.0.0.0/ipcidr/8'] },
})
