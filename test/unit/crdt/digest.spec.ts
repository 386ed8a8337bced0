// The state digest's limb arithmetic against BigInt: any sequence of adds and removes gives the
// sum mod 2^256 of the entries' SHA-256, and removing what was added gives zero back.
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { StateDigest } from '../../../src/crdt/digest.js'
import { sha256 } from '../../../src/util/sha256.js'

const MOD = 1n << 256n
const big = (entry: Uint8Array): bigint => BigInt(`0x${sha256(entry).toString('hex')}`)

describe('state digest', () => {
  it('is the sum mod 2^256 of the entries hashes, through carries and borrows, and its size their bytes', () => {
    const op = fc.record({ entry: fc.uint8Array({ maxLength: 40 }), remove: fc.boolean() })
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const d = new StateDigest()
        let sum = 0n
        let bytes = 0
        for (const { entry, remove } of ops) {
          if (remove) d.remove(entry)
          else d.add(entry)
          sum = (sum + (remove ? MOD - big(entry) : big(entry))) % MOD
          bytes += remove ? -entry.length : entry.length
        }
        assert.equal(d.hex(), sum.toString(16).padStart(64, '0'))
        assert.equal(d.bytes, bytes)
      }),
      { numRuns: 300 },
    )
  })

  it('does not depend on order, and removing every entry added gives zero', () => {
    const entries = Array.from({ length: 50 }, (_, i) => Uint8Array.of(i, i * 7, 255 - i))
    const a = new StateDigest()
    const b = new StateDigest()
    for (const e of entries) a.add(e)
    for (const e of [...entries].reverse()) b.add(e)
    assert.equal(a.hex(), b.hex())
    for (const e of entries) a.remove(e)
    assert.equal(a.hex(), '0'.repeat(64))
    assert.equal(a.bytes, 0)
  })
})
