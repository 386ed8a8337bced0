// Order-independent digest of the record set: the sum mod 2^256 of SHA-256(canonical entry).
// Adding or replacing one record costs two hashes, and reading the digest is O(1).
import * as crypto from 'node:crypto'
import { type CrdtRecord, canonicalEntry } from './records.js'

const MOD = 1n << 256n

// One-shot hashing (Node 20.12 and later) costs a third of a Hash object per entry; a late
// joiner hashes every record it receives.
const sha256hex: (s: string) => string =
  typeof crypto.hash === 'function'
    ? (s) => crypto.hash('sha256', s, 'hex')
    : (s) => crypto.createHash('sha256').update(s).digest('hex')

const entryHash = (canon: string): bigint => BigInt(`0x${sha256hex(canon)}`)

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
