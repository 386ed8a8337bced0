import assert from 'node:assert/strict'
import fc from 'fast-check'
import { canonicalJson, type Delta, FLOOR_LIFT, Replica } from '../../../src/crdt/index.js'
import { memoryDuplexPair, runSyncInitiator, runSyncResponder } from '../../../src/sync/index.js'
import { FakeClock } from '../../../src/util/clock.js'

const HORIZON = 60_000

const replica = (id: string, clock: FakeClock) => new Replica(id, clock, { tombstoneHorizonMs: HORIZON })

async function session(a: Replica, b: Replica, maxFrameBytes?: number) {
  const [ca, cb] = memoryDuplexPair()
  const limits = maxFrameBytes === undefined ? undefined : { maxFrameBytes }
  return Promise.all([
    runSyncInitiator(a, ca.send, ca.frames, limits),
    runSyncResponder(b, cb.send, cb.frames, limits),
  ])
}

describe('sync after tombstone collection (full state transfer)', () => {
  it('a replica away past the horizon loses what was deleted meanwhile and keeps what it wrote', async () => {
    const clock = new FakeClock()
    const x = replica('X', clock)
    const y = replica('Y', clock)
    x.kvSet('gone', 'old')
    x.kvSet('kept', 1)
    x.setAdd('s', ['e1', 'e2'])
    await session(x, y)
    assert.equal(y.kvGet('gone'), 'old')
    // Y is away: X deletes, and collects once the horizon has passed; Y writes on its own.
    x.kvDel('gone')
    x.setRemove('s', ['e1'])
    clock.advance(HORIZON)
    assert.equal(x.collectTombstones(), 2)
    y.kvSet('mine', 'while away')
    const [rx, ry] = await session(y, x, 4096)
    assert.ok(ry.sentFull && rx.receivedFull, 'X sends Y everything')
    assert.ok(!rx.sentFull, 'Y is above every floor of X')
    assert.equal(y.kvGet('gone'), undefined)
    assert.deepEqual(y.setMembers('s'), ['e2'])
    assert.equal(y.kvGet('mine'), 'while away')
    assert.equal(x.kvGet('mine'), 'while away')
    assert.equal(x.digest(), y.digest())
    assert.ok(rx.changes.some((c) => c.kind === 'kv' && c.key === 'gone' && c.value === null))
    assert.ok(rx.changes.some((c) => c.kind === 'set' && c.element === 'e1' && !c.present))
    assert.equal(
      y.floorOf('X'),
      x.floorOf('X'),
      'Y takes on the floors, so it too hands the next returner everything',
    )
    const [again] = await session(x, y)
    assert.ok(again!.inSync)
  })

  it('retired origins: a returning peer still learns of a collected delete of their values', async () => {
    const clock = new FakeClock()
    const w = replica('W', clock)
    const v = replica('V', clock)
    const x = replica('X', clock)
    const y = replica('Y', clock)
    for (const d of w.kvSet('k', 'old').deltas) {
      x.applyDelta(d)
      y.applyDelta(d)
    }
    // V overwrites and deletes k, and both leave; X collects the delete and retires W, whose
    // writes no record holds. V keeps its entry: its floor is what tells Y it needs everything.
    for (const d of [...v.kvSet('k', 'newer').deltas, ...v.kvDel('k').deltas]) x.applyDelta(d)
    x.kvSet('x', 1)
    clock.advance(HORIZON)
    assert.equal(x.collectTombstones(), 1)
    assert.deepEqual(
      x.retireOrigins((o) => o === 'X'),
      ['W'],
    )
    assert.equal(x.retiredOf('W'), 1)
    assert.ok(x.versionEntries().some(([o]) => o === 'V'))
    const [rx] = await session(x, y)
    assert.ok(rx.sentFull)
    assert.equal(y.kvGet('k'), undefined)
    assert.equal(y.kvGet('x'), 1)
    assert.deepEqual(y.kvList(), x.kvList())
    for (const d of w.kvSet('back', 1).deltas) x.applyDelta(d)
    assert.equal(x.versionOf('W'), 2, 'W writes again: back in the vv')
  })

  it('a peer that is above every floor gets a diff, not the whole state', async () => {
    const clock = new FakeClock()
    const x = replica('X', clock)
    const y = replica('Y', clock)
    for (let i = 0; i < 50; i++) x.kvSet(`k${i}`, i)
    x.kvDel('k0')
    await session(x, y)
    clock.advance(HORIZON)
    x.collectTombstones()
    y.collectTombstones()
    x.kvSet('new', 1)
    const [rx, ry] = await session(x, y)
    assert.ok(!rx.sentFull && !ry.sentFull)
    assert.equal(rx.sent, 1)
    assert.equal(x.digest(), y.digest())
  })

  it('a full transfer drops neither counters nor values written within the horizon, whatever the sender claims', () => {
    const clock = new FakeClock()
    const y = replica('Y', clock)
    y.kvSet('old', 1)
    y.counterAdd('c', 2)
    clock.advance(HORIZON + 1)
    y.kvSet('recent', 1)
    const changes = y.applyFullTransfer(new Map(), { Y: 1_000_000 }, { Y: 1_000_000 })
    assert.equal(y.kvGet('old'), undefined, 'older than the horizon: its delete may have been collected')
    assert.equal(y.kvGet('recent'), 1)
    assert.equal(y.counterGet('c'), 2)
    assert.equal(changes.length, 1)
    assert.equal(y.floorOf('Y'), 3, 'floors rise only as far as our own vv')
  })

  it("floors lift the vv past the writes held by at most FLOOR_LIFT in a replica's life", () => {
    const clock = new FakeClock()
    const y = replica('Y', clock)
    y.applyFullTransfer(new Map(), { X: 2 ** 40 }, { X: 2 ** 40 })
    assert.equal(
      y.versionOf('X'),
      FLOOR_LIFT,
      'a lying sender could make us ignore that many writes of X, no more',
    )
    y.applyFullTransfer(new Map(), { Z: 2 ** 40 }, { Z: 2 ** 40 })
    assert.equal(y.versionOf('Z'), 0, 'the budget is spent')
  })

  it('any two replicas read the same after one session, and hold the same after the next once both have collected', async () => {
    const op = fc.record({
      w: fc.nat(3),
      kind: fc.constantFrom('set', 'del', 'add', 'rm', 'share', 'sync', 'collect'),
      key: fc.nat(5),
      to: fc.constantFrom('A', 'B', 'both', 'none'),
      late: fc.boolean(),
    })
    let fulls = 0
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 50 }), fc.nat(), async (ops, seed) => {
        const clock = new FakeClock()
        const ws = Array.from({ length: 4 }, (_, i) => replica(`w${i}`, clock))
        const a = replica('A', clock)
        const b = replica('B', clock)
        // Delayed and out of order, but within the horizon: each collection delivers them first.
        const late: Array<[Replica, Delta]> = []
        const deliverLate = () => {
          for (const [r, d] of late.reverse()) r.applyDelta(d)
          late.length = 0
        }
        const deliver = (to: string, ds: readonly Delta[], isLate: boolean) => {
          for (const d of ds) {
            for (const r of to === 'both' ? [a, b] : to === 'A' ? [a] : to === 'B' ? [b] : []) {
              if (isLate) late.push([r, d])
              else r.applyDelta(d)
            }
          }
        }
        const sent = new Map<Replica, Delta[]>(ws.map((w) => [w, []]))
        // The assumption: every write reaches every live member within the horizon. So before the
        // clock passes it, the live replica r and the writers hear every write made so far, by
        // gossip (a write that lost to a concurrent one travels only so) and by two rounds of
        // sessions through r; the other replica may be away.
        const hearAll = async (r: Replica) => {
          deliverLate()
          for (const [x, list] of sent)
            for (const y of [r, ...ws]) if (y !== x) for (const d of list) y.applyDelta(d)
          for (const x of [...ws, ...ws]) await session(r, x)
          // Heard by all: hearing them again once the clock passes the horizon would break it.
          for (const list of sent.values()) list.length = 0
        }
        for (const o of ops) {
          const w = ws[o.w]!
          const k = `k${o.key}`
          let ds: Delta[] = []
          if (o.kind === 'set') ds = w.kvSet(k, seed).deltas
          else if (o.kind === 'del') ds = w.kvDel(k).deltas
          else if (o.kind === 'add') ds = w.setAdd('s', [k]).deltas
          else if (o.kind === 'rm') ds = w.setRemove('s', [k]).deltas
          else if (o.kind === 'share') {
            // A writer hears another's writes, so records carry several origins' parts.
            for (const d of sent.get(ws[(o.w + 1) % 4]!)!) w.applyDelta(d)
          } else if (o.kind === 'sync') {
            // A or B catches up with a writer, gaps filled: what it holds can now be collected.
            await session(o.to === 'B' ? b : a, w)
          } else {
            const r = o.to === 'B' ? b : a
            await hearAll(r)
            clock.advance(HORIZON)
            r.collectTombstones()
            // Every writer counts as gone: their origins retire, and come back when they write.
            r.retireOrigins(() => false)
          }
          sent.get(w)!.push(...ds)
          deliver(o.to, ds, o.late)
        }
        // A stays in the mesh (it hears every write) while B is away, then collects.
        await hearAll(a)
        clock.advance(HORIZON)
        a.collectTombstones()
        a.retireOrigins(() => false)
        const [ra] = await session(a, b, 2048)
        if (ra.sentFull || ra.receivedFull) fulls++
        assert.deepEqual(a.kvList(), b.kvList())
        assert.deepEqual(a.setMembers('s'), b.setMembers('s'))
        // Their records may differ while one holds a tombstone or dead set part the other dropped,
        // or cannot drop yet: its vv has a gap where it missed a write overwritten since, which
        // only a session that finds a difference fills. Collecting and syncing as the agent does
        // every interval makes them equal within two rounds.
        for (let round = 0; round < 2 && a.digest() !== b.digest(); round++) {
          clock.advance(HORIZON)
          for (const r of [a, b]) {
            r.collectTombstones()
            r.retireOrigins(() => false)
          }
          await session(b, a)
        }
        assert.equal(a.digest(), b.digest())
        const [again] = await session(b, a)
        assert.ok(again!.inSync, 'a second session finds them in sync')
      }),
      { numRuns: 200 },
    )
    assert.ok(fulls > 20, `only ${fulls} of 200 runs needed a full transfer`)
  })

  it('moves bytes bounded by what differs, over common state with collected tombstones and retired origins', async () => {
    // Common state: 20 writers, 1,000 keys, half of them deleted and collected on both sides, and
    // every writer retired. A session that sent it would cost far more than the bound below.
    const clock = new FakeClock()
    const entries = (r: Replica) => new Map([...r.entries()].map(([id, rec]) => [id, canonicalJson(rec)]))
    const op = fc.record({
      by: fc.nat(21), // 20: the replica itself, else writer `by`, who may come back from retirement
      kind: fc.constantFrom('set', 'del', 'add', 'rm'),
      key: fc.nat(1200),
      to: fc.constantFrom('A', 'B', 'both'),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        const ws = Array.from({ length: 20 }, (_, i) => replica(`w${i}`, clock))
        const common: Delta[] = []
        for (let k = 0; k < 1000; k++) common.push(...ws[k % 20]!.kvSet(`k${k}`, `v${k}`).deltas)
        for (let k = 0; k < 1000; k += 2) common.push(...ws[k % 20]!.kvDel(`k${k}`).deltas)
        const base = (id: string) => {
          const r = replica(id, clock)
          for (const d of common) r.applyDelta(d)
          return r
        }
        const a = base('A')
        const b = base('B')
        clock.advance(HORIZON)
        for (const r of [a, b]) {
          assert.equal(r.collectTombstones(), 500)
          r.retireOrigins(() => false)
        }
        const fullBytes = (await session(replica('empty', clock), a)).reduce((n, r) => n + r.bytesSent, 0)
        for (const o of ops) {
          const k = `k${o.key}`
          const targets = o.to === 'A' ? [a] : o.to === 'B' ? [b] : [a, b]
          const w = o.by >= 20 ? targets[0]! : ws[o.by]!
          const res =
            o.kind === 'set'
              ? w.kvSet(k, 'new')
              : o.kind === 'del'
                ? w.kvDel(k)
                : o.kind === 'add'
                  ? w.setAdd('s', [k])
                  : w.setRemove('s', [k])
          for (const t of targets) if (t !== w) for (const d of res.deltas) t.applyDelta(d)
        }
        // The difference: records one side holds and the other does not hold equal, and the
        // origins whose coverage differs.
        const ea = entries(a)
        const eb = entries(b)
        let records = 0
        for (const [id, j] of ea) if (eb.get(id) !== j) records++
        for (const [id, j] of eb) if (ea.get(id) !== j) records++
        const va = a.coverageVector()
        const vb = b.coverageVector()
        const origins = new Set([...Object.keys(va), ...Object.keys(vb)].filter((o) => va[o] !== vb[o])).size
        const [ra, rb] = await session(a, b)
        assert.equal(a.digest(), b.digest())
        assert.ok(!ra!.sentFull && !ra!.receivedFull, 'both collected the same: no full transfer')
        const bytes = ra!.bytesSent + rb!.bytesSent
        const bound = 1000 + 1500 * records + 600 * origins
        assert.ok(bytes <= bound, `${bytes} B for ${records} records and ${origins} origins (bound ${bound})`)
        assert.ok(fullBytes > bound, `sending the common state (${fullBytes} B) would pass the bound`)
      }),
      { numRuns: 40 },
    )
  })
})
