// Order-independent digest of the record set: the sum mod 2^256 of SHA-256 of each entry's
// canonical bytes (its Entry encoding, record-wire.ts: the bytes it travels and is stored as).
// Adding or replacing one record costs one or two hashes, and reading the digest is O(1). The sum
// is eight 32-bit limbs: no BigInt or hex string per record (a late joiner adds 100,000).
import { sha256 } from '../util/sha256.js'

const LIMBS = 8

export class StateDigest {
  /** Little-endian limbs of the 256-bit sum. */
  private readonly sum = new Uint32Array(LIMBS)
  /** Total length of the encoded entries: the size of the state, for its cap. */
  bytes = 0

  add(entry: Uint8Array): void {
    this.accumulate(sha256(entry), false)
    this.bytes += entry.length
  }

  remove(entry: Uint8Array): void {
    this.accumulate(sha256(entry), true)
    this.bytes -= entry.length
  }

  hex(): string {
    let s = ''
    for (let i = LIMBS - 1; i >= 0; i--) s += this.sum[i]!.toString(16).padStart(8, '0')
    return s
  }

  /** sum ± hash (a big-endian 256-bit number), mod 2^256: the carry or borrow out is dropped. */
  private accumulate(hash: Buffer, subtract: boolean): void {
    let carry = 0
    for (let i = 0; i < LIMBS; i++) {
      const limb = hash.readUInt32BE(4 * (LIMBS - 1 - i))
      const x = subtract ? this.sum[i]! - limb - carry : this.sum[i]! + limb + carry
      carry = subtract ? (x < 0 ? 1 : 0) : x > 0xffffffff ? 1 : 0
      this.sum[i] = x >>> 0
    }
  }
}
