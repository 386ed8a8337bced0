import assert from 'node:assert/strict'
import {
  DEFAULT_MEMBERSHIP_OPTIONS as D,
  type MemberMessage,
  Membership,
} from '../../../src/membership/index.js'
import { alive, dead, leave, SELF, setup, suspect } from './helpers.js'

const recv = (ms: ReturnType<typeof setup>['ms'], msg: MemberMessage) =>
  ms.receive(msg, msg.type === 'alive' || msg.type === 'leave' ? msg.id : msg.from)

describe('membership: table', () => {
  it('starts with self alive and counts it', () => {
    const { ms } = setup(7)
    assert.equal(ms.self().status, 'alive')
    assert.equal(ms.self().incarnation, 7)
    assert.deepEqual(ms.counts(), { alive: 1, suspect: 0, dead: 0, left: 0 })
  })

  it('adds an unknown member on alive with a join event', () => {
    const { ms } = setup()
    const r = recv(ms, alive('a', 1, { tags: { role: 'db' }, addrs: ['/ip4/1.2.3.4/tcp/1'] }))
    assert.deepEqual(
      r.events.map((e) => e.type),
      ['join'],
    )
    const a = ms.get('a')
    assert.equal(a?.status, 'alive')
    assert.deepEqual(a?.tags, { role: 'db' })
    assert.equal(ms.counts().alive, 2)
  })

  it('lists sorted by name then id, filtered by status', () => {
    const { ms } = setup()
    recv(ms, alive('b', 1, { name: 'zed' }))
    recv(ms, alive('c', 1, { name: 'amy' }))
    recv(ms, alive('a', 1, { name: 'amy' }))
    recv(ms, dead('c', 1))
    assert.deepEqual(
      ms.list().map((m) => m.id),
      ['a', 'c', SELF, 'b'],
    )
    assert.deepEqual(
      ms.list({ status: 'dead' }).map((m) => m.id),
      ['c'],
    )
    assert.deepEqual(ms.list({ status: ['alive', 'dead'] }).length, 4)
  })

  it('returns copies: mutating a result does not touch the table', () => {
    const { ms } = setup()
    recv(ms, alive('a', 1, { tags: { k: 'v' } }))
    const a = ms.get('a')!
    a.tags.k = 'changed'
    a.status = 'dead'
    assert.equal(ms.get('a')?.tags.k, 'v')
    assert.equal(ms.get('a')?.status, 'alive')
  })

  it('refreshes lastSeen on a same-incarnation heartbeat without events', () => {
    const { ms, clock } = setup()
    recv(ms, alive('a', 1))
    clock.advance(500)
    const r = recv(ms, alive('a', 1, { name: 'ignored' }))
    assert.deepEqual(r, { publish: [], events: [] })
    assert.equal(ms.get('a')?.lastSeen, clock.now())
    assert.equal(ms.get('a')?.name, 'n-a')
  })

  it('applies changed fields from a higher incarnation as an update', () => {
    const { ms } = setup()
    recv(ms, alive('a', 1))
    const r = recv(ms, alive('a', 2, { tags: { x: '1' } }))
    assert.deepEqual(
      r.events.map((e) => e.type),
      ['update'],
    )
    assert.deepEqual(ms.get('a')?.tags, { x: '1' })
  })

  it('treats duplicates and older incarnations as no-ops', () => {
    const { ms } = setup()
    recv(ms, alive('a', 5, { name: 'new' }))
    recv(ms, suspect('a', 5))
    const before = ms.get('a')
    assert.equal(recv(ms, suspect('a', 5)).ignored, 'stale')
    assert.equal(recv(ms, alive('a', 4, { name: 'old' })).ignored, 'stale')
    assert.equal(recv(ms, dead('a', 4)).ignored, 'stale')
    assert.equal(recv(ms, leave('a', 4)).ignored, 'stale')
    assert.deepEqual(ms.get('a'), before)
  })

  it('rejects messages not signed by the member they speak for', () => {
    const { ms } = setup()
    assert.equal(ms.receive(alive('a', 1), 'mallory').ignored, 'sender-mismatch')
    assert.equal(ms.get('a'), undefined)
    recv(ms, alive('a', 1))
    assert.equal(ms.receive(leave('a', 1), 'mallory').ignored, 'sender-mismatch')
    assert.equal(ms.receive(suspect('a', 1, 'b'), 'mallory').ignored, 'sender-mismatch')
    assert.equal(ms.receive(dead('a', 1, 'b'), 'mallory').ignored, 'sender-mismatch')
    assert.equal(ms.get('a')?.status, 'alive')
  })

  it('ignores a suspicion about an unknown member, records dead/leave as tombstones', () => {
    const { ms } = setup()
    assert.equal(recv(ms, suspect('a', 1)).ignored, 'unknown-member')
    assert.equal(ms.get('a'), undefined)
    recv(ms, dead('b', 3))
    assert.equal(ms.get('b')?.status, 'dead')
    assert.equal(recv(ms, alive('b', 3)).ignored, 'stale')
    recv(ms, leave('c', 2))
    assert.equal(ms.get('c')?.status, 'left')
  })
})

describe('membership: failure detection', () => {
  it('publishes a heartbeat every heartbeatIntervalMs', () => {
    const { ms, clock } = setup()
    assert.deepEqual(ms.tick().publish, [
      { type: 'alive', id: SELF, incarnation: 1, name: 'self', tags: {}, addrs: [] },
    ])
    clock.advance(D.heartbeatIntervalMs - 1)
    assert.equal(ms.tick().publish.length, 0)
    clock.advance(1)
    assert.equal(ms.tick().publish.length, 1)
  })

  it('asks for one ping after missed heartbeats; ping ok keeps the member alive', () => {
    const { ms, clock } = setup()
    recv(ms, alive('a', 1))
    clock.advance(D.suspectAfterMs - 1)
    assert.deepEqual(ms.tick().toPing, [])
    clock.advance(1)
    assert.deepEqual(ms.tick().toPing, ['a'])
    clock.advance(200)
    assert.deepEqual(ms.tick().toPing, [], 'ping outstanding: not asked again')
    assert.deepEqual(ms.pingResult('a', true), { publish: [], events: [] })
    assert.equal(ms.get('a')?.status, 'alive')
    assert.equal(ms.get('a')?.lastSeen, clock.now())
    assert.equal(ms.pingResult('a', true).ignored, 'no-ping-outstanding')
    clock.advance(D.suspectAfterMs)
    assert.deepEqual(ms.tick().toPing, ['a'], 'next round')
  })

  it('ping failure -> suspect -> dead after suspicionTimeout -> reaped after reapAfter', () => {
    const { ms, clock } = setup()
    recv(ms, alive('a', 4))
    clock.advance(D.suspectAfterMs)
    ms.tick()
    const s = ms.pingResult('a', false)
    assert.deepEqual(s.publish, [{ type: 'suspect', id: 'a', incarnation: 4, from: SELF }])
    assert.deepEqual(
      s.events.map((e) => e.type),
      ['suspect'],
    )
    assert.equal(ms.get('a')?.statusSince, clock.now())

    clock.advance(D.suspicionTimeoutMs - 1)
    assert.equal(ms.tick().events.length, 0)
    clock.advance(1)
    const d = ms.tick()
    assert.deepEqual(
      d.publish.filter((m) => m.type === 'dead'),
      [{ type: 'dead', id: 'a', incarnation: 4, from: SELF }],
    )
    assert.deepEqual(
      d.events.map((e) => e.type),
      ['dead'],
    )
    assert.equal(ms.get('a')?.status, 'dead')

    clock.advance(D.reapAfterMs - 1)
    assert.equal(ms.tick().events.length, 0)
    clock.advance(1)
    const r = ms.tick()
    assert.deepEqual(
      r.events.map((e) => [e.type, e.member.id]),
      [['reap', 'a']],
    )
    assert.equal(ms.get('a'), undefined)
  })

  it('a same-incarnation heartbeat does not clear suspicion; a higher one does', () => {
    const { ms, clock } = setup()
    recv(ms, alive('a', 1))
    recv(ms, suspect('a', 1, 'b'))
    clock.advance(1000)
    recv(ms, alive('a', 1))
    assert.equal(ms.get('a')?.status, 'suspect')
    assert.equal(ms.get('a')?.lastSeen, clock.now())
    const r = recv(ms, alive('a', 2))
    assert.deepEqual(
      r.events.map((e) => e.type),
      ['alive'],
    )
    assert.equal(ms.get('a')?.status, 'alive')
  })

  it('never re-arms a suspicion: a later suspect keeps statusSince', () => {
    const { ms, clock } = setup()
    recv(ms, alive('a', 1))
    recv(ms, suspect('a', 1, 'b'))
    const since = ms.get('a')?.statusSince
    clock.advance(1000)
    recv(ms, suspect('a', 2, 'c'))
    assert.equal(ms.get('a')?.incarnation, 2)
    assert.equal(ms.get('a')?.statusSince, since)
    clock.advance(D.suspicionTimeoutMs - 1000)
    ms.tick()
    assert.equal(ms.get('a')?.status, 'dead')
  })

  it('brings a restarted member with a higher incarnation back from dead', () => {
    const { ms } = setup()
    recv(ms, alive('a', 3))
    recv(ms, dead('a', 3))
    assert.equal(recv(ms, alive('a', 3)).ignored, 'stale')
    const r = recv(ms, alive('a', 4, { addrs: ['/ip4/10.0.0.2/tcp/4001'] }))
    assert.deepEqual(
      r.events.map((e) => e.type),
      ['alive'],
    )
    assert.equal(ms.get('a')?.status, 'alive')
    assert.deepEqual(ms.get('a')?.addrs, ['/ip4/10.0.0.2/tcp/4001'])
  })
})

describe('membership: heartbeat on demand', () => {
  it('gives self alive for a newly subscribed peer, and nothing once left', () => {
    const { ms } = setup(5)
    assert.deepEqual(ms.heartbeat().publish, [{ type: 'alive', id: SELF, incarnation: 5, name: 'self', tags: {}, addrs: [] }])
    ms.leave()
    assert.deepEqual(ms.heartbeat().publish, [])
  })
})

describe('membership: healing after a partition', () => {
  it('tells a member it is held dead when its old heartbeats return, so it can refute', () => {
    const a = setup(1, 'a')
    const b = setup(1, 'b')
    const bAlive = b.ms.tick().publish.find((m) => m.type === 'alive')!
    recv(a.ms, bAlive)
    recv(a.ms, dead('b', 1, 'a'))
    assert.equal(a.ms.get('b')?.status, 'dead')

    // The partition heals: b's same-incarnation heartbeat reaches a, which re-publishes its verdict.
    const r = recv(a.ms, bAlive)
    assert.deepEqual(r.publish, [{ type: 'dead', id: 'b', incarnation: 1, from: 'a' }])
    assert.deepEqual(recv(a.ms, bAlive).publish, [], 'rate-limited to once per heartbeat interval')
    a.clock.advance(D.heartbeatIntervalMs)
    assert.equal(recv(a.ms, bAlive).publish.length, 1)

    // b refutes; a takes it back as alive.
    const refute = recv(b.ms, r.publish[0]!).publish
    assert.equal(refute[0]?.type, 'alive')
    recv(a.ms, refute[0]!)
    assert.equal(a.ms.get('b')?.status, 'alive')
  })
})

describe('membership: self', () => {
  it('refutes a suspicion about self with incarnation + 1, and peers clear it', () => {
    const { ms } = setup(3)
    const r = ms.receive(suspect(SELF, 5, 'b'), 'b')
    assert.equal(ms.self().incarnation, 6)
    assert.equal(ms.self().status, 'alive')
    assert.deepEqual(r.publish, [
      { type: 'alive', id: SELF, incarnation: 6, name: 'self', tags: {}, addrs: [] },
    ])
    assert.deepEqual(
      r.events.map((e) => e.type),
      ['refute'],
    )
    assert.equal(ms.receive(dead(SELF, 2, 'b'), 'b').ignored, 'stale')

    // Another peer that suspected us applies the refutation.
    const peer = setup(1, 'peer').ms
    peer.receive(alive(SELF, 3), SELF)
    peer.receive(suspect(SELF, 5, 'b'), 'b')
    assert.equal(peer.get(SELF)?.status, 'suspect')
    const first = r.publish[0]!
    peer.receive(first, SELF)
    assert.equal(peer.get(SELF)?.status, 'alive')
    assert.equal(peer.get(SELF)?.incarnation, 6)
  })

  it('ignores alive/leave echoes about self', () => {
    const { ms } = setup()
    assert.equal(ms.receive(alive(SELF, 9), SELF).ignored, 'about-self')
    assert.equal(ms.receive(leave(SELF, 9), SELF).ignored, 'about-self')
    assert.equal(ms.self().incarnation, 1)
  })

  it('setTags/setAddrs/setName raise the incarnation and publish alive at once', () => {
    const { ms } = setup(1)
    const t = ms.setTags({ a: '1', b: '2' }, [])
    assert.equal(ms.self().incarnation, 2)
    assert.deepEqual(t.publish[0], {
      type: 'alive',
      id: SELF,
      incarnation: 2,
      name: 'self',
      tags: { a: '1', b: '2' },
      addrs: [],
    })
    ms.setTags({ c: '3' }, ['a'])
    assert.deepEqual(ms.self().tags, { b: '2', c: '3' })
    assert.deepEqual(ms.setTags({ b: '2' }), { publish: [], events: [] }, 'no change, no bump')
    ms.setAddrs(['/ip4/1.1.1.1/tcp/1'])
    ms.setName('renamed')
    assert.equal(ms.self().incarnation, 5)
    assert.equal(ms.tick().publish.length, 0, 'the immediate alive counts as the heartbeat')
  })

  it('rejects self updates over the wire limits without changing anything', () => {
    const { ms } = setup()
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']))
    assert.throws(() => ms.setTags(many), { code: 'INVALID_INPUT' })
    assert.throws(() => ms.setName('x'.repeat(129)), { code: 'INVALID_INPUT' })
    assert.equal(ms.self().incarnation, 1)
    assert.deepEqual(ms.self().tags, {})
  })

  it('leave shows as left, never dead, even after a late same-incarnation suspect/dead', () => {
    const { ms } = setup(2)
    const r = ms.leave()
    assert.deepEqual(r.publish, [{ type: 'leave', id: SELF, incarnation: 2 }])
    assert.equal(ms.self().status, 'left')
    assert.equal(ms.receive(suspect(SELF, 2, 'b'), 'b').ignored, 'self-left')
    assert.equal(ms.tick().publish.length, 0, 'no heartbeat after leaving')
    assert.throws(() => ms.setName('x'), { code: 'SHUTTING_DOWN' })

    const peer = setup(1, 'peer').ms
    peer.receive(alive(SELF, 2), SELF)
    const l = peer.receive(r.publish[0]!, SELF)
    assert.deepEqual(
      l.events.map((e) => e.type),
      ['leave'],
    )
    assert.equal(peer.receive(suspect(SELF, 2, 'b'), 'b').ignored, 'stale')
    assert.equal(peer.receive(dead(SELF, 2, 'b'), 'b').ignored, 'stale')
    assert.equal(peer.get(SELF)?.status, 'left')
  })

  it('rejects bad options and bad self info', () => {
    const self = { id: 'me', name: 'n', incarnation: 1 }
    assert.throws(() => new Membership({ self, options: { suspectAfterMs: 0 } }), { code: 'INVALID_INPUT' })
    assert.throws(() => new Membership({ self: { ...self, incarnation: -1 } }), { code: 'INVALID_INPUT' })
    assert.throws(() => new Membership({ self: { ...self, id: '' } }), { code: 'INVALID_INPUT' })
  })
})
