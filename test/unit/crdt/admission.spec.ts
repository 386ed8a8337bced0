// Admission on its own (src/crdt/admission.ts): a peer's record is held back for the first reason
// that applies, counted once, and the signature check comes last so the cheap checks spare it.
import assert from 'node:assert/strict'
import { Admission } from '../../../src/crdt/admission.js'
import { kvId, parseId } from '../../../src/crdt/ids.js'
import { RecordTable } from '../../../src/crdt/record-table.js'
import type { LwwRecord } from '../../../src/crdt/records.js'
import { type WriteVerifier, ZERO_SIG } from '../../../src/crdt/signing.js'
import { FakeClock } from '../../../src/util/clock.js'

const lww = (origin: string, wall: number): LwwRecord => ({
  t: 'lww',
  hlc: { wall, logical: 0 },
  origin,
  value: 1,
  dots: { [origin]: 1 },
  sig: ZERO_SIG,
})

function setup(maxRecords: number) {
  const clock = new FakeClock()
  const table = new RecordTable(() => clock.now(), { changed: () => {}, removed: () => {} })
  let checks = 0
  const rejectAll: WriteVerifier = {
    verify: () => {
      checks++
      return false
    },
  }
  const admission = new Admission(table, clock, {
    maxFutureMs: 1000,
    maxRecords,
    maxStateBytes: 1 << 30,
    verifier: rejectAll,
  })
  return { clock, table, admission, checks: () => checks }
}

describe('Admission', () => {
  it('holds back for the first reason that applies, and checks a signature only last', () => {
    const { clock, table, admission, checks } = setup(1)
    const id = kvId('a')
    table.store(id, parseId(id)!, undefined, lww('A', clock.now()))
    // Far ahead and new past the record cap: counted as future only, no signature checked.
    assert.equal(admission.holdBack(kvId('b'), lww('B', clock.now() + 5000)), true)
    // New past the record cap (and forged): counted as caps, no signature checked.
    assert.equal(admission.holdBack(kvId('b'), lww('B', clock.now())), true)
    assert.equal(checks(), 0)
    // The held id, forged: only the signature is left to say no.
    assert.equal(admission.holdBack(id, lww('B', clock.now() + 1)), true)
    assert.equal(checks(), 1)
    assert.deepEqual(admission.heldBack(), { forged: 1, future: 1, origins: 0, caps: 1 })
  })

  it('refuses a local write past the record cap before it is made, and reports the size', () => {
    const { clock, table, admission } = setup(1)
    const id = kvId('a')
    assert.doesNotThrow(() => admission.checkCaps(id))
    table.store(id, parseId(id)!, undefined, lww('A', clock.now()))
    assert.doesNotThrow(() => admission.checkCaps(id), 'rewriting a held record adds none')
    assert.throws(() => admission.checkCaps(kvId('b')), { code: 'TOO_LARGE' })
    const size = admission.size()
    assert.equal(size.records, 1)
    assert.ok(size.bytes > 0)
    assert.equal(size.maxRecords, 1)
  })
})
