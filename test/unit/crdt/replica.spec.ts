import assert from 'node:assert/strict'
import { hlcAfter } from '../../../src/crdt/hlc.js'
import {
  type CrdtRecord,
  counterId,
  type Delta,
  kvId,
  MAX_COUNTER_TOTAL,
  MAX_SEQ,
  parseEntry,
  Replica,
  setId,
} from '../../../src/crdt/index.js'
import { MAX_VV_ORIGINS } from '../../../src/crdt/limits.js'
import { SEQ_JUMP } from '../../../src/crdt/replica.js'
import { ZERO_SIG } from '../../../src/crdt/signing.js'
import { FakeClock } from '../../../src/util/clock.js'
import { syncPair } from './helpers.js'

const replica = (id: string, clock = new FakeClock()) => new Replica(id, clock)
const deliver = (to: Replica, deltas: readonly Delta[]) => deltas.flatMap((d) => to.applyDelta(d))

describe('Replica', () => {
  describe('kv', () => {
    it('sets, reads, lists by prefix and deletes', () => {
      const r = replica('A')
      const w = r.kvSet('app/a', { n: 1 })
      assert.equal(w.deltas.length, 1)
      assert.deepEqual(w.changes, [{ kind: 'kv', key: 'app/a', value: { n: 1 }, origin: 'A' }])
      r.kvSet('app/b', 'two')
      r.kvSet('other', true)
      assert.deepEqual(r.kvGet('app/a'), { n: 1 })
      assert.deepEqual(
        r.kvList('app/').map((e) => e.key),
        ['app/a', 'app/b'],
      )
      assert.equal(r.kvDel('app/a').changes[0]?.kind, 'kv')
      assert.equal(r.kvGet('app/a'), undefined)
      assert.deepEqual(r.stats(), { keys: 2, sets: 0, counters: 0, records: 3, tombstones: 1 })
    })

    it('treats deleting a missing or deleted key as a no-op that uses no seq', () => {
      const r = replica('A')
      assert.deepEqual(r.kvDel('nope'), { deltas: [], changes: [] })
      r.kvSet('k', 1)
      r.kvDel('k')
      const seq = r.nextSeq
      assert.deepEqual(r.kvDel('k'), { deltas: [], changes: [] })
      assert.equal(r.nextSeq, seq)
    })

    it('keeps its own copy of a value and reports no change for an equal rewrite', () => {
      const r = replica('A')
      const v = { list: [1, 2] }
      r.kvSet('k', v)
      v.list.push(3)
      assert.deepEqual(r.kvGet('k'), { list: [1, 2] })
      const w = r.kvSet('k', { list: [1, 2] })
      assert.equal(w.deltas.length, 1)
      assert.deepEqual(w.changes, [])
    })

    it('resolves concurrent writes with the same HLC by origin', () => {
      const clock = new FakeClock()
      const a = replica('A', clock)
      const b = replica('B', clock)
      const da = a.kvSet('k', 'from-a').deltas
      const db = b.kvSet('k', 'from-b').deltas
      assert.deepEqual(
        da[0]?.record.t === 'lww' && da[0].record.hlc,
        db[0]?.record.t === 'lww' && db[0].record.hlc,
      )
      deliver(a, db)
      deliver(b, da)
      assert.equal(a.kvGet('k'), 'from-b')
      assert.equal(b.kvGet('k'), 'from-b')
      assert.equal(a.digest(), b.digest())
    })

    it('holds back a write stamped beyond the drift bound, and merges it once the clock catches up', () => {
      const clock = new FakeClock()
      const a = replica('A', clock)
      const b = replica('B', new FakeClock(clock.now() + 10 * 3600_000))
      deliver(a, b.kvSet('k', 'future').deltas)
      assert.equal(a.kvGet('k'), undefined, 'a write 10 h ahead is not merged')
      syncPair(a, b)
      assert.equal(a.kvGet('k'), undefined, 'nor through anti-entropy')
      assert.deepEqual(a.heldBack(), { forged: 0, future: 2, origins: 0, caps: 0 })
      const other = a.kvSet('other', 1).deltas[0]!.record
      assert.ok(other.t === 'lww' && other.hlc.wall === clock.now(), 'clock not dragged forward')
      clock.advance(10 * 3600_000)
      syncPair(a, b)
      assert.equal(a.kvGet('k'), 'future', 'merged once it is within the bound')
      assert.equal(a.digest(), b.digest())
    })

    it('merges a write up to the drift bound ahead (default 60 s) and stays ahead of it locally', () => {
      const clock = new FakeClock()
      const a = replica('A', clock)
      const b = replica('B', new FakeClock(clock.now() + 59_000))
      deliver(a, b.kvSet('k', 'ahead').deltas)
      assert.equal(a.kvGet('k'), 'ahead')
      deliver(b, a.kvSet('k', 'mine').deltas)
      assert.equal(b.kvGet('k'), 'mine', 'a later local write wins')
    })

    it('validates keys and values with clear errors', () => {
      const r = replica('A')
      assert.throws(() => r.kvSet('', 1), { code: 'INVALID_INPUT' })
      assert.throws(() => r.kvSet('a\u0000b', 1), { code: 'INVALID_INPUT', message: /NUL/ })
      assert.throws(() => r.kvSet('x'.repeat(513), 1), { code: 'TOO_LARGE', message: /512 bytes/ })
      assert.throws(() => r.kvSet('k', 'x'.repeat(70_000)), { code: 'TOO_LARGE', message: /65536 bytes/ })
      assert.throws(() => r.kvSet('k', Number.NaN), { code: 'INVALID_INPUT' })
      assert.throws(() => r.kvSet('k', undefined as never), { code: 'INVALID_INPUT' })
      assert.throws(() => r.kvSet('k', new Date() as never), { code: 'INVALID_INPUT' })
      assert.equal(r.stats().records, 0)
    })
  })

  describe('sets', () => {
    it('adds, removes, lists sorted members and validates all elements first', () => {
      const r = replica('A')
      const w = r.setAdd('s', ['b', 'a', 'b'])
      assert.equal(w.deltas.length, 2)
      assert.deepEqual(r.setMembers('s'), ['a', 'b'])
      assert.deepEqual(r.setRemove('s', ['a', 'zzz']).changes, [
        { kind: 'set', name: 's', element: 'a', present: false, origin: 'A' },
      ])
      assert.deepEqual(r.setMembers('s'), ['b'])
      assert.throws(() => r.setAdd('s', ['ok', '']), { code: 'INVALID_INPUT' })
      assert.deepEqual(r.setMembers('s'), ['b'])
      assert.deepEqual(r.stats(), { keys: 0, sets: 1, counters: 0, records: 2, tombstones: 1 })
    })

    it('add wins over a concurrent remove that did not observe it', () => {
      const a = replica('A')
      const b = replica('B')
      deliver(b, a.setAdd('s', ['x']).deltas)
      const rm = b.setRemove('s', ['x']).deltas
      const add = a.setAdd('s', ['x']).deltas // concurrent re-add
      deliver(a, rm)
      deliver(b, add)
      assert.deepEqual(a.setMembers('s'), ['x'])
      assert.deepEqual(b.setMembers('s'), ['x'])
    })

    it('lists the sets that have elements, with their sizes, by prefix', () => {
      const a = replica('A')
      a.setAdd('app/s', ['x', 'y'])
      a.setAdd('b', ['x'])
      a.setAdd('gone', ['x'])
      a.setRemove('gone', ['x'])
      assert.deepEqual(a.setList(), [
        { name: 'app/s', size: 2 },
        { name: 'b', size: 1 },
      ])
      assert.deepEqual(a.setList('app/'), [{ name: 'app/s', size: 2 }])
    })

    it("each change names the origin whose write made it, also a peer's", () => {
      const a = replica('A')
      const b = replica('B')
      assert.deepEqual(deliver(b, a.setAdd('s', ['x']).deltas), [
        { kind: 'set', name: 's', element: 'x', present: true, origin: 'A' },
      ])
      assert.deepEqual(deliver(a, b.setRemove('s', ['x']).deltas), [
        { kind: 'set', name: 's', element: 'x', present: false, origin: 'B' },
      ])
    })

    it('a remove that observed every add removes the element everywhere', () => {
      const a = replica('A')
      const b = replica('B')
      deliver(b, a.setAdd('s', ['x']).deltas)
      deliver(a, b.setRemove('s', ['x']).deltas)
      assert.deepEqual(a.setMembers('s'), [])
    })
  })

  describe('counters', () => {
    it('adds and subtracts per origin and merges to the sum', () => {
      const a = replica('A')
      const b = replica('B')
      deliver(b, a.counterAdd('c', 5).deltas)
      deliver(a, b.counterAdd('c', -2).deltas)
      deliver(a, a.counterAdd('c', 1).deltas)
      syncPair(a, b)
      assert.equal(a.counterGet('c'), 4)
      assert.equal(b.counterGet('c'), 4)
      assert.equal(a.counterGet('unknown'), 0)
      assert.deepEqual(a.counterAdd('c', 0), { deltas: [], changes: [] })
      assert.throws(() => a.counterAdd('c', 1.5), { code: 'INVALID_INPUT' })
      assert.throws(() => a.counterAdd('c', Number.MAX_SAFE_INTEGER), { code: 'TOO_LARGE' })
    })

    it("lists counters by prefix, and each change names its writer's origin", () => {
      const a = replica('A')
      const b = replica('B')
      assert.deepEqual(a.counterAdd('app/c', 3).changes, [
        { kind: 'counter', name: 'app/c', value: 3, origin: 'A' },
      ])
      assert.deepEqual(deliver(a, b.counterAdd('app/c', -1).deltas), [
        { kind: 'counter', name: 'app/c', value: 2, origin: 'B' },
      ])
      a.counterAdd('z', 1)
      assert.deepEqual(a.counterList(), [
        { name: 'app/c', value: 2 },
        { name: 'z', value: 1 },
      ])
      assert.deepEqual(a.counterList('app/'), [{ name: 'app/c', value: 2 }])
    })
  })

  describe('version vector', () => {
    it('advances only over contiguous seqs and drains the gap when it fills', () => {
      const a = replica('A')
      const ds = [1, 2, 3].flatMap((i) => a.kvSet(`k${i}`, i).deltas)
      const b = replica('B')
      deliver(b, [ds[2]!, ds[0]!])
      assert.deepEqual(b.versionVector(), { A: 1 })
      deliver(b, [ds[1]!])
      assert.deepEqual(b.versionVector(), { A: 3 })
    })

    it('does not report duplicates as changes', () => {
      const a = replica('A')
      const b = replica('B')
      const ds = a.kvSet('k', 1).deltas
      assert.equal(deliver(b, ds).length, 1)
      assert.equal(deliver(b, ds).length, 0)
    })

    it('rejects a delta that does not contain its own dot, and ids that do not match the type', () => {
      const a = replica('A')
      const d = a.kvSet('k', 1).deltas[0]!
      const b = replica('B')
      assert.throws(() => b.applyDelta({ ...d, dot: { origin: 'A', seq: 2 } }), { code: 'INVALID_INPUT' })
      assert.throws(() => b.applyDelta({ ...d, id: 'c\u0000k' }), { code: 'INVALID_INPUT' })
      assert.equal(b.stats().records, 0)
    })

    it('does not leave a permanent gap when restored with reserved (unused) seqs', () => {
      const a = replica('A')
      a.kvSet('k', 1)
      const b = replica('B')
      syncPair(a, b)
      const back = Replica.restore('A', new FakeClock(), a.entries(), a.versionVector(), a.nextSeq + 100)
      back.kvSet('k2', 2)
      assert.equal(back.versionVector().A, back.nextSeq - 1)
      syncPair(b, back)
      assert.deepEqual(b.versionVector(), back.versionVector())
      assert.equal(back.diffFor(b.versionVector()).length, 0)
    })

    it('never reuses a seq its peers have seen, even after losing its state', () => {
      const a = replica('A')
      for (let i = 0; i < 10; i++) a.kvSet(`k${i}`, i)
      const b = replica('B')
      syncPair(b, a)
      const reborn = replica('A')
      syncPair(reborn, b)
      assert.equal(reborn.nextSeq, 11)
      assert.equal(reborn.digest(), a.digest())
    })

    it('lets peers version vectors lift its next seq by at most 2^20 in all, however many sessions', () => {
      const victim = replica('V')
      victim.kvSet('k', 1)
      // Each "session" claims the victim wrote far more than it did: the vv is not signed.
      for (let session = 0; session < 10; session++) {
        victim.applyRecords([], { V: victim.nextSeq + 2 ** 40 })
        victim.kvSet('k', session) // a fresh write between sessions
      }
      assert.ok(victim.nextSeq <= 2 + 10 + SEQ_JUMP, `next seq ${victim.nextSeq}`)
      assert.ok(victim.nextSeq > SEQ_JUMP, 'a genuine lift is still honoured')
    })
  })

  describe('diffFor', () => {
    it('returns only records the remote lacks, in time proportional to the difference', () => {
      const a = replica('A')
      for (let i = 0; i < 20_000; i++) a.kvSet(`key-${i}`, i)
      // Rewrites leave stale index slots behind; they must not leak into the diff.
      for (let i = 0; i < 100; i++) a.kvSet('hot', i)
      const diff = a.diffFor({ A: a.nextSeq - 1 - 5 })
      assert.equal(diff.length, 1) // the last 5 writes all hit 'hot'
      for (let i = 0; i < 5; i++) a.kvSet(`new-${i}`, i)
      assert.equal(a.diffFor({ A: a.nextSeq - 1 - 5 }).length, 5)
      assert.equal(a.diffFor(a.versionVector()).length, 0)
      assert.equal(a.diffFor({ A: 1e12 }).length, 0)
    })

    it('makes two arbitrary replicas equal in one exchange', () => {
      const a = replica('A')
      const b = replica('B')
      a.kvSet('x', 1)
      a.setAdd('s', ['p', 'q'])
      b.kvSet('x', 2)
      b.counterAdd('c', 3)
      b.setRemove('s', ['p'])
      syncPair(a, b)
      assert.equal(a.digest(), b.digest())
      assert.equal(a.diffFor(b.versionVector()).length, 0)
      assert.equal(b.diffFor(a.versionVector()).length, 0)
    })
  })

  describe('digest and restore', () => {
    it('is independent of the order records arrived in, and survives restore', () => {
      const a = replica('A')
      a.kvSet('k', 1)
      a.setAdd('s', ['x'])
      a.counterAdd('c', 2)
      const b = replica('B')
      b.applyRecords([...a.entries()].reverse())
      assert.equal(b.digest(), a.digest())
      assert.notEqual(a.digest(), replica('C').digest())
      const restored = Replica.restore('A', new FakeClock(), a.entries(), a.versionVector(), a.nextSeq)
      assert.equal(restored.digest(), a.digest())
      assert.deepEqual(restored.versionVector(), a.versionVector())
      assert.equal(restored.nextSeq, a.nextSeq)
      assert.deepEqual(restored.stats(), a.stats())
    })

    it('rejects a bad replica id', () => {
      assert.throws(() => replica('__proto__'), { code: 'INVALID_INPUT' })
      assert.throws(() => replica(''), { code: 'INVALID_INPUT' })
    })
  })
  describe('bounds: what a peer sends cannot brick or poison a replica', () => {
    it('a version vector from a peer never adds origins nor rises past the writes we hold', () => {
      const a = replica('A')
      const b = replica('B')
      for (let i = 0; i < 3; i++) b.kvSet(`k${i}`, i)
      const fake: Record<string, number> = { B: 1_000_000 }
      for (let i = 0; i < 5000; i++) fake[`fake${i}`] = 7
      a.applyRecords(b.diffFor(a.versionVector()), fake)
      assert.deepEqual(a.versionVector(), { B: 3 }, 'no fake origin, and B only as far as its writes here')
      b.kvSet('k3', 3)
      syncPair(a, b)
      assert.equal(a.kvGet('k3'), 3, 'repair of B is not switched off')
    })

    it('refuses records that bring origins past the cap, and keeps serving the ones it knows', () => {
      const a = replica('A')
      const lww = (o: string, seq = 1): CrdtRecord => ({
        t: 'lww',
        hlc: { wall: seq, logical: 0 },
        origin: o,
        value: seq,
        dots: { [o]: seq },
        sig: ZERO_SIG,
      })
      const batch: Array<[string, CrdtRecord]> = []
      for (let i = 0; i <= MAX_VV_ORIGINS; i++) batch.push([kvId(`x${i}`), lww(`o${i}`)])
      a.applyRecords(batch)
      assert.equal(a.stats().keys, MAX_VV_ORIGINS)
      assert.deepEqual(a.heldBack(), { forged: 0, future: 0, origins: 1, caps: 0 })
      a.applyRecords([[kvId('x0'), lww('o0', 2)]])
      assert.equal(a.heldBack().origins, 1, 'a known origin still gets through')
    })

    it('refuses numbers past their bounds where they enter, and a local write past one fails clearly', () => {
      const lww = {
        t: 'lww',
        hlc: { wall: 1, logical: 0 },
        origin: 'B',
        value: 1,
        dots: { B: 1 },
        sig: ZERO_SIG,
      }
      assert.throws(() => parseEntry(kvId('x'), { ...lww, dots: { B: MAX_SEQ + 1 } }), /invalid record/)
      assert.throws(
        () => parseEntry(kvId('x'), { ...lww, hlc: { wall: 2 ** 53 - 1, logical: 2 ** 53 - 1 } }),
        /invalid record/,
      )
      const counter = {
        t: 'counter',
        p: { B: MAX_COUNTER_TOTAL + 1 },
        n: {},
        dots: { B: 1 },
        sigs: { B: ZERO_SIG },
      }
      assert.throws(() => parseEntry(counterId('x'), counter), /invalid record/)
      assert.throws(() => parseEntry(counterId('x'), { ...counter, p: { C: 5 } }), /total without its dot/)
      assert.throws(
        () =>
          parseEntry(setId('x', 'e'), {
            t: 'set',
            adds: { C: 5 },
            removed: {},
            dots: { B: 1 },
            sigs: { B: ZERO_SIG },
            rsigs: {},
          }),
        /add without its dot/,
      )

      const a = replica('A')
      a.counterAdd('n', MAX_COUNTER_TOTAL)
      assert.throws(
        () => a.counterAdd('n', 1),
        (e: Error & { code?: string }) => e.code === 'TOO_LARGE',
      )
      assert.equal(a.counterGet('n'), MAX_COUNTER_TOTAL)
      const last = new Replica('A', new FakeClock(), { nextSeq: MAX_SEQ + 1 })
      assert.throws(() => last.kvSet('k', 1), /used all 2\^48 write sequence numbers/)
      assert.equal(last.kvGet('k'), undefined)
    })

    it('past the state caps, peer records are held back and local writes fail, deletes still work', () => {
      const capped = new Replica('A', new FakeClock(), { maxRecords: 3 })
      capped.kvSet('a', 1)
      capped.kvSet('b', 2)
      const b = replica('B')
      const many = [...b.kvSet('x', 1).deltas, ...b.kvSet('y', 2).deltas, ...b.setAdd('s', ['e']).deltas]
      deliver(capped, many)
      assert.equal(capped.size().records, 3)
      assert.deepEqual(capped.heldBack(), { forged: 0, future: 0, origins: 0, caps: 2 })
      assert.throws(() => capped.kvSet('c', 3), /holds 3 records, its cap \(limits.maxRecords\)/)
      capped.kvSet('a', 'overwrite is fine')
      capped.kvDel('b')
      assert.equal(capped.kvGet('b'), undefined)

      const small = new Replica('A', new FakeClock(), { maxStateBytes: 4096 })
      assert.throws(() => {
        for (let i = 0; i < 100; i++) small.kvSet(`k${i}`, 'x'.repeat(100))
      }, /at its cap of 4096 \(limits.maxStateBytes\)/)
      assert.ok(small.size().bytes <= 4096, `${small.size().bytes} bytes`)
      const big = replica('B').kvSet('big', 'y'.repeat(3000)).deltas
      deliver(small, big)
      assert.equal(small.kvGet('big'), undefined, 'a peer record past the byte cap is held back')
    })

    it('the HLC moves on to the next millisecond when its logical counter is at the bound', () => {
      assert.deepEqual(hlcAfter({ wall: 5, logical: 2 ** 31 }), { wall: 6, logical: 0 })
      assert.deepEqual(hlcAfter({ wall: 5, logical: 2 ** 31 - 1 }), { wall: 5, logical: 2 ** 31 })
    })
  })
})
