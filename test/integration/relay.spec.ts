// Relays on loopback (#14, docs/nat.md): an agent that takes no inbound connections, as one behind
// a NAT, is reachable by the others only through a relay. The NAT lab (`npm run lab -- nat`) runs
// the same with real routers; this is the part that needs none.
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { NO_NAT } from '../../src/transport/nat.js'
import type { MurmurNode } from '../../src/transport/node.js'
import { startForeignNode } from '../helpers/foreign-node.js'
import {
  disposeAgents,
  loopbackAddr,
  type MemberRow,
  natConfig,
  natOf,
  syncedWith,
  TestAgent,
  testSwarmKeyFile,
} from '../helpers/agents.js'
import { waitFor } from '../helpers/wait.js'

describe('relays (agents on loopback)', function () {
  this.timeout(120_000)
  let agents: TestAgent[] = []

  let squatter: MurmurNode | undefined

  afterEach(async function () {
    await squatter?.stop()
    squatter = undefined
    await disposeAgents(agents.splice(0), this.currentTest?.state === 'failed')
  })

  it('two agents with no listening socket reach each other through a relay, and sync over it', async () => {
    const relay = new TestAgent({ name: 'relay', config: natConfig('public', 'auto') }).start()
    // They listen nowhere, as two homes behind NATs: each can dial the relay, not each other.
    const behindNat = { listen: [], ...natConfig('auto', 'auto') }
    const home = new TestAgent({ name: 'home', config: behindNat, args: [] })
    const other = new TestAgent({ name: 'other', config: behindNat, args: [] })
    agents = [relay, home, other]
    const r = await relay.ready()
    assert.deepEqual(await natOf(relay), {
      reachability: 'public',
      reservations: [],
      relay: { serving: true, clients: [] },
    })

    home.start(['--join', loopbackAddr(r)])
    const h = await home.ready()
    const held = await waitFor(
      async () => {
        const nat = await natOf(home)
        return nat.reservations.includes(r.peerId) && nat
      },
      { what: 'home to hold a reservation on the relay', timeoutMs: 20_000 },
    )
    assert.equal(held.reachability, 'private', 'every address it has is private')
    assert.equal(held.relay.serving, false, 'a private agent serves no relay')
    await waitFor(async () => (await natOf(relay)).relay.clients.includes(h.peerId), {
      what: 'the relay to list home as its client',
    })
    // The relayed address is what home advertises: other learns it from membership alone.
    await other.start(['--join', loopbackAddr(r)]).ready()
    const row = await waitFor(
      async () => {
        const m = (await other.json<MemberRow[]>(['members'])).find((x) => x.id === h.peerId)
        return m?.status === 'alive' && m.connection === 'relayed' && m
      },
      { what: 'other to reach home through the relay', timeoutMs: 30_000 },
    )
    assert.ok(
      row.addrs.length > 0 && row.addrs.every((a) => a.includes(`/p2p/${r.peerId}/p2p-circuit`)),
      `home advertises only relayed addresses: ${row.addrs.join(' ')}`,
    )
    const human = await home.cli(['info'])
    assert.match(human.stdout, /reachability:\s+private/)
    assert.match(human.stdout, new RegExp(`relayed via:\\s+${r.peerId}`))

    // A write on home reaches other, and a sync session between the two runs over the relay.
    assert.equal((await home.cli(['kv', 'set', 'from', 'home'])).code, 0)
    await waitFor(async () => (await other.cli(['kv', 'get', 'from'])).stdout.trim() === 'home', {
      what: 'the write to reach other',
    })
    await waitFor(() => syncedWith(other, h.peerId), {
      what: 'a sync session from other to home',
      timeoutMs: 30_000,
    })
  })

  it('a home keeps its place when the relay it joined through dies, on a relay learnt from membership', async () => {
    const publicAgent = natConfig('public', 'auto')
    const behindNat = { listen: [], ...natConfig('auto', 'auto') }
    const [relay1, relay2] = ['relay1', 'relay2'].map((name) =>
      new TestAgent({ name, config: publicAgent }).start(),
    )
    const home = new TestAgent({ name: 'home', config: behindNat, args: [] })
    const other = new TestAgent({ name: 'other', config: behindNat, args: [] })
    agents = [relay1!, relay2!, home, other]
    const [r1, r2] = await Promise.all([relay1!.ready(), relay2!.ready()])
    assert.equal((await relay2!.cli(['join', loopbackAddr(r1!)])).code, 0)
    // Each home is given one relay only.
    const h = await home.start(['--join', loopbackAddr(r1!)]).ready()
    const o = await other.start(['--join', loopbackAddr(r2!)]).ready()
    for (const [agent, id] of [
      [home, h.peerId],
      [other, o.peerId],
    ] as const) {
      await waitFor(
        async () => {
          const nat = await natOf(agent)
          return nat.reservations.includes(r1!.peerId) && nat.reservations.includes(r2!.peerId)
        },
        { what: `${id} to hold reservations on both relays`, timeoutMs: 30_000 },
      )
    }
    relay1!.kill()
    const aliveAt = async (agent: TestAgent, id: string) =>
      (await agent.json<MemberRow[]>(['members'])).find((m) => m.id === id)?.status
    await waitFor(async () => (await aliveAt(other, r1!.peerId)) === 'dead', {
      what: 'other to find relay1 dead',
      timeoutMs: 30_000,
    })
    for (const agent of [other, relay2!]) assert.equal(await aliveAt(agent, h.peerId), 'alive')
    assert.equal((await home.cli(['kv', 'set', 'after', 'relay1 died'])).code, 0)
    await waitFor(async () => (await other.cli(['kv', 'get', 'after'])).stdout.trim() === 'relay1 died', {
      what: "home's write to reach other after relay1 died",
    })
    await waitFor(async () => (await natOf(home)).reservations.join() === r2!.peerId, {
      what: "home's reservation on relay1 to go, the one on relay2 to stay",
    })
  })

  it('replaces a lost reservation within seconds when another relay is connected', async () => {
    const relays = ['relay1', 'relay2', 'relay3'].map((name) =>
      new TestAgent({ name, config: natConfig('public', 'auto') }).start(),
    )
    const home = new TestAgent({
      name: 'home',
      config: { listen: [], ...natConfig('auto', 'auto') },
      args: [],
    })
    agents = [...relays, home]
    const infos = await Promise.all(relays.map((r) => r.ready()))
    for (const r of relays.slice(1)) assert.equal((await r.cli(['join', loopbackAddr(infos[0]!)])).code, 0)
    await home.start(['--join', loopbackAddr(infos[0]!)]).ready()
    const held = await waitFor(
      async () => {
        const nat = await natOf(home)
        return nat.reservations.length === 2 && nat.reservations
      },
      { what: 'home to hold two reservations', timeoutMs: 30_000 },
    )
    const lost = relays[infos.findIndex((i) => i.peerId === held[0])]!
    lost.kill()
    const t0 = Date.now()
    const now = await waitFor(
      async () => {
        const nat = await natOf(home)
        return nat.reservations.length === 2 && !nat.reservations.includes(held[0]!) && nat.reservations
      },
      { what: 'home to hold two reservations again, without the lost relay', timeoutMs: 30_000 },
    )
    console.log(`      reservation replaced ${Date.now() - t0} ms after its relay was killed`)
    assert.ok(now.includes(held[1]!), 'the other reservation stayed')
  })

  it('relay slots are for members: a key holder that is not one is refused, and a slot is freed when its member leaves', async () => {
    const relay = new TestAgent({ name: 'relay', config: natConfig('public', 'auto') }).start()
    const home = new TestAgent({
      name: 'home',
      config: { listen: [], ...natConfig('auto', 'auto') },
      args: [],
    })
    agents = [relay, home]
    const r = await relay.ready()

    // A key holder behind a NAT asks the relay for a slot as soon as it connects, as libp2p does.
    squatter = await startForeignNode(undefined, testSwarmKeyFile(), { ...NO_NAT, reservations: 1 })
    await squatter.dial(multiaddr(loopbackAddr(r)))
    await waitFor(() => /relay reservation refused: not a member/.test(relay.logs), {
      what: 'the relay to refuse the squatter',
    })
    assert.ok(!(await natOf(relay)).relay.clients.includes(squatter.peerId.toString()))

    // A member gets its slot, though it asks before the relay has its claim; leaving frees it.
    home.start(['--join', loopbackAddr(r)])
    const h = await home.ready()
    await waitFor(async () => (await natOf(relay)).relay.clients.includes(h.peerId), {
      what: 'the relay to hold a slot for home',
      timeoutMs: 20_000,
    })
    home.kill('SIGTERM')
    await home.waitExit()
    await waitFor(async () => !(await natOf(relay)).relay.clients.includes(h.peerId), {
      what: 'the slot to be freed (libp2p alone keeps it for the reservation TTL, an hour)',
    })
    assert.match(relay.logs, /relay reservation released/)
  })
})
