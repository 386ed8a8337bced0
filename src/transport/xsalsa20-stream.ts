// One direction of a private-mesh connection: the XSalsa20 keystream from one 24-byte nonce,
// XORed over every byte in order (what libp2p's pnet does). Each stream owns its state, so
// nothing is shared between connections and no buffer grows beyond the data handed in.
import { xsalsa20 } from '@noble/ciphers/salsa.js'

const BLOCK = 64
/** Keystream made ahead for small writes, so a 40-byte frame costs a short XOR loop, not a cipher call. */
const AHEAD = 4096
const ZEROS = new Uint8Array(AHEAD)
/** From this size on a write goes to the cipher in one call (a call costs about as much as 1 KiB of XOR). */
const DIRECT_BYTES = 512

export const XSALSA20_KEY_BYTES = 32
export const XSALSA20_NONCE_BYTES = 24

export class XSalsa20Stream {
  private readonly key: Uint8Array
  private readonly nonce: Uint8Array
  /** Bytes of keystream used so far. */
  private pos = 0
  /** Keystream for bytes [aheadAt, aheadAt + aheadLen) of the stream; aheadAt is block-aligned. */
  private readonly ahead = new Uint8Array(AHEAD)
  private aheadAt = 0
  private aheadLen = 0

  constructor(key: Uint8Array, nonce: Uint8Array) {
    if (key.length !== XSALSA20_KEY_BYTES)
      throw new RangeError(`xsalsa20 key must be ${XSALSA20_KEY_BYTES} bytes`)
    if (nonce.length !== XSALSA20_NONCE_BYTES)
      throw new RangeError(`xsalsa20 nonce must be ${XSALSA20_NONCE_BYTES} bytes`)
    this.key = Uint8Array.from(key)
    this.nonce = Uint8Array.from(nonce)
  }

  /**
   * Returns `input` XORed with the next input.length keystream bytes. Throws (and the
   * connection must end) past 2^32 blocks, 256 GiB, where the cipher's block counter would wrap.
   */
  update(input: Uint8Array): Uint8Array {
    const n = input.length
    const skip = this.pos % BLOCK
    const block = (this.pos - skip) / BLOCK
    this.pos += n
    if (n >= DIRECT_BYTES) {
      // Placed at its offset within the current block, so the cipher runs aligned in one call.
      const buf = new Uint8Array(skip + n)
      buf.set(input, skip)
      xsalsa20(this.key, this.nonce, buf, buf, block)
      return buf.subarray(skip)
    }
    if (this.pos > this.aheadAt + this.aheadLen) {
      xsalsa20(this.key, this.nonce, ZEROS, this.ahead, block)
      this.aheadAt = block * BLOCK
      this.aheadLen = AHEAD
    }
    const out = new Uint8Array(n)
    const ks = this.ahead
    for (let i = 0, p = this.pos - n - this.aheadAt; i < n; i++, p++)
      out[i] = (input[i] as number) ^ (ks[p] as number)
    return out
  }
}
