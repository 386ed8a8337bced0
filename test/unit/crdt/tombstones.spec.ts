import assert from 'node:assert/strict'
import { type CrdtRecord, type Delta, Replica } from '../../../src/crdt/index.js'
import { mergeRecords } from '../../../src/crdt/records.js'
import { FakeClock } from '../../../src/util/clock.js'

const HORIZON = 60_000

function replica(id: string, clock = new FakeClock(), deferSigning = false): Replica {
  return new Replica(id, clock, { tombstoneHorizonMs: HORIZON, deferSigning })
}

const records = (r: Replica) => r.stats().records

/** The record a replica that heard all of `deltas` holds. */
const mergedOf = (...deltas: Delta[][]): CrdtRecord =>
  deltas
    .flat()
    .reduce<CrdtRecord | undefined>(
      (r, d) => (r === undefined ? d.record : mergeRecords(r, d.record)),
      undefined,
    )!

describe('tombstone collection', () => {
  it('keeps a deleted key for the horizon, then drops it and raises the floor of its write', () => {
    const clock = new FakeClock()
    const a = replica('A', clock)
    a.kvSet('k', 1)
    a.kvSet('other', 2)
    a.kvDel('k')
    assert.equal(a.stats().tombstones, 1)
    clock.advance(HORIZON - 1)
    assert.equal(a.collectTombstones(), 0)
    clock.advance(1)
    assert.equal(a.collectTombstones(), 1)
    assert.deepEqual(a.stats(), { keys: 1, sets: 0, counters: 0, records: 1, tombstones: 0 })
    assert.equal(a.kvGet('k'), undefined)
    assert.equal(a.floorOf('A'), 3, 'the delete was write 3')
    assert.deepEqual(a.takeFloorChanges(), [['A', 3]])
    assert.deepEqual(a.kvList(), [{ key: 'other', value: 2 }])
  })

  it('collects removed set elements and never counters; a collected element can be added again', () => {
    const clock = new FakeClock()
    const a = replica('A', clock)
    a.setAdd('s', ['x', 'y'])
    a.setRemove('s', ['x'])
    a.counterAdd('c', 5)
    a.counterAdd('c', -5)
    clock.advance(HORIZON)
    assert.equal(a.collectTombstones(), 1)
    assert.deepEqual(a.setMembers('s'), ['y'])
    assert.equal(a.stats().records, 2, 'y and the counter')
    a.setAdd('s', ['x'])
    assert.deepEqual(a.setMembers('s'), ['x', 'y'])
  })

  it('keeps a tombstone whose writes the vv does not cover yet (a gap)', () => {
    const w = replica('W')
    const first = w.kvSet('a', 1).deltas
    w.kvSet('k', 1)
    const del = w.kvDel('k').deltas
    const clock = new FakeClock()
    const b = replica('B', clock)
    for (const d of del) b.applyDelta(d) // seq 3 arrives before 1 and 2
    clock.advance(HORIZON)
    assert.equal(b.collectTombstones(), 0)
    for (const d of first) b.applyDelta(d)
    assert.equal(b.collectTombstones(), 0, 'seq 2 still missing')
    b.applyRecords([], { W: 3 }) // no proof it holds seq 2: the vv does not rise past what it held
    assert.equal(b.stats().tombstones, 1)
  })

  it('an older write of a collected key does not bring it back, by gossip or by a diff', () => {
    const clock = new FakeClock()
    const w = replica('W', clock)
    const set = w.kvSet('k', 'old').deltas
    const del = w.kvDel('k').deltas
    const b = replica('B', clock)
    for (const d of [...set, ...del]) b.applyDelta(d)
    clock.advance(HORIZON)
    assert.equal(b.collectTombstones(), 1)
    for (const d of set) assert.deepEqual(b.applyDelta(d), [])
    assert.deepEqual(b.applyRecords(set.map((d) => [d.id, d.record])), [])
    assert.equal(b.kvGet('k'), undefined)
    assert.equal(records(b), 0)
    // A newer write of the key is a new write: it comes in.
    const again = w.kvSet('k', 'new').deltas
    for (const d of again) b.applyDelta(d)
    assert.equal(b.kvGet('k'), 'new')
  })

  it('waits for the seal of an own delete (batch signatures)', () => {
    const clock = new FakeClock()
    const a = replica('A', clock, true)
    a.kvSet('k', 1)
    a.kvDel('k')
    clock.advance(HORIZON)
    assert.equal(a.collectTombstones(), 0, 'unsigned')
    a.seal()
    assert.equal(a.collectTombstones(), 1)
  })

  it('a replica restored with its floors keeps them', () => {
    const clock = new FakeClock()
    const a = Replica.restore('A', clock, [], { A: 9 }, 10, { floors: { A: 7 }, tombstoneHorizonMs: HORIZON })
    assert.equal(a.floorOf('A'), 7)
    assert.deepEqual(a.takeFloorChanges(), [], 'what was restored is on disk already')
  })

  describe('dead parts of a set element still present', () => {
    // W added e and V removed it; then X adds e again. Parts of W and V no longer count.
    function history(clock: FakeClock) {
      const w = replica('W', clock)
      const v = replica('V', clock)
      const x = replica('X', clock)
      const added = w.setAdd('s', ['e']).deltas
      for (const d of added) v.applyDelta(d)
      const removed = v.setRemove('s', ['e']).deltas
      for (const d of [...added, ...removed]) x.applyDelta(d)
      const again = x.setAdd('s', ['e']).deltas
      return { added, removed, again }
    }
    const record = (r: Replica) => [...r.entries()].find(([id]) => id.startsWith('s'))![1]

    it('drops them after the horizon, raising the floors of the add and of its remove', () => {
      const clock = new FakeClock()
      const { added, removed, again } = history(clock)
      const a = replica('A', clock)
      for (const d of [...added, ...removed, ...again]) a.applyDelta(d)
      assert.deepEqual(Object.keys(record(a).dots).sort(), ['V', 'W', 'X'])
      clock.advance(HORIZON - 1)
      assert.equal(a.collectTombstones(), 0)
      clock.advance(1)
      assert.equal(a.collectTombstones(), 1)
      assert.deepEqual(record(a).dots, { X: 1 })
      assert.deepEqual(a.setMembers('s'), ['e'])
      assert.equal(a.stats().tombstones, 0, 'a present element is no tombstone')
      assert.deepEqual([a.floorOf('W'), a.floorOf('V')], [1, 1])
      // An older copy holding them (gossip, or a peer's record) does not bring them back.
      for (const d of [...added, ...removed]) assert.deepEqual(a.applyDelta(d), [])
      a.applyRecords([[again[0]!.id, mergedOf(added, removed, again)]])
      assert.deepEqual(record(a).dots, { X: 1 })
    })

    it('ends equal to a replica that collected the element whole before it came back', () => {
      const clock = new FakeClock()
      const { added, removed, again } = history(clock)
      const a = replica('A', clock)
      const b = replica('B', clock)
      for (const d of [...added, ...removed]) {
        a.applyDelta(d)
        b.applyDelta(d)
      }
      clock.advance(HORIZON)
      assert.equal(a.collectTombstones(), 1, 'A drops the tombstone; B has not collected yet')
      for (const d of again) {
        a.applyDelta(d)
        b.applyDelta(d)
      }
      assert.notEqual(a.digest(), b.digest())
      clock.advance(HORIZON)
      b.collectTombstones()
      assert.equal(a.digest(), b.digest())
    })

    it('waits the horizon from the latest part that died', () => {
      const clock = new FakeClock()
      const { added, removed } = history(clock)
      const a = replica('A', clock)
      const y = replica('Y', clock).setAdd('s', ['e']).deltas // an add that did not see the remove
      for (const d of [...added, ...y]) a.applyDelta(d)
      clock.advance(HORIZON)
      for (const d of removed) a.applyDelta(d)
      assert.equal(a.collectTombstones(), 0, 'W died just now')
      clock.advance(HORIZON)
      assert.equal(a.collectTombstones(), 1)
      assert.deepEqual(record(a).dots, { Y: 1 })
    })
  })

  describe('retiring origins', () => {
    const live = (o: string) => o === 'x' // x is a live member; W has left

    it('retires an origin that left once no record holds its writes and the horizon has passed', () => {
      const clock = new FakeClock()
      const w = replica('W', clock)
      const x = replica('x', clock)
      const a = replica('A', clock)
      const old = w.kvSet('k', 1).deltas
      for (const d of old) a.applyDelta(d)
      a.kvSet('mine', 1)
      assert.deepEqual(a.retireOrigins(live), [], 'a record holds its write')
      for (const d of x.kvSet('k', 2).deltas) a.applyDelta(d)
      assert.deepEqual(a.retireOrigins(live), [], 'within the horizon')
      clock.advance(HORIZON)
      assert.deepEqual(a.retireOrigins(live), ['W'], 'never x (live) nor A (self)')
      assert.deepEqual(a.takeRetiredChanges(), [['W', 1]])
      assert.equal(a.retiredOf('W'), 1)
      assert.ok(!a.versionEntries().some(([o]) => o === 'W'), 'sessions no longer reconcile it')
      assert.deepEqual(a.coverageVector(), { A: 1, x: 1, W: 1 })
      for (const d of old) assert.deepEqual(a.applyDelta(d), [], 'its old writes stay covered')
      assert.equal(a.kvGet('k'), 2)
      // It comes back with a new write: its entry returns to the vv.
      for (const d of w.kvSet('back', 1).deltas) a.applyDelta(d)
      assert.equal(a.versionOf('W'), 2)
      assert.equal(a.retiredOf('W'), 0)
      assert.deepEqual(a.takeRetiredChanges(), [['W', 0]])
    })

    it('never retires an origin with a counter or set part, or with a gap', () => {
      const clock = new FakeClock()
      const w = replica('W', clock)
      const v = replica('V', clock)
      const a = replica('A', clock)
      for (const d of w.counterAdd('c', 1).deltas) a.applyDelta(d)
      v.kvSet('x', 1)
      for (const d of v.kvSet('x', 2).deltas) a.applyDelta(d) // seq 2 without seq 1: a gap
      clock.advance(HORIZON)
      assert.deepEqual(
        a.retireOrigins(() => false),
        [],
      )
    })

    it('a replica restored with retired entries still covers their writes', () => {
      const clock = new FakeClock()
      const a = Replica.restore('A', clock, [], {}, 1, { retired: { W: 5 }, tombstoneHorizonMs: HORIZON })
      assert.equal(a.retiredOf('W'), 5)
      assert.equal(a.versionOf('W'), 0)
      assert.deepEqual(a.takeRetiredChanges(), [])
    })
  })
})
