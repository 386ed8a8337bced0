// Order-independent digest of the record set: the sum mod 2^256 of SHA-256(canonical entry).
// Adding or replacing one record costs two hashes, and reading the digest is O(1).
import { createHash } from 'node:crypto'
import { type CrdtRecord, canonicalEntry } from './records.js'

const MOD = 1n << 256n

function entryHash(id: string, r: CrdtRecord): bigint {
  return BigInt(`0x${createHash('sha256').update(canonicalEntry(id, r)).digest('hex')}`)
}

export class StateDigest {
  private sum = 0n

  add(id: string, r: CrdtRecord): void {
    this.sum = (this.sum + entryHash(id, r)) % MOD
  }

  remove(id: string, r: CrdtRecord): void {
    this.sum = (this.sum - entryHash(id, r) + MOD) % MOD
  }

  hex(): string {
    return this.sum.toString(16).padStart(64, '0')
  }
}
