// Order-independent digest of the record set: the sum mod 2^256 of SHA-256 of each entry's
// canonical bytes (its Entry encoding, record-wire.ts: the bytes it travels and is stored as).
// Adding or replacing one record costs one or two hashes, and reading the digest is O(1).
import { sha256 } from '../util/sha256.js'

const MOD = 1n << 256n

const entryHash = (bytes: Uint8Array): bigint => BigInt(`0x${sha256(bytes).toString('hex')}`)

export class StateDigest {
  private sum = 0n
  /** Total length of the encoded entries: the size of the state, for its cap. */
  bytes = 0

  add(entry: Uint8Array): void {
    this.sum = (this.sum + entryHash(entry)) % MOD
    this.bytes += entry.length
  }

  remove(entry: Uint8Array): void {
    this.sum = (this.sum - entryHash(entry) + MOD) % MOD
    this.bytes -= entry.length
  }

  hex(): string {
    return this.sum.toString(16).padStart(64, '0')
  }
}
