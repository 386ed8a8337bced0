import assert from 'node:assert/strict'
import fc from 'fast-check'
import { type CrdtRecord, canonicalJson } from '../../../src/crdt/index.js'
import { mergeRecords } from '../../../src/crdt/records.js'
import { counterArb, lwwArb, setArb } from './helpers.js'

const c = (r: CrdtRecord): string => canonicalJson(r)
const types: Array<[string, fc.Arbitrary<CrdtRecord>]> = [
  ['lww', lwwArb],
  ['set', setArb],
  ['counter', counterArb],
]

describe('record joins', () => {
  for (const [name, arb] of types) {
    describe(name, () => {
      it('is commutative', () => {
        fc.assert(fc.property(arb, arb, (a, b) => c(mergeRecords(a, b)) === c(mergeRecords(b, a))))
      })

      it('is associative', () => {
        fc.assert(
          fc.property(arb, arb, arb, (a, b, x) => {
            return c(mergeRecords(mergeRecords(a, b), x)) === c(mergeRecords(a, mergeRecords(b, x)))
          }),
        )
      })

      it('is idempotent, and returns the same object when there is nothing new', () => {
        fc.assert(
          fc.property(arb, arb, (a, b) => {
            assert.equal(mergeRecords(a, a), a)
            const m = mergeRecords(a, b)
            assert.equal(mergeRecords(m, a), m)
            assert.equal(mergeRecords(m, b), m)
          }),
        )
      })
    })
  }

  it('refuses to merge records of different types', () => {
    const lww: CrdtRecord = {
      t: 'lww',
      hlc: { wall: 1, logical: 0 },
      origin: 'A',
      value: 1,
      dots: { A: 1 },
      sig: 's',
    }
    const ctr: CrdtRecord = { t: 'counter', p: { A: 1 }, n: {}, dots: { A: 1 }, sigs: { A: 's' } }
    assert.throws(() => mergeRecords(lww, ctr), TypeError)
  })

  it('breaks an exact (hlc, origin) tie by value, deterministically', () => {
    const a: CrdtRecord = {
      t: 'lww',
      hlc: { wall: 1, logical: 0 },
      origin: 'A',
      value: 'x',
      dots: { A: 1 },
      sig: 's',
    }
    const b: CrdtRecord = { ...a, value: 'y' }
    assert.equal(c(mergeRecords(a, b)), c(mergeRecords(b, a)))
  })
})
