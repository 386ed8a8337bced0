// Order-independent digest of the record set: the sum mod 2^256 of SHA-256(canonical entry).
// Adding or replacing one record costs two hashes, and reading the digest is O(1).
import { sha256Hex } from '../util/sha256.js'
import { type CrdtRecord, canonicalEntry } from './records.js'

const MOD = 1n << 256n

const entryHash = (canon: string): bigint => BigInt(`0x${sha256Hex(canon)}`)

export class StateDigest {
  private sum = 0n
  /** Total length of the canonical entries: the size of the state, for its cap. */
  bytes = 0

  add(id: string, r: CrdtRecord): void {
    const canon = canonicalEntry(id, r)
    this.sum = (this.sum + entryHash(canon)) % MOD
    this.bytes += canon.length
  }

  remove(id: string, r: CrdtRecord): void {
    const canon = canonicalEntry(id, r)
    this.sum = (this.sum - entryHash(canon) + MOD) % MOD
    this.bytes -= canon.length
  }

  hex(): string {
    return this.sum.toString(16).padStart(64, '0')
  }
}
