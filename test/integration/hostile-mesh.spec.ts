// One hostile member (and a hundred throwaway ones) against a 3-agent mesh, attack after attack,
// on state and membership. After each one every agent answers, an honest write reaches all three
// to one digest, RSS stays bounded, and at the end all three restart cleanly with that state.
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { type CrdtRecord, encodeDeltaFrames, Replica } from '../../src/crdt/index.js'
import { STATE_TOPIC } from '../../src/gossip/delta-topic.js'
import { SYNC_PROTOCOL } from '../../src/gossip/sync-service.js'
import { ed25519WriteSigner } from '../../src/gossip/write-signatures.js'
import { ed25519Signer, signUpdate } from '../../src/membership/claims.js'
import { MAX_INCARNATION, SWIM_PROTOCOL } from '../../src/membership/limits.js'
import type { Accusation } from '../../src/membership/messages.js'
import { encodePacket } from '../../src/membership/wire.js'
import type { MurmurNode } from '../../src/transport/node.js'
import { FakeClock, systemClock } from '../../src/util/clock.js'
import {
  disposeAgents,
  type Info,
  loopbackAddr,
  type MemberRow,
  rssMiB,
  TestAgent,
  testSwarmKeyFile,
} from '../helpers/agents.js'
import { attachToState, hostileSyncSession, startForeignNode } from '../helpers/foreign-node.js'
import { pastBoundCounterFrame } from '../helpers/raw-frames.js'
import { waitFor } from '../helpers/wait.js'

const RSS_LIMIT_MIB = 300
describe('a hostile member against a 3-agent mesh', function () {
  this.timeout(180_000)
  let agents: TestAgent[] = []
  const nodes: MurmurNode[] = []

  afterEach(async function () {
    await Promise.all(nodes.splice(0).map((n) => Promise.resolve(n.stop()).catch(() => {})))
    await disposeAgents(agents.splice(0), this.currentTest?.state === 'failed')
  })

  it('survives every attack: each agent answers, honest writes converge, memory stays bounded, restarts are clean', async () => {
    agents = ['h1', 'h2', 'h3'].map((name) => new TestAgent({ name }).start())
    const infos = (await Promise.all(agents.map((a) => a.ready()))) as Info[]
    for (const a of agents.slice(1)) assert.equal((await a.cli(['join', loopbackAddr(infos[0]!)])).code, 0)
    const target = multiaddr(loopbackAddr(infos[0]!))
    const victim = infos[1]!.peerId // an agent the attacker never talks to directly

    const key = await generateKeyPair('Ed25519')
    const bad = await member(key)
    const me = bad.peerId.toString()
    const signer = ed25519WriteSigner(key)
    const publish = async (frames: Uint8Array[]): Promise<void> => {
      for (const f of frames) await bad.services.pubsub.publish(STATE_TOPIC, f).catch(() => {})
    }

    let round = 0
    const honestRound = async (what: string): Promise<void> => {
      round++
      const writer = agents[round % 3]!
      assert.equal((await writer.cli(['kv', 'set', `honest/${round}`, what])).code, 0, what)
      await waitFor(
        async () => {
          const all = await Promise.all(agents.map((a) => a.info()))
          return all.every((i) => i.state?.digest === all[0]!.state?.digest && (i.state?.keys ?? 0) >= round)
        },
        { what: `honest write ${round} everywhere after: ${what}`, timeoutMs: 30_000 },
      )
      for (const a of agents) {
        assert.ok(a.running, `${a.opts.name} still running after: ${what}`)
        assert.ok(rssMiB(a) < RSS_LIMIT_MIB, `${a.opts.name} RSS ${rssMiB(a).toFixed(0)} MiB after: ${what}`)
      }
    }
    await honestRound('nothing yet')

    // 1. Writes forged under the victim's name: its key, its counter, its dot far ahead.
    const forger = new Replica(victim, systemClock, { signer })
    const forged = [
      ...forger.kvSet('honest/1', 'forged').deltas,
      ...forger.counterAdd('hits', 1_000_000).deltas,
    ]
    await publish(encodeDeltaFrames(forged)) // gossip: the dot is not ours, so it is rejected
    await hostileSyncSession(
      bad,
      target,
      forged.map((d) => [d.id, d.record] as [string, CrdtRecord]),
      {},
    )
    await honestRound('forged writes under another origin')
    assert.equal((await agents[1]!.cli(['kv', 'get', 'honest/1'])).stdout, 'nothing yet\n')
    assert.equal((await agents[1]!.cli(['counter', 'get', 'hits'])).stdout, '0\n')

    // 2. A replay: the same genuine, signed write of ours, a hundred times.
    const mine = new Replica(me, systemClock, { signer })
    const genuine = encodeDeltaFrames(mine.kvSet('replayed', 'once').deltas)
    for (let i = 0; i < 100; i++) await publish(genuine)
    await honestRound('replays')

    // 3. A clock ten years ahead, and numbers past every bound.
    const ahead = new Replica(me, new FakeClock(Date.now() + 10 * 365 * 86_400_000), { signer })
    await publish(encodeDeltaFrames(ahead.kvSet('honest/1', 'from the future').deltas))
    await publish([pastBoundCounterFrame(me, 2 ** 53 - 1)])
    await honestRound('a far-future clock and past-bound numbers')
    assert.equal((await agents[0]!.cli(['kv', 'get', 'honest/1'])).stdout, 'nothing yet\n')

    // 4. A version vector of 5,000 made-up origins, twice.
    const fake: Record<string, number> = {}
    for (let i = 0; i < 5000; i++) fake[`fake${i}`] = 1_000 + i
    await hostileSyncSession(bad, target, [], fake)
    await hostileSyncSession(bad, target, [], fake)
    await honestRound('vv poisoning')

    // 5. Garbage on every protocol.
    for (const protocol of [SWIM_PROTOCOL, SYNC_PROTOCOL]) {
      const lp = lpStream(await bad.dialProtocol(target, protocol))
      for (let i = 0; i < 20; i++) await lp.write(crypto.getRandomValues(new Uint8Array(200))).catch(() => {})
    }
    for (let i = 0; i < 20; i++) await publish([crypto.getRandomValues(new Uint8Array(300))])
    await honestRound('garbage on every protocol')

    // 6. Throwaway identities: 100 members in waves of 25, each connecting, flooding its forged
    // writes and a 2,000-origin vv, then leaving for the next one.
    for (let wave = 0; wave < 4; wave++) {
      const throwaways = await Promise.all(
        Array.from({ length: 25 }, async () => member(await generateKeyPair('Ed25519'))),
      )
      await Promise.all(
        throwaways.map(async (t, i) => {
          const r = new Replica(t.peerId.toString(), systemClock) // unsigned: zeros for signatures
          const deltas = Array.from(
            { length: 50 },
            (_, k) => r.kvSet(`honest/1/${k}`, 'throwaway').deltas,
          ).flat()
          for (const f of encodeDeltaFrames(deltas))
            await t.services.pubsub.publish(STATE_TOPIC, f).catch(() => {})
          const many: Record<string, number> = {}
          for (let k = 0; k < 2000; k++) many[`t${wave}x${i}x${k}`] = 1 + k
          await hostileSyncSession(t, target, [], many).catch(() => {})
        }),
      )
      await Promise.all(throwaways.map((t) => t.stop()))
    }
    await honestRound('100 throwaway identities')
    for (const a of agents) {
      const held = (await a.info()).state
      assert.ok((held?.keys ?? 0) < 20, `${a.opts.name} merged no throwaway write (${held?.keys} keys)`)
    }

    // 7. Membership: garbage, accusations of a live member (as any member may make, which the
    // victim refutes), at the incarnation bound, and 300 deaths of made-up peers.
    const swimSigner = ed25519Signer(key)
    const accuse = (type: 'suspect' | 'dead', id: string, incarnation: number): Accusation =>
      signUpdate<Accusation>(swimSigner, { type, id, incarnation, from: swimSigner.id })
    const sendSwim = async (frames: Uint8Array[]): Promise<void> => {
      const lp = lpStream(await bad.dialProtocol(target, SWIM_PROTOCOL))
      for (const f of frames) await lp.write(f).catch(() => {})
    }
    const madeUp = await Promise.all(
      Array.from({ length: 300 }, async () => ed25519Signer(await generateKeyPair('Ed25519')).id),
    )
    await sendSwim([
      new Uint8Array([2, 99, 1, 2, 3]),
      encodePacket({
        type: 'gossip',
        updates: [accuse('suspect', victim, 1), accuse('dead', victim, MAX_INCARNATION)],
      }),
      ...Array.from({ length: 10 }, (_, i) =>
        encodePacket({
          type: 'gossip',
          updates: madeUp.slice(i * 30, i * 30 + 30).map((id) => accuse('dead', id, 1)),
        }),
      ),
    ])
    await waitFor(
      async () => {
        const views = await Promise.all(agents.map((a) => a.json<MemberRow[]>(['members'])))
        return views.every((rows) =>
          infos.every((i) => rows.some((m) => m.id === i.peerId && m.status === 'alive')),
        )
      },
      { what: 'every agent to list all three alive after the accusations', timeoutMs: 30_000 },
    )
    for (const a of agents) {
      const ids = new Set((await a.json<MemberRow[]>(['members'])).map((m) => m.id))
      assert.ok(!madeUp.some((id) => ids.has(id)), `${a.opts.name} stored no made-up member`)
    }
    await honestRound('membership attacks')

    // 8. Outsiders without the key never get in, never appear, never read.
    const outsider = await startForeignNode(await generateKeyPair('Ed25519'), null)
    nodes.push(outsider)
    await outsider.dial(target).then(
      (c) => waitFor(() => c.status !== 'open', { what: 'the outsider to be cut off' }),
      () => {},
    )
    await honestRound('an outsider without the key')
    for (const a of agents) {
      const ids = (await a.json<Array<{ id: string }>>(['members'])).map((m) => m.id)
      assert.ok(!ids.includes(outsider.peerId.toString()))
    }

    // Every agent restarts on its data directory with the mesh's state.
    const before = (await agents[0]!.info()).state?.digest
    for (const a of agents) {
      a.kill('SIGTERM')
      assert.equal(await a.waitExit(), 0)
    }
    for (const a of agents) a.start()
    const after = (await Promise.all(agents.map((a) => a.ready()))) as Info[]
    for (const i of after) assert.equal(i.state?.digest, before)
  })

  async function member(key: PrivateKey): Promise<MurmurNode> {
    const n = await startForeignNode(key, testSwarmKeyFile())
    nodes.push(n)
    await attachToState(n, multiaddr(loopbackAddr(await agents[0]!.info())))
    return n
  }
})
