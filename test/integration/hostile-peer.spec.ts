// A peer that is not murmur: an in-process libp2p node gossips forged and malformed state.
// The agent must keep serving, apply what is genuine, and drop the rest.
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { AdminClient } from '../../src/admin/client.js'
import { type CrdtRecord, encodeDeltaFrames, MAX_SEQ, Replica } from '../../src/crdt/index.js'
import { encodeEvent } from '../../src/events/user-events.js'
import { STATE_TOPIC } from '../../src/gossip/delta-topic.js'
import { EVENTS_TOPIC } from '../../src/gossip/event-topic.js'
import { ed25519WriteSigner } from '../../src/gossip/write-signatures.js'
import type { MurmurNode } from '../../src/transport/node.js'
import { type Clock, FakeClock, systemClock } from '../../src/util/clock.js'
import {
  disposeAgents,
  freePort,
  type Info,
  loopbackAddr,
  rssMiB,
  TestAgent,
  testSwarmKeyFile,
} from '../helpers/agents.js'
import { attachToState, hostileSyncSession, startForeignNode } from '../helpers/foreign-node.js'
import { pastBoundCounterFrame, rawDeltaFrame } from '../helpers/raw-frames.js'
import { waitFor } from '../helpers/wait.js'

/** A member gone bad (it holds the mesh's key), and a replica that signs writes with its own key. */
async function memberGoneBad(clock: Clock = systemClock): Promise<{ node: MurmurNode; writer: Replica }> {
  const key = await generateKeyPair('Ed25519')
  const node = await startForeignNode(key, testSwarmKeyFile())
  return { node, writer: new Replica(node.peerId.toString(), clock, { signer: ed25519WriteSigner(key) }) }
}

describe('a hostile peer on the state topic', function () {
  this.timeout(60_000)
  let agents: TestAgent[] = []
  let node: MurmurNode | undefined

  afterEach(async function () {
    await node?.stop()
    await disposeAgents(agents.splice(0), this.currentTest?.state === 'failed')
  })

  it('drops forged and malformed deltas and applies genuine ones', async () => {
    const agent = new TestAgent({ name: 'target' }).start()
    agents = [agent]
    const info = await agent.ready()
    // A member gone bad: it holds the mesh's key.
    const bad = await memberGoneBad()
    node = bad.node
    await attachToState(node, multiaddr(loopbackAddr(info)))

    const publish = (bytes: Uint8Array) => node!.services.pubsub.publish(STATE_TOPIC, bytes)
    // Forged: a write claiming to come from the agent itself, signed by us.
    const forger = new Replica(info.peerId, systemClock)
    for (const f of encodeDeltaFrames(forger.kvSet('forged', 'x').deltas)) await publish(f)
    // Malformed: garbage, a wrong version byte, an old JSON frame, a delta without its record.
    await publish(new Uint8Array([1, 123, 0xff]))
    await publish(new Uint8Array([9, 0x7b, 0x7d]))
    await publish(new TextEncoder().encode('\u0003{"type":"delta","deltas":[{"id":7}]}'))
    await publish(rawDeltaFrame([{}]))
    // Genuine: our own write.
    for (const f of encodeDeltaFrames(bad.writer.kvSet('genuine', 'ok').deltas)) await publish(f)

    await waitFor(async () => (await agent.cli(['kv', 'get', 'genuine'])).stdout === 'ok\n', {
      what: 'genuine write',
    })
    assert.equal((await agent.cli(['kv', 'get', 'forged'])).code, 1)
    assert.equal((await agent.info()).state?.keys, 1)
    assert.match(agent.logs, /dropped malformed message/)
    assert.ok(agent.running)
  })
  it('a member with a clock years ahead, numbers past the bounds and a vv of fake origins bricks nothing', async () => {
    const agent = new TestAgent({ name: 'target' }).start()
    agents = [agent]
    const info = await agent.ready()
    const addr = multiaddr(loopbackAddr(info))
    // Its writes are stamped ten years ahead, and properly signed.
    const bad = await memberGoneBad(new FakeClock(Date.now() + 10 * 365 * 86_400_000))
    node = bad.node
    await attachToState(node, addr)
    const me = node.peerId.toString()

    // A write stamped ten years ahead, so it would beat every honest write to the key for good.
    const ahead = bad.writer
    for (const f of encodeDeltaFrames(ahead.kvSet('leader', 'attacker').deltas))
      await node.services.pubsub.publish(STATE_TOPIC, f)
    // A counter total and a seq past their bounds (once they bricked the victim's store).
    await node.services.pubsub.publish(STATE_TOPIC, pastBoundCounterFrame(me, MAX_SEQ + 5))

    // One anti-entropy session whose vv claims 5,000 origins nobody has heard of.
    const fake: Record<string, number> = {}
    for (let i = 0; i < 5000; i++) fake[`fake${i}`] = 1_000 + i
    const session = (vv: Record<string, number>) => hostileSyncSession(node!, addr, [], vv)
    await session(fake)
    const after = await session({})
    assert.deepEqual(
      Object.keys(after).filter((o) => o.startsWith('fake')),
      [],
      'no fake origin in its vv',
    )

    assert.equal((await agent.cli(['kv', 'get', 'leader'])).code, 1, 'the future write is held back')
    assert.equal((await agent.cli(['kv', 'set', 'leader', 'honest'])).code, 0)
    assert.equal((await agent.cli(['kv', 'get', 'leader'])).stdout, 'honest\n')
    assert.equal((await agent.cli(['counter', 'incr', 'hits'])).stdout, '1\n')
    await waitFor(() => /records held back, not merged/.test(agent.logs), { what: 'the held-back warning' })
    const held = (await agent.json<{ state: { heldBack: Record<string, number> } }>(['info'])).state.heldBack
    assert.ok(held.future! >= 1, `info shows the held-back write: ${JSON.stringify(held)}`)
    assert.match((await agent.cli(['info'])).stdout, /held back: +future=\d+/)

    agent.kill('SIGTERM')
    assert.equal(await agent.waitExit(), 0)
    agent.start()
    await agent.ready()
    assert.equal((await agent.cli(['counter', 'incr', 'hits'])).stdout, '2\n', 'restarts and writes on')
    assert.equal((await agent.cli(['kv', 'get', 'leader'])).stdout, 'honest\n')
  })
  it('a member past its gossip byte budget is cut off and refused for a while', async () => {
    const agent = new TestAgent({
      name: 'target',
      config: { limits: { gossipBytesPerSecond: 65_536 } },
    }).start()
    agents = [agent]
    const info = await agent.ready()
    const addr = multiaddr(loopbackAddr(info))
    const bad = await memberGoneBad()
    node = bad.node
    await attachToState(node, addr)
    const me = bad.writer
    // 20 genuine writes of 30 KB: 600 KB at once, past a 64 KiB/s budget with a 256 KiB burst.
    for (let i = 0; i < 20; i++) {
      for (const f of encodeDeltaFrames(me.kvSet(`big${i}`, 'x'.repeat(30_000)).deltas)) {
        await node.services.pubsub.publish(STATE_TOPIC, f).catch(() => {})
      }
    }
    await waitFor(() => /peer over its gossip byte budget: disconnected and refused/.test(agent.logs), {
      what: 'the cut-off',
    })
    await waitFor(() => node!.getConnections(peerIdFromString(info.peerId)).length === 0, {
      what: 'the hang-up',
    })
    // Refused while banned: the handshake may complete, then the agent hangs up at once.
    await node.dial(addr).catch(() => {})
    await waitFor(() => node!.getConnections(peerIdFromString(info.peerId)).length === 0, {
      what: 'the refusal',
    })
    assert.equal(
      (await agent.json<Info & { membership: { connections: number } }>(['info'])).membership.connections,
      0,
    )
    const kept = (await agent.info()).state?.keys ?? 0
    assert.ok(kept > 0 && kept < 20, `${kept} of the 20 writes were taken before the cut-off`)
    assert.ok(agent.running)
    const rss = rssMiB(agent)
    assert.ok(rss < 300, `RSS ${rss.toFixed(0)} MiB after the flood`)
    agent.kill('SIGTERM')
    assert.equal(await agent.waitExit(), 0)
    agent.start()
    assert.equal((await agent.ready()).state?.keys, kept, 'restarts cleanly with what it took')
  })

  it('a member past its record budget on gossip, or its byte budget on anti-entropy, is cut off', async () => {
    const agent = new TestAgent({
      name: 'target',
      config: { limits: { gossipRecordsPerSecond: 100, syncBytesPerSecond: 65_536 } },
    }).start()
    agents = [agent]
    const info = await agent.ready()
    const addr = multiaddr(loopbackAddr(info))
    const peerId = peerIdFromString(info.peerId)

    // Gossip: 1,000 small genuine writes in one message, past 100 records/s with a 400 burst.
    let bad = await memberGoneBad()
    node = bad.node
    await attachToState(node, addr)
    const many = Array.from({ length: 1000 }, (_, i) => bad.writer.kvSet(`r${i}`, i).deltas).flat()
    for (const f of encodeDeltaFrames(many))
      await node.services.pubsub.publish(STATE_TOPIC, f).catch(() => {})
    await waitFor(() => /peer over its gossip records budget/.test(agent.logs), {
      what: 'the record cut-off',
    })
    await waitFor(() => node!.getConnections(peerId).length === 0, { what: 'the hang-up' })
    assert.equal((await agent.info()).state?.keys ?? 0, 0)
    await node.stop()

    // Anti-entropy: 1.5 MB of genuine records in one answer, past a 1 MiB burst.
    bad = await memberGoneBad()
    node = bad.node
    const records = Array.from(
      { length: 100 },
      (_, i) => bad.writer.kvSet(`big${i}`, 'x'.repeat(15_000)).deltas,
    )
      .flat()
      .map((d) => [d.id, d.record] as [string, CrdtRecord])
    await hostileSyncSession(node, addr, records, bad.writer.versionVector(), {})
    await waitFor(() => /peer over its anti-entropy bytes budget/.test(agent.logs), {
      what: 'the sync cut-off',
    })
    await waitFor(() => node!.getConnections(peerId).length === 0, { what: 'the sync hang-up' })
    assert.ok(agent.running)
  })
})

describe('gossipsub scoring on the state topic', function () {
  this.timeout(30_000)

  it('a peer whose messages fail validation goes past the graylist threshold within seconds', async () => {
    const [victim, sender] = await Promise.all([
      startForeignNode(undefined, testSwarmKeyFile()),
      startForeignNode(undefined, testSwarmKeyFile()),
    ])
    try {
      victim.services.pubsub.subscribe(STATE_TOPIC)
      victim.services.pubsub.topicValidators.set(STATE_TOPIC, () => TopicValidatorResult.Reject)
      sender.services.pubsub.subscribe(STATE_TOPIC)
      await sender.dial(victim.getMultiaddrs()[0]!)
      await waitFor(() => sender.services.pubsub.getSubscribers(STATE_TOPIC).length > 0, {
        what: 'subscription',
      })
      for (let i = 0; i < 5; i++) await sender.services.pubsub.publish(STATE_TOPIC, Uint8Array.of(1, i))
      // getScore is on the implementation, not on the exported GossipSub interface.
      const pubsub = victim.services.pubsub as unknown as { getScore(peer: string): number }
      const score = () => pubsub.getScore(sender.peerId.toString())
      await waitFor(() => score() < -80, {
        what: `the sender's score (${score()}) below -80`,
        timeoutMs: 10_000,
      })
    } finally {
      await Promise.all([victim.stop(), sender.stop()])
    }
  })
})

describe('user events from identities that are not members', function () {
  this.timeout(60_000)
  let agents: TestAgent[] = []
  const nodes: MurmurNode[] = []

  afterEach(async function () {
    await Promise.all(nodes.splice(0).map((n) => n.stop()))
    await disposeAgents(agents.splice(0), this.currentTest?.state === 'failed')
  })

  it("are ignored: never delivered nor forwarded, while a member's events still arrive", async () => {
    const port = await freePort()
    const a = new TestAgent({
      name: 'a',
      config: { metrics: { enabled: true, listen: `127.0.0.1:${port}` } },
    })
    const b = new TestAgent({ name: 'b' })
    agents = [a.start(), b.start()]
    const [ia, ib] = await Promise.all(agents.map((x) => x.ready()))
    assert.equal((await b.cli(['join', loopbackAddr(ia!)])).code, 0)
    await waitFor(async () => (await a.info()).members.alive === 2, { what: 'a to see b' })
    const client = await AdminClient.connect(a.socket)
    const got: Array<{ name: string; origin: string }> = []
    client.subscribe('events', {}, (_m, p) => got.push(p as { name: string; origin: string }))
    try {
      // Key holders with throwaway identities, as in the review: each publishes 10 events to a.
      for (let i = 0; i < 4; i++) nodes.push(await startForeignNode(undefined, testSwarmKeyFile()))
      for (const n of nodes) {
        n.services.pubsub.subscribe(EVENTS_TOPIC)
        await n.dial(multiaddr(loopbackAddr(ia!)))
      }
      await waitFor(() => nodes.every((n) => n.services.pubsub.getSubscribers(EVENTS_TOPIC).length > 0), {
        what: 'a to subscribe',
      })
      const ts = Date.now()
      for (const [k, n] of nodes.entries()) {
        for (let i = 0; i < 10; i++) {
          const id = (k * 100 + i).toString(16).padStart(16, '0')
          await n.services.pubsub.publish(EVENTS_TOPIC, encodeEvent({ id, name: 'deploy', payload: 'x', ts }))
        }
      }
      const nonMember = async (): Promise<number> => {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
        return Number(/murmur_user_events_total\{outcome="nonMember"\} (\d+)/.exec(text)?.[1] ?? 0)
      }
      await waitFor(async () => (await nonMember()) >= 40, { what: 'a to check all 40 events' })
      let n = 0
      await waitFor(
        async () => {
          await b.cli(['event', 'real', String(n++)])
          return got.some((e) => e.name === 'real')
        },
        { what: "b's event to reach a", timeoutMs: 30_000 },
      )
      const strangers = new Set(nodes.map((x) => x.peerId.toString()))
      assert.deepEqual(
        got.filter((e) => strangers.has(e.origin)),
        [],
      )
      assert.ok(got.every((e) => e.origin === ib!.peerId))
    } finally {
      client.close()
    }
  })
})
