// Membership services on an in-memory net: SWIM frames over stream pairs, timers on a fake clock.
import assert from 'node:assert/strict'
import { type MembershipService, membershipService } from '../../../src/gossip/membership-service.js'
import { surplusIdleMs } from '../../../src/gossip/surplus-connections.js'
import { OLD_SWIM_PROTOCOLS, SWIM_PROTOCOL } from '../../../src/membership/limits.js'
import type { MemberEvent } from '../../../src/membership/types.js'
import { createLogger } from '../../../src/util/log.js'
import { advanceBy, advanceUntil } from '../../helpers/fake-timers.js'
import { FakeNet, type FakeNode } from './fake-net.js'

const PROBE_MS = 1000

function start(n: FakeNode, events: MemberEvent[] = []): MembershipService {
  return membershipService({
    privateKey: n.privateKey,
    self: { id: n.id, name: n.id.slice(-6), incarnation: 1, tags: {}, addrs: [] },
    // Generous against real I/O: the fake clock runs far faster than the stream pairs deliver.
    options: { probeIntervalMs: PROBE_MS, probeTimeoutMs: 800 },
    onEvent: (ev) => events.push(ev),
  })(n.components())
}

const statusOf = (svc: MembershipService, id: string) => svc.list().find((m) => m.id === id)?.status

/** Rejects if `p` is still pending after `ms` of real time (a join that never settles). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)
  })
  return Promise.race([p, late]).finally(() => clearTimeout(timer))
}

describe('membership service on an in-memory net', () => {
  let net: FakeNet
  let a: FakeNode
  let b: FakeNode
  let sa: MembershipService
  let sb: MembershipService
  const events: MemberEvent[] = []

  beforeEach(async () => {
    net = new FakeNet()
    a = await net.node()
    b = await net.node()
    events.length = 0
    sa = start(a, events)
    sb = start(b)
    await sa.start()
    await sb.start()
    // Returns once the seed answered the push-pull: no fake time needs to pass for it.
    await within(sb.join(a.id), 5000, 'join')
  })

  afterEach(async () => {
    await sa.stop()
    await sb.stop()
  })

  it('a stream of the older membership protocol (v2) is refused at once; v3 is served', async () => {
    assert.ok(a.handlers.has(SWIM_PROTOCOL))
    const old = await b.components().connections.dialProtocol(a.peerId, OLD_SWIM_PROTOCOLS[0])
    await advanceUntil(net.clock, () => old.status !== 'open', {
      maxMs: 5000,
      what: 'the v2 stream to be aborted',
    })
    await sa.stop()
    assert.equal(a.handlers.size, 0, 'both unhandled at stop')
    sa = start(a, events)
    await sa.start()
  })

  it('after a leave, address changes as the listeners close claim nothing and log nothing', async () => {
    const lines: string[] = []
    const c = new FakeNet()
    const n = await c.node()
    const svc = membershipService({
      privateKey: n.privateKey,
      self: { id: n.id, name: 'alone', incarnation: 1, tags: {}, addrs: [] },
    })({ ...n.components(), logger: createLogger('t', { level: 'debug', write: (l) => lines.push(l) }) })
    await svc.start()
    await svc.leave(10)
    n.events.safeDispatchEvent('self:peer:update', { detail: {} as never })
    assert.deepEqual(
      lines.filter((l) => l.includes('"level":"warn"')),
      [],
    )
    await svc.stop()
  })

  it('a join reaches the seed, and both hold each other alive with frames both ways', async () => {
    assert.equal(statusOf(sb, a.id), 'alive', 'the joiner knows the seed')
    await advanceUntil(net.clock, () => statusOf(sa, b.id) === 'alive', {
      maxMs: 5000,
      what: 'seed learns joiner',
    })
    assert.ok(sa.swim.activeView().includes(b.id))
    assert.ok(sb.swim.activeView().includes(a.id))
    // Probe rounds on the fake clock: each side probes the other and hears the acks.
    const before = [sa.stats().packetsReceived, sb.stats().packetsReceived]
    await advanceUntil(
      net.clock,
      () => sa.stats().packetsReceived >= before[0]! + 5 && sb.stats().packetsReceived >= before[1]! + 5,
      { stepMs: 50, maxMs: 20 * PROBE_MS, what: 'probes answered both ways' },
    )
    assert.equal(statusOf(sa, b.id), 'alive')
    assert.equal(statusOf(sb, a.id), 'alive')
    assert.ok(!events.some((e) => e.type === 'suspect' || e.type === 'dead'), 'no false suspicion')
  })

  it('a member that goes silent is declared dead, and hung up on', async () => {
    await advanceUntil(net.clock, () => statusOf(sa, b.id) === 'alive', {
      maxMs: 5000,
      what: 'seed learns joiner',
    })
    // b crashes (no leave): a's probes go unanswered, and its redials fail.
    await sb.stop()
    b.unreachable = true
    await advanceUntil(net.clock, () => statusOf(sa, b.id) === 'dead', {
      maxMs: 120_000,
      what: 'b declared dead',
    })
    assert.ok(
      events.some((e) => e.type === 'suspect' && e.member.id === b.id),
      'suspect first',
    )
    await advanceUntil(net.clock, () => a.connectionsTo(b.id).length === 0, { maxMs: 1000, what: 'hang-up' })
  })

  it('prunes a silent connection outside the view after the idle time, and keeps view and relay links', async () => {
    await advanceUntil(net.clock, () => sa.swim.activeView().includes(b.id), {
      maxMs: 5000,
      what: 'b in view',
    })
    const stranger = await net.node()
    const relay = await net.node()
    a.relayPeers = [relay.id]
    net.connect(stranger, a)
    net.connect(relay, a)
    const idle = surplusIdleMs(2, PROBE_MS)
    // Upkeep runs every 2 s: short of the idle time less one upkeep round, nothing is closed.
    await advanceBy(net.clock, idle - 2000)
    assert.equal(a.connectionsTo(stranger.id).length, 1, 'not idle long enough yet')
    await advanceUntil(net.clock, () => a.connectionsTo(stranger.id).length === 0, {
      stepMs: 500,
      maxMs: 5000,
      what: 'stranger hung up',
    })
    assert.equal(a.connectionsTo(b.id).length, 1, 'the view member stays')
    assert.equal(a.connectionsTo(relay.id).length, 1, 'the relay link stays')
  })
})
