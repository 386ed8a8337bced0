// SWIM + Lifeguard under a fake clock and an in-memory network: probe, ping-req, suspicion with
// confirmations, refutation, leave, partitions, and the bounds on what peers can make us hold.
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import fc from 'fast-check'
import { ed25519Signer, ed25519Verifier, fakeSigner, signUpdate } from '../../../src/membership/claims.js'
import { estimateRtt } from '../../../src/membership/coords.js'
import { MAX_INCARNATION, MAX_SYNC_COORDS } from '../../../src/membership/limits.js'
import type { Accusation, AliveClaim, Packet, Update } from '../../../src/membership/messages.js'
import { activeViewSize } from '../../../src/membership/overlay.js'
import { Suspicion, suspicionBounds } from '../../../src/membership/suspicion.js'
import { Swim } from '../../../src/membership/swim.js'
import { encodeClaimBody, encodedPacketSize } from '../../../src/membership/wire.js'
import { FakeClock } from '../../../src/util/clock.js'
import { peerIds, SwimNet } from './swim-net.js'

/** n nodes, each joined through the previous one, run until all see all alive. */
async function mesh(n: number, seed = 1): Promise<{ net: SwimNet; ids: string[] }> {
  const net = new SwimNet(seed)
  const ids = await peerIds(n)
  for (const id of ids) net.add(id)
  for (let i = 1; i < n; i++) net.node(ids[i]!).join(ids[i - 1]!)
  const took = net.until(() => net.allSee(ids, 'alive'), 60_000)
  assert.ok(took >= 0, 'mesh did not converge')
  return { net, ids }
}

const accuse = (type: 'suspect' | 'dead', id: string, incarnation: number, from: string): Accusation =>
  signUpdate<Accusation>(fakeSigner(from), { type, id, incarnation, from })

describe('swim: joining and failure detection', () => {
  it('members joined one through another all see each other alive within seconds', async () => {
    const { net } = await mesh(8)
    assert.ok(net.clock.now() - 1_700_000_000_000 < 10_000, 'took over 10 virtual seconds')
    assert.equal(net.eventsOf('dead').length, 0)
  })

  it('a crashed member is suspected, then declared dead by everyone, never before the suspicion minimum', async () => {
    const { net, ids } = await mesh(5)
    const victim = ids[2]!
    const t0 = net.clock.now()
    net.down.add(victim)
    const others = ids.filter((i) => i !== victim)
    const took = net.until(() => net.allSee([victim], 'dead', others), 60_000)
    assert.ok(took > 0, 'victim not dead everywhere')
    const suspects = net.eventsOf('suspect', victim)
    const deaths = net.eventsOf('dead', victim)
    assert.ok(suspects.length > 0)
    const firstSuspect = Math.min(...suspects.map((e) => e.at))
    const firstDead = Math.min(...deaths.map((e) => e.at))
    const { minMs } = suspicionBounds(5, 1000, 4, 6)
    assert.ok(firstDead - firstSuspect >= minMs - 1, `dead ${firstDead - firstSuspect} ms after suspect`)
    assert.ok(firstDead - t0 < 30_000)
  })

  it('ping-req: a member its prober cannot reach directly stays alive through helpers', async () => {
    const { net, ids } = await mesh(5)
    const [a, b] = [ids[0]!, ids[1]!]
    net.cut = (x, y) => (x === a && y === b) || (x === b && y === a)
    net.run(30_000)
    assert.equal(net.eventsOf('suspect').length, 0, 'no one suspected')
    assert.ok(net.node(a).sent['ping-req'] + net.node(b).sent['ping-req'] > 0, 'indirect probes were used')
  })

  it('a suspected member refutes with a higher incarnation; everyone sees it alive again', async () => {
    const { net, ids } = await mesh(4)
    const [a, b] = [ids[0]!, ids[1]!]
    const before = net.node(a).self().incarnation
    net.node(a).receive(b, { type: 'gossip', updates: [accuse('suspect', a, before, b)] })
    assert.equal(net.node(a).self().incarnation, before + 1)
    assert.equal(net.eventsOf('refute', a).length, 1)
    assert.ok(net.node(a).healthScore() > 0, 'refuting counts against local health')
    net.run(5_000)
    assert.ok(net.allSee([a], 'alive'))
    assert.ok(ids.every((n) => n === a || net.node(n).get(a)!.incarnation === before + 1))
  })

  it('suspicion gets shorter with each independent confirmation (Lifeguard)', () => {
    const bounds = suspicionBounds(100, 1000, 4, 6)
    assert.deepEqual(bounds, { minMs: 8000, maxMs: 48_000, expected: 2 })
    const s = new Suspicion(0, 1, 'a', bounds)
    assert.equal(s.deadline, 48_000)
    assert.ok(s.confirm('b'))
    assert.ok(s.deadline < 48_000 && s.deadline > 8000)
    assert.equal(s.confirm('b'), false, 'the same accuser counts once')
    assert.ok(s.confirm('c'))
    assert.equal(s.deadline, 8000)
    assert.equal(
      new Suspicion(0, 1, 'a', suspicionBounds(3, 1000, 4, 6)).deadline,
      4000,
      'tiny mesh: no confirmations expected',
    )
  })

  it('force-leave: a member held dead shows as left, or is pruned and not brought back by push-pull', async () => {
    const { net, ids } = await mesh(5)
    const [a, b, gone] = [ids[0]!, ids[1]!, ids[4]!]
    assert.equal(net.node(a).forceLeave(gone, false), 'not-dead', 'only a member held dead')
    net.down.add(gone)
    const others = ids.filter((i) => i !== gone)
    assert.ok(net.until(() => net.allSee([gone], 'dead', others), 60_000) >= 0)
    assert.equal(net.node(a).forceLeave(gone, false), 'left')
    assert.equal(net.node(a).get(gone)!.status, 'left')
    assert.equal(net.node(a).counts().left, 1)
    assert.equal(net.node(a).counts().dead, 0)
    assert.deepEqual(
      net
        .node(a)
        .list({ status: 'left' })
        .map((m) => m.id),
      [gone],
    )
    assert.equal(
      net.eventsOf('leave', gone).filter((e) => e.at_node === a).length,
      1,
      'member-leave for handlers',
    )
    assert.equal(net.node(b).get(gone)!.status, 'dead', 'the others decide for themselves')
    assert.deepEqual(
      net.node(a).digest(),
      net.node(b).digest(),
      'digests stay equal: the table still holds it dead',
    )

    assert.equal(net.node(b).forceLeave(gone, true), 'pruned')
    assert.equal(net.node(b).get(gone), undefined)
    net.run(120_000) // four push-pull rounds with members that still hold it dead
    assert.equal(net.node(b).get(gone), undefined, 'not brought back')
    assert.ok(net.drops.some((d) => d.node === b && d.reason === 'pruned'))

    // It comes back after all: its new life outranks the one it was pruned in.
    net.down.delete(gone)
    assert.ok(net.until(() => net.node(b).get(gone)?.status === 'alive', 60_000) >= 0)
    assert.ok(net.until(() => net.node(a).get(gone)?.status === 'alive', 60_000) >= 0)
  })

  it('a graceful leave shows as left everywhere, never dead', async () => {
    const { net, ids } = await mesh(5)
    const leaver = ids[3]!
    net.node(leaver).leave()
    net.run(500)
    net.down.add(leaver)
    const others = ids.filter((i) => i !== leaver)
    assert.ok(net.until(() => net.allSee([leaver], 'left', others), 10_000) >= 0)
    net.run(30_000)
    assert.equal(net.eventsOf('dead', leaver).length, 0)
    assert.ok(net.allSee([leaver], 'left', others))
  })

  it('after a partition both sides declare the other dead, and all are alive again once it heals', async () => {
    const { net, ids } = await mesh(5)
    const left = new Set(ids.slice(0, 3))
    net.cut = (x, y) => left.has(x) !== left.has(y)
    net.run(60_000)
    assert.ok(net.node(ids[0]!).get(ids[4]!)!.status === 'dead')
    assert.ok(net.node(ids[4]!).get(ids[0]!)!.status === 'dead')
    net.cut = () => false
    const healed = net.until(() => net.allSee(ids, 'alive'), 120_000)
    assert.ok(healed >= 0, 'did not heal')
  })

  it('a member slowed 10x raises its own health score and nobody is declared dead', async () => {
    const { net, ids } = await mesh(6)
    net.slow.set(ids[0]!, 1500)
    let peak = 0
    for (let t = 0; t < 120; t++) {
      net.run(1000)
      peak = Math.max(peak, net.node(ids[0]!).healthScore())
    }
    assert.equal(net.eventsOf('dead').length, 0)
    assert.ok(peak > 0, 'the slow member noticed it is the slow one')
    assert.equal(net.node(ids[1]!).healthScore(), 0, 'healthy members stay at 0')
  })
})

describe('swim: only changes travel, over a bounded view', () => {
  it('an idle mesh sends no gossip: only probes, acks and rare push-pulls', async () => {
    const { net, ids } = await mesh(10)
    net.run(10_000)
    const gossip0 = ids.reduce((n, id) => n + net.node(id).sent.gossip, 0)
    const p0 = net.packets
    net.run(60_000)
    const gossip = ids.reduce((n, id) => n + net.node(id).sent.gossip, 0) - gossip0
    assert.equal(gossip, 0)
    const perNodePerSec = (net.packets - p0) / ids.length / 60
    assert.ok(perNodePerSec < 2.5, `${perNodePerSec} packets per node per second`)
    assert.ok(ids.every((id) => net.node(id).pendingBroadcasts() === 0))
  })

  it('the active view stays at about log2 N + 2 members', async () => {
    const { net, ids } = await mesh(40)
    for (const id of ids) {
      const v = net.node(id).activeView()
      assert.ok(v.length <= activeViewSize(40) && v.length >= 3, `view of ${v.length}`)
      assert.ok(!v.includes(id))
    }
    assert.equal(activeViewSize(10_000), 16)
  })

  it('every member gossips a change to each member of its view, so none learns it only by push-pull', async () => {
    const { net, ids } = await mesh(30, 3)
    net.run(10_000)
    const origin = ids[7]!
    net.tap = []
    const views = new Map(ids.map((id) => [id, net.node(id).activeView()]))
    net.node(origin).setTags({ role: 'db' })
    net.run(5_000)
    // A view reshuffled meanwhile (every few minutes) gossips to its members of the moment.
    const steady = ids.filter((id) => net.node(id).activeView().join() === views.get(id)!.join())
    assert.ok(steady.length >= 25, `${steady.length} views unchanged`)
    for (const id of steady) {
      assert.equal(net.node(id).get(origin)?.tags.role, 'db', `${id.slice(-6)} has the change`)
      const gossipedTo = new Set(
        net.tap
          .filter((t) => t.from === id && t.packet.type === 'gossip')
          .filter(
            (t) =>
              t.packet.type === 'gossip' &&
              t.packet.updates.some((u) => u.id === origin && u.type === 'alive'),
          )
          .map((t) => t.to),
      )
      for (const peer of net.node(id).activeView())
        assert.ok(gossipedTo.has(peer), `${id.slice(-6)} -> ${peer.slice(-6)}`)
    }
  })

  it('a member it must avoid (a refused peer) is never in its view, and nobody suspects it for that', async () => {
    const net = new SwimNet(5)
    const ids = await peerIds(6)
    const [picky, shunned] = [ids[0]!, ids[4]!]
    let avoiding = true
    for (const id of ids) net.add(id, id === picky ? { avoid: (x) => avoiding && x === shunned } : {})
    net.cut = (a, b) => avoiding && ((a === picky && b === shunned) || (a === shunned && b === picky))
    for (let i = 1; i < ids.length; i++) net.node(ids[i]!).join(ids[i - 1]!)
    assert.ok(net.until(() => net.allSee(ids, 'alive'), 60_000) >= 0, 'all alive, the shunned one too')
    net.run(30_000)
    assert.ok(!net.node(picky).activeView().includes(shunned))
    assert.equal(net.eventsOf('suspect', shunned).length, 0, 'never suspected')
    avoiding = false
    net.node(picky).viewChanged()
    assert.ok(
      net.node(picky).activeView().includes(shunned),
      'back in the view once allowed (N = 6: the view is everyone)',
    )
  })

  it('a member behind a NAT keeps two members that can be dialled directly in its view', async () => {
    const { net, ids } = await mesh(60)
    const relay = (id: string) => `/ip4/10.0.0.1/tcp/7946/p2p/${ids[0]}/p2p-circuit/p2p/${id}`
    // Most members are behind NATs (relayed addresses only); five can be dialled directly.
    const direct = new Set(ids.slice(0, 5))
    for (const [k, id] of ids.entries()) {
      net.node(id).setAddrs(direct.has(id) ? [`/ip4/10.0.1.${k}/tcp/7946`] : [relay(id)])
    }
    net.run(10_000)
    for (const id of ids.filter((x) => !direct.has(x))) {
      const view = net.node(id).activeView()
      const anchors = view.filter((x) => direct.has(x)).length
      assert.ok(anchors >= 2, `${id.slice(-6)} holds ${anchors} directly dialable members in its view`)
      assert.ok(view.length <= activeViewSize(60) + 2, `a view of ${view.length}`)
    }
    // A member that can be dialled directly adds none: its view is the plain draw.
    for (const id of direct) assert.ok(net.node(id).activeView().length <= activeViewSize(60))
  })

  it('push-pull between members in sync costs two small packets; a stale member gets only what differs', async () => {
    const { net, ids } = await mesh(40)
    net.run(60_000)
    assert.equal(new Set(ids.map((id) => net.node(id).digest().root)).size, 1, 'tables agree')
    const [a, b] = [ids[0]!, ids[1]!]
    net.tap = []
    net.node(a).join(b)
    net.run(100)
    const pair = (t: { from: string; to: string }): boolean =>
      (t.from === a && t.to === b) || (t.from === b && t.to === a)
    const sync = net.tap.filter((t) => pair(t) && t.packet.type.startsWith('sync'))
    assert.deepEqual(
      sync.map((t) => t.packet.type),
      ['sync-digest', 'sync-buckets'],
    )
    // Apart from the digest's coordinates (a bounded list: MAX_SYNC_COORDS at most).
    const bare = sync.map((t) => {
      if (t.packet.type !== 'sync-digest') return t.packet
      const { coords, ...rest } = t.packet
      assert.ok(coords !== undefined && coords.length <= MAX_SYNC_COORDS)
      return rest
    })
    assert.ok(bare.reduce((n, p) => n + encodedPacketSize(p), 0) < 40)
    // A member that slept through one tag change gets that bucket (and its own) in push-pull, not the table.
    const [late] = (await peerIds(41)).slice(40)
    const sleeper = net.add(late!)
    sleeper.seed(ids.map((id) => net.node(id).selfClaim()))
    net.down.add(late!)
    net.node(ids[5]!).setTags({ role: 'db' })
    net.run(10_000)
    net.down.delete(late!)
    net.tap = []
    sleeper.join(a)
    net.run(200)
    const withA = (t: { from: string; to: string }): boolean =>
      (t.from === a && t.to === late) || (t.from === late && t.to === a)
    const entries = net.tap.filter((t) => withA(t) && t.packet.type === 'sync-entries')
    const sent = entries.flatMap((t) => (t.packet.type === 'sync-entries' ? t.packet.entries : []))
    // A full exchange would be 2 x 41 entries; two differing buckets of eight are about a quarter of that.
    assert.ok(sent.length > 0 && sent.length < 41, `${sent.length} entries of 41 exchanged for one change`)
    assert.equal(sleeper.get(ids[5]!)?.tags.role, 'db')
    assert.equal(net.node(a).get(late!)?.status, 'alive')
  })
})

describe('swim: hostile and malformed input changes nothing', () => {
  it('drops accusations about lives the member never claimed, from non-members, or about strangers', async () => {
    const { net, ids } = await mesh(3)
    const [a, b, c] = [ids[0]!, ids[1]!, ids[2]!]
    const [outsider] = (await peerIds(4)).slice(3)
    const node = net.node(a)
    const inc = node.get(c)!.incarnation
    node.receive(b, { type: 'gossip', updates: [accuse('dead', c, inc + 1, b)] })
    node.receive(b, { type: 'gossip', updates: [accuse('dead', c, inc, outsider!)] })
    node.receive(b, { type: 'gossip', updates: [accuse('dead', outsider!, 5, b)] })
    node.receive(b, { type: 'gossip', updates: [accuse('dead', a, MAX_INCARNATION - 1, b)] })
    assert.equal(node.get(c)!.status, 'alive')
    assert.equal(node.get(outsider!), undefined, 'nothing stored about a stranger')
    assert.equal(node.self().incarnation, 1, 'no refutation of an unclaimed life')
    const reasons = net.drops.filter((d) => d.node === a).map((d) => d.reason)
    assert.deepEqual(reasons.slice(-4), [
      'unclaimed-life',
      'unknown-accuser',
      'unknown-member',
      'unclaimed-life',
    ])
  })

  it('a member that signs `dead` about a healthy one after every refutation never makes it dead, and is muted', async () => {
    const { net, ids } = await mesh(5)
    const [victim, attacker] = [ids[2]!, ids[4]!]
    const honest = ids.filter((i) => i !== attacker)
    const t0 = net.clock.now()
    // 21 accusations in 25 s, each at the victim's newest incarnation, to every honest member.
    for (let round = 0; round < 21; round++) {
      const inc = net.node(victim).self().incarnation
      for (const to of honest.filter((i) => i !== victim)) {
        net.node(to).receive(attacker, { type: 'gossip', updates: [accuse('dead', victim, inc, attacker)] })
      }
      net.run(1200)
    }
    const onHonest = (type: string) => net.eventsOf(type, victim).filter((e) => honest.includes(e.at_node))
    assert.equal(onHonest('dead').length, 0, 'no honest member ever held the victim dead')
    assert.ok(net.allSee([victim], 'alive', honest))
    const observers = honest.filter((i) => i !== victim)
    for (const o of observers) {
      assert.ok(net.node(o).mutedAccusers() >= 1, `${o.slice(-4)} muted the accuser`)
      const suspects = onHonest('suspect').filter((e) => e.at_node === o).length
      assert.ok(suspects <= 3, `${o.slice(-4)} suspected the victim ${suspects} times, not at most 3`)
    }
    const muted = net.drops.filter(
      (d) => d.reason === 'muted-accuser' && d.from === attacker && d.node !== victim,
    )
    assert.ok(muted.length >= observers.length * 15, `${muted.length} accusations dropped as muted`)
    assert.ok(net.clock.now() - t0 >= 25_000)
  })

  it('a `dead` verdict about a member that is really gone is a suspicion here, then dead by our own timeout', async () => {
    const { net, ids } = await mesh(4)
    const [a, b, gone] = [ids[0]!, ids[1]!, ids[3]!]
    net.down.add(gone)
    const inc = net.node(a).get(gone)!.incarnation
    net.node(a).receive(b, { type: 'gossip', updates: [accuse('dead', gone, inc, b)] })
    assert.equal(net.node(a).get(gone)!.status, 'suspect', "one member's word is not a death")
    const { maxMs } = suspicionBounds(4, 1000, 4, 6)
    assert.ok(net.until(() => net.node(a).get(gone)!.status === 'dead', maxMs + 1000) >= 0)
    assert.equal(net.node(a).mutedAccusers(), 0, 'a right accusation costs its accuser nothing')
  })

  it('two independent voices end a suspicion at once: two verdicts, or one and our own failed probe', async () => {
    const { net, ids } = await mesh(6)
    const [a, b, c, x, y] = [ids[0]!, ids[1]!, ids[2]!, ids[4]!, ids[5]!]
    const incX = net.node(a).get(x)!.incarnation
    net.node(a).receive(b, { type: 'gossip', updates: [accuse('dead', x, incX, b)] })
    net.node(a).receive(b, { type: 'gossip', updates: [accuse('dead', x, incX, b)] })
    assert.equal(net.node(a).get(x)!.status, 'suspect', 'the same member twice is one voice')
    net.node(a).receive(c, { type: 'gossip', updates: [accuse('dead', x, incX, c)] })
    assert.equal(net.node(a).get(x)!.status, 'dead', 'a second member agrees: dead at once')

    net.down.add(y)
    const incY = net.node(a).get(y)!.incarnation
    net.node(a).receive(b, { type: 'gossip', updates: [accuse('dead', y, incY, b)] })
    assert.equal(net.node(a).get(y)!.status, 'suspect')
    const { minMs } = suspicionBounds(6, 1000, 4, 6)
    const took = net.until(() => net.node(a).get(y)!.status === 'dead', minMs + 1000)
    assert.ok(took >= 0 && took < minMs, `our own failed probe decides before the timeout (${took} ms)`)
  })

  it('refutation at the incarnation bound is refused, not wrapped', async () => {
    const [a, b] = await peerIds(2)
    const s = new Swim({
      self: { id: a!, name: 'a', incarnation: MAX_INCARNATION - 1 },
      signer: fakeSigner(a!),
      verifier: { verify: () => true },
      send: () => {},
    })
    s.seed([
      signUpdate<AliveClaim>(fakeSigner(b!), {
        type: 'alive',
        id: b!,
        incarnation: 1,
        name: 'b',
        tags: {},
        addrs: [],
      }),
    ])
    s.receive(b!, { type: 'gossip', updates: [accuse('suspect', a!, MAX_INCARNATION - 1, b!)] })
    assert.equal(s.self().incarnation, MAX_INCARNATION - 1)
    assert.throws(() => s.setTags({ x: '1' }), { code: 'INVALID_INPUT' })
  })

  it('with real keys, a claim or accusation signed by anyone but its speaker is dropped', async () => {
    const keys = await Promise.all([0, 1, 2].map(() => generateKeyPair('Ed25519')))
    const signers = keys.map((k) => ed25519Signer(k))
    const [a, b, m] = signers.map((s) => s.id) as [string, string, string]
    const sent: Packet[] = []
    const s = new Swim({
      self: { id: a, name: 'a', incarnation: 1 },
      signer: signers[0]!,
      verifier: ed25519Verifier(),
      send: (_to, p) => sent.push(p),
    })
    const bClaim = signUpdate<AliveClaim>(signers[1]!, {
      type: 'alive',
      id: b,
      incarnation: 1,
      name: 'b',
      tags: {},
      addrs: [],
    })
    s.receive(b, { type: 'gossip', updates: [bClaim] })
    assert.equal(s.get(b)?.status, 'alive')
    // m signs words it puts in b's and a's mouths.
    const forge = <T extends Update>(u: Omit<T, 'sig'>): T =>
      ({ ...u, sig: signers[2]!.sign(encodeClaimBody(u as Parameters<typeof encodeClaimBody>[0])) }) as T
    const forgedAlive = forge<AliveClaim>({
      type: 'alive',
      id: b,
      incarnation: 9,
      name: 'evil',
      tags: {},
      addrs: [],
    })
    const forgedDead = forge<Accusation>({ type: 'dead', id: b, incarnation: 1, from: a })
    s.receive(m, { type: 'gossip', updates: [forgedAlive, forgedDead] })
    assert.equal(s.get(b)?.name, 'b')
    assert.equal(s.get(b)?.status, 'alive')
    assert.equal(s.get(m), undefined)
  })

  it('property: random loss, duplicates and delays still converge once the network is good', async () => {
    const all = await peerIds(6)
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.double({ min: 0, max: 0.4, noNaN: true }),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        async (seed, loss, dup) => {
          const net = new SwimNet(seed)
          for (const id of all) net.add(id)
          net.loss = loss
          net.duplicate = dup
          net.latencyMs = [1, 80]
          for (let i = 1; i < all.length; i++) net.node(all[i]!).join(all[Math.floor(net.random() * i)]!)
          net.run(20_000)
          net.loss = 0
          net.duplicate = 0
          // Members falsely declared dead under loss heal through reconnect push-pulls.
          const took = net.until(
            () => net.allSee(all, 'alive') && new Set(all.map((id) => net.node(id).digest().root)).size === 1,
            180_000,
            500,
          )
          return took >= 0
        },
      ),
      { numRuns: 12 },
    )
  })

  it('options must be positive numbers', async () => {
    const [a] = await peerIds(1)
    assert.throws(
      () =>
        new Swim({
          self: { id: a!, name: 'a', incarnation: 1 },
          signer: fakeSigner(a!),
          verifier: { verify: () => true },
          send: () => {},
          options: { probeIntervalMs: 0 },
        }),
      { code: 'INVALID_INPUT' },
    )
    void FakeClock
  })
})

describe('swim: network coordinates on acks', () => {
  it('each member learns its neighbours’ coordinates from its probes, and the estimates match the round trips', async () => {
    const { net, ids } = await mesh(4)
    net.latencyMs = [10, 12]
    net.tap = []
    net.run(120_000)
    const rtt = 22 / 1000
    for (const a of ids) {
      const me = net.node(a)
      assert.deepEqual(me.coordinateOf(a), me.coordinate(), 'self: its own coordinate')
      for (const b of ids.filter((x) => x !== a)) {
        const theirs = me.coordinateOf(b)
        assert.ok(theirs, 'a coordinate from each neighbour probed')
        const est = estimateRtt(me.coordinate(), theirs)
        assert.ok(Math.abs(est - rtt) / rtt < 0.25, `estimate ${(est * 1000).toFixed(1)} ms for ~22 ms`)
      }
    }
    const acks = net.tap.filter((t) => t.packet.type === 'ack')
    assert.ok(acks.length > 0 && acks.every((t) => (t.packet as { coord?: unknown }).coord !== undefined))
    assert.ok(
      net.tap.every((t) => t.packet.type === 'ack' || !('coord' in t.packet)),
      'only acks carry one',
    )
  })

  it('a relayed ack carries no coordinate, and a member forgotten takes its coordinate with it', async () => {
    const { net, ids } = await mesh(5)
    const [a, b, gone] = [ids[0]!, ids[1]!, ids[4]!]
    net.run(30_000)
    assert.ok(net.node(b).coordinateOf(gone), 'b probed it')
    // a cannot reach `gone` directly: its probes go through helpers, whose relayed acks carry none.
    net.cut = (from, to) => (from === a && to === gone) || (from === gone && to === a)
    net.tap = []
    net.run(30_000)
    const relayed = net.tap.filter((t) => t.packet.type === 'ack' && t.to === a && t.from !== gone)
    assert.ok(
      relayed.some((t) => !('coord' in t.packet)),
      'helpers relay acks without a coordinate',
    )
    net.cut = () => false
    net.down.add(gone)
    assert.ok(net.until(() => net.allSee([gone], 'dead', ids.slice(0, 4)), 60_000) >= 0)
    assert.ok(net.node(b).coordinateOf(gone), 'kept while the member is held dead')
    assert.equal(net.node(b).forceLeave(gone, true), 'pruned')
    assert.equal(net.node(b).coordinateOf(gone), undefined)
  })
})

describe('swim: network coordinates beyond the view, on push-pull digests', () => {
  it('with N = 30 (views smaller than N), a few push-pulls give every member a coordinate for (nearly) every other', async () => {
    const { net, ids } = await mesh(30, 2)
    net.latencyMs = [10, 12]
    net.tap = []
    net.run(240_000)
    assert.ok(
      ids.every((id) => net.node(id).activeView().length < ids.length - 1),
      'nobody probes everyone',
    )
    const errors: number[] = []
    let secondHand = 0
    for (const a of ids) {
      const me = net.node(a)
      let held = 0
      for (const b of ids.filter((x) => x !== a)) {
        const theirs = me.coordinateOf(b)
        if (theirs === undefined) continue
        held++
        if (!me.coordinateFirstHand(b)) secondHand++
        errors.push(Math.abs(estimateRtt(me.coordinate(), theirs) - 0.022) / 0.022)
      }
      assert.ok(held >= ids.length - 3, `${a.slice(-6)} holds ${held} of ${ids.length - 1}`)
    }
    assert.ok(errors.length >= 0.99 * ids.length * (ids.length - 1), `${errors.length} pairs held`)
    assert.ok(secondHand > errors.length / 2, 'most came second-hand')
    errors.sort((x, y) => x - y)
    const median = errors[Math.floor(errors.length / 2)]!
    assert.ok(median < 0.25, `median error ${(median * 100).toFixed(0)}% of ~22 ms`)
    const digests = net.tap.filter((t) => t.packet.type === 'sync-digest')
    assert.ok(digests.length > 0)
    for (const t of digests) {
      const p = t.packet as { coords?: { id: string }[] }
      assert.ok(p.coords !== undefined && p.coords.length <= MAX_SYNC_COORDS)
      assert.equal(p.coords[0]!.id, t.from, 'the sender’s own coordinate first')
    }
  })

  it('a digest never replaces a first-hand coordinate, never moves ours, and names no stranger into the book', async () => {
    const { net, ids } = await mesh(5)
    net.run(30_000)
    const [a, b, c] = [ids[0]!, ids[1]!, ids[2]!]
    const [stranger] = (await peerIds(6)).slice(5)
    const node = net.node(a)
    const probed = ids.find((x) => x !== a && node.coordinateFirstHand(x))!
    assert.ok(probed, 'a probed someone')
    const before = node.coordinateOf(probed)
    const mine = node.coordinate()
    const bogus = { vec: [9, 9, 9, 9, 9, 9, 9, 9], height: 9, error: 0, adjustment: 0 }
    node.receive(b === probed ? c : b, {
      type: 'sync-digest',
      seq: 77,
      count: 5,
      root: 1,
      coords: [
        { id: probed, age: 0, coord: bogus },
        { id: a, age: 0, coord: bogus },
        { id: stranger!, age: 0, coord: bogus },
      ],
    })
    assert.deepEqual(node.coordinateOf(probed), before, 'first-hand wins')
    assert.ok(node.coordinateFirstHand(probed))
    assert.deepEqual(node.coordinate(), mine, 'our own coordinate does not move')
    assert.equal(node.coordinateOf(stranger!), undefined, 'nothing kept for a stranger')
  })
})
