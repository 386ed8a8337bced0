import assert from 'node:assert/strict'
import { type Delta, Replica } from '../../../src/crdt/index.js'
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

    it('lets a local write win over a value from a far-future clock without adopting that clock', () => {
      const clock = new FakeClock()
      const a = replica('A', clock)
      const b = replica('B', new FakeClock(clock.now() + 10 * 3600_000))
      deliver(a, b.kvSet('k', 'future').deltas)
      assert.equal(a.kvGet('k'), 'future')
      const w = a.kvSet('k', 'mine')
      assert.equal(a.kvGet('k'), 'mine')
      deliver(b, w.deltas)
      assert.equal(b.kvGet('k'), 'mine')
      const other = a.kvSet('other', 1).deltas[0]!.record
      assert.ok(other.t === 'lww' && other.hlc.wall === clock.now(), 'clock not dragged forward')
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
        { kind: 'set', name: 's', element: 'a', present: false },
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
})
