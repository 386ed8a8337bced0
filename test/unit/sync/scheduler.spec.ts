import assert from 'node:assert/strict'
import { SyncScheduler, syncFanout } from '../../../src/sync/index.js'
import { UNCHANGED_SKIP } from '../../../src/sync/scheduler.js'
import { FakeClock } from '../../../src/util/clock.js'

const INTERVAL = 1000

function scheduler(): { s: SyncScheduler; clock: FakeClock } {
  const clock = new FakeClock()
  let r = 0
  // A fixed sequence, so ties break the same way each run.
  const random = () => {
    r = (r * 7 + 3) % 11
    return r / 11
  }
  const s = new SyncScheduler({ clock, intervalMs: INTERVAL, random })
  return { s, clock }
}

const peers = (n: number): string[] => Array.from({ length: n }, (_, i) => `p${i}`)

describe('sync scheduler', () => {
  it('sessions per interval stay bounded whatever the mesh size: clamp(N/100, 3, 10)', () => {
    assert.deepEqual([2, 10, 300, 650, 1000, 10_000, 1_000_000].map(syncFanout), [3, 3, 3, 7, 10, 10, 10])
    const { s } = scheduler()
    assert.equal(s.pick(peers(2)).length, 2, 'never more than the peers there are')
    assert.equal(s.pick(peers(50), 10_000).length, 10)
    assert.equal(s.pick(peers(50), 20).length, 3)
  })

  it('picks the peers synced with longest ago first, and none that has a session running', () => {
    const { s, clock } = scheduler()
    const all = peers(6)
    for (const p of ['p0', 'p1', 'p2']) s.completed(p)
    clock.advance(10)
    s.completed('p3')
    assert.ok(s.begin('p4'))
    const picked = s.pick(all)
    assert.equal(picked.length, 3)
    assert.ok(picked.includes('p5'), 'never synced: first')
    assert.ok(!picked.includes('p4'), 'running')
    assert.ok(!picked.includes('p3'), 'the most recent')
    assert.equal(s.begin('p4'), false, 'one initiated session per peer')
    s.end('p4')
    assert.ok(s.begin('p4'))
  })

  it('over a few intervals every peer gets its turn', () => {
    const { s, clock } = scheduler()
    const all = peers(9)
    const seen = new Set<string>()
    for (let round = 0; round < 3; round++) {
      for (const p of s.pick(all)) {
        seen.add(p)
        s.begin(p)
        s.end(p)
        s.completed(p)
      }
      clock.advance(INTERVAL / 4)
    }
    assert.equal(seen.size, 9)
  })

  it('a new connection starts a catch-up only while none is running and no session completed for an interval', () => {
    const { s, clock } = scheduler()
    assert.ok(s.onConnect('a'), 'a fresh agent catches up at once')
    s.begin('a')
    assert.equal(s.onConnect('b'), false, 'one catch-up at a time')
    s.end('a')
    s.completed('a')
    assert.equal(s.onConnect('b'), false, 'caught up: the periodic sessions do the rest')
    clock.advance(INTERVAL)
    assert.ok(s.onConnect('b'), 'no session for an interval (isolated, or sessions failing): catch up')
  })

  it('no catch-up with a peer whose own catch-up we are answering: one session carries both ways', () => {
    const { s } = scheduler()
    assert.equal(s.answer('a'), 'ok')
    assert.equal(s.onConnect('a'), false)
    assert.ok(s.onConnect('b'), 'another peer is no reason to wait')
    s.answered('a')
    assert.ok(s.onConnect('a'), 'the answer failed: nothing completed, so catch up')
  })

  it('while a catch-up runs, no periodic session starts and only its peer is answered', () => {
    const { s } = scheduler()
    assert.ok(s.onConnect('p0'))
    assert.ok(s.begin('p0', true))
    assert.deepEqual(s.pick(peers(5)), [], 'each would carry the whole state again')
    assert.ok(!s.accepts('p1'))
    assert.ok(s.accepts('p0'))
    s.end('p0')
    assert.equal(s.pick(peers(5)).length, 3)
    assert.ok(s.accepts('p1'))
    assert.ok(s.begin('p1'))
    assert.ok(s.accepts('p2'), 'a periodic session is no catch-up')
  })

  it('answers at most four sessions at once, one per peer, and spreads refused catch-ups over 1 to 3 s', () => {
    const { s } = scheduler()
    assert.deepEqual(
      peers(6).map((p) => s.answer(p)),
      ['ok', 'ok', 'ok', 'ok', 'busy', 'busy'],
    )
    assert.equal(s.answer('p0'), 'running')
    s.answered('p0')
    assert.equal(s.answer('p5'), 'ok', 'a slot freed')
    const waits = Array.from({ length: 20 }, () => s.catchUpRetryMs())
    assert.ok(waits.every((w) => w >= 1000 && w <= 3000))
    assert.ok(new Set(waits).size > 1, 'jittered')
  })

  it('refuses to answer while catching up from another peer', () => {
    const { s } = scheduler()
    s.begin('p0', true)
    assert.equal(s.answer('p1'), 'catching-up')
    assert.equal(s.answer('p0'), 'ok')
  })

  it('skips a peer found equal while our digest stays the same, for at most UNCHANGED_SKIP intervals', () => {
    const { s, clock } = scheduler()
    s.inSync('p0', 'd1')
    s.inSync('p1', 'd1')
    assert.deepEqual(s.unchanged(peers(3), 'd1'), { skip: ['p0', 'p1'], rest: ['p2'] })
    assert.deepEqual(s.unchanged(peers(3), 'd2'), { skip: [], rest: ['p0', 'p1', 'p2'] }, 'our state changed')
    clock.advance(UNCHANGED_SKIP * INTERVAL)
    assert.deepEqual(s.unchanged(peers(3), 'd1').skip, [], 'checked again after UNCHANGED_SKIP intervals')
    s.inSync('p0', 'd1')
    assert.deepEqual(s.unchanged(['p1', 'p2'], 'd1').skip, [], 'a peer that left the candidates is forgotten')
    assert.deepEqual(s.unchanged(peers(3), 'd1').skip, [])
  })

  it('a skipped peer counts as synced: no catch-up on a new connection, and others go first', () => {
    const { s } = scheduler()
    s.inSync('p0', 'd')
    s.unchanged(['p0'], 'd')
    assert.equal(s.onConnect('p9'), false)
    assert.deepEqual(s.pick(['p0', 'p1'], 2), ['p1', 'p0'])
  })
})
