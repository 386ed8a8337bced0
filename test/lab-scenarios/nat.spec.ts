// Joining across NATs in the lab (#14, docs/nat.md): two public agents, two homes behind their own
// NAT routers on the same 192.168.1.0/24, each given one public agent to join (one by a /dns4 name).
import assert from 'node:assert/strict'
import { disposeAgents, type MemberRow, natConfig, natOf, syncedWith, TestAgent } from '../helpers/agents.js'
import { activeViewSize } from '../../src/membership/index.js'
import { waitFor } from '../helpers/wait.js'
import { Lab } from '../lab/lab.js'
import { NatLab, type NatLabHost } from '../lab/nat-lab.js'
import { run } from '../lab/run.js'

const PORT = 7946
const nat = (reachability: string) => natConfig(reachability, 'auto', true)

describe('lab scenario: homes behind NAT routers join through public agents', function () {
  this.timeout(240_000)
  const name = `mln${process.pid % 10_000}`
  let lab: NatLab | undefined
  let agents: TestAgent[] = []
  process.on('exit', () => NatLab.destroySync(name))

  before(async function () {
    this.timeout(60_000)
    const avail = await Lab.available()
    const why = !avail.ok
      ? avail.why
      : (await NatLab.nftAvailable())
        ? undefined
        : 'nft not found (apt-get install nftables)'
    if (why !== undefined) {
      console.log(`    (skipping NAT lab scenario: ${why})`)
      this.skip()
    }
    lab = await NatLab.create(name)
  })

  afterEach(async function () {
    await disposeAgents(agents.splice(0), this.currentTest?.state === 'failed')
  })

  after(async function () {
    this.timeout(60_000)
    await lab?.teardown()
  })

  const agentAt = (host: NatLabHost, agentName: string, config: Record<string, unknown>, dataDir?: string) =>
    new TestAgent({
      name: agentName,
      config,
      dataDir,
      args: ['--listen', `/ip4/${host.ip}/tcp/${PORT}`],
      prefix: ['ip', 'netns', 'exec', host.ns],
    })

  it('every member alive, homes reach each other over relays, and survive their public agent', async () => {
    const { publics, homes } = lab!
    const t0 = Date.now()
    const [pub1, pub2] = publics.map((p, k) => agentAt(p, `public${k + 1}`, nat('public')).start())
    const [p1, p2] = await Promise.all([pub1!.ready(), pub2!.ready()])
    assert.equal((await pub2!.cli(['join', `/ip4/${publics[0]!.ip}/tcp/${PORT}`])).code, 0)
    // home1 knows public1 by name only; home2 knows public2 by address.
    lab!.resolve(homes[0]!, { 'seed.murmur.lab': publics[0]!.ip })
    const home1 = agentAt(homes[0]!, 'home1', nat('auto'))
    const home2 = agentAt(homes[1]!, 'home2', nat('auto'))
    agents = [pub1!, pub2!, home1, home2]
    home1.start(['--join', `/dns4/seed.murmur.lab/tcp/${PORT}`])
    home2.start(['--join', `/ip4/${publics[1]!.ip}/tcp/${PORT}`])
    const [h1, h2] = await Promise.all([home1.ready(), home2.ready()])
    const ids = [p1!.peerId, p2!.peerId, h1.peerId, h2.peerId]
    const names = new Map([
      [p1!.peerId, 'public1'],
      [p2!.peerId, 'public2'],
      [h1.peerId, 'home1'],
      [h2.peerId, 'home2'],
    ])
    const rows = (a: TestAgent) => a.json<MemberRow[]>(['members'])
    await waitFor(
      async () => {
        for (const a of agents) {
          const r = await rows(a)
          if (!ids.every((id) => r.find((m) => m.id === id)?.status === 'alive')) return false
        }
        return true
      },
      { what: 'every agent to list the 4 alive', timeoutMs: 60_000 },
    )
    const allAlive = Date.now() - t0
    for (const home of [home1, home2]) {
      assert.equal((await natOf(home)).reachability, 'private')
    }
    // Each home reaches the other through a relay, at a relayed address it learnt from membership.
    for (const [home, otherId] of [
      [home1, h2.peerId],
      [home2, h1.peerId],
    ] as const) {
      await waitFor(
        async () => {
          const m = (await rows(home)).find((x) => x.id === otherId)
          return m?.connection === 'relayed' && m.addrs.some((a) => a.includes('/p2p-circuit/')) && m
        },
        { what: `${home.opts.name} to reach ${names.get(otherId)} over a relay`, timeoutMs: 60_000 },
      )
    }
    // Writes cross from home to home, and a sync session between them completes over the relay.
    for (const [from, to] of [
      [home1, home2],
      [home2, home1],
    ] as const) {
      assert.equal((await from.cli(['kv', 'set', `from-${from.opts.name}`, 'hello'])).code, 0)
      await waitFor(
        async () => (await to.cli(['kv', 'get', `from-${from.opts.name}`])).stdout.trim() === 'hello',
        {
          what: `${from.opts.name}'s write to reach ${to.opts.name}`,
        },
      )
    }
    await waitFor(() => syncedWith(home1, h2.peerId) || syncedWith(home2, h1.peerId), {
      what: 'a sync session between the homes',
      timeoutMs: 60_000,
    })
    // Connections stay within the overlay's bound: the view, the anchors of a member behind a NAT,
    // and the relays it holds or the members it relays for (with four agents, everyone).
    for (const a of agents) {
      const { membership, nat } = await a.info()
      const bound = activeViewSize(4) + 2 + nat!.reservations.length + nat!.relay.clients.length
      assert.ok(membership!.connections <= bound, `${a.opts.name}: ${membership!.connections} > ${bound}`)
    }
    // The report: time to all alive, and how each pair is connected.
    const pairs: string[] = []
    for (const a of agents) {
      for (const m of await rows(a))
        if (!m.self) pairs.push(`${a.opts.name}->${names.get(m.id)}: ${m.connection}`)
    }
    console.log(`      all 4 alive ${allAlive} ms after start; ${pairs.join(', ')}`)

    // The public agent home1 joined through dies: home1 stays alive everywhere, its writes still cross.
    pub1!.kill()
    await waitFor(async () => (await rows(home2)).find((m) => m.id === p1!.peerId)?.status === 'dead', {
      what: 'home2 to find public1 dead',
      timeoutMs: 60_000,
    })
    for (const a of [pub2!, home2])
      assert.equal((await rows(a)).find((m) => m.id === h1.peerId)?.status, 'alive')
    assert.equal((await home1.cli(['kv', 'set', 'after', 'public1 died'])).code, 0)
    await waitFor(async () => (await home2.cli(['kv', 'get', 'after'])).stdout.trim() === 'public1 died', {
      what: "home1's write to reach home2 after public1 died",
      timeoutMs: 30_000,
    })

    // home1 restarted on its data directory, without a join address, rejoins from the peers it knew.
    home1.kill('SIGTERM')
    await home1.waitExit()
    const again = agentAt(homes[0]!, 'home1', nat('auto'), home1.dataDir).start()
    agents.push(again)
    await again.ready()
    await waitFor(async () => (await rows(home2)).find((m) => m.id === h1.peerId)?.status === 'alive', {
      what: 'home1 back alive in home2 after a restart with no join flag',
      timeoutMs: 60_000,
    })
    assert.equal((await again.cli(['kv', 'set', 'restarted', 'yes'])).code, 0)
    await waitFor(async () => (await home2.cli(['kv', 'get', 'restarted'])).stdout.trim() === 'yes', {
      what: "the restarted home1's write to reach home2",
      timeoutMs: 30_000,
    })
  })

  it('joins by a /dns6 name', async () => {
    // Its own namespace with IPv6 on loopback (the lab's hosts are IPv4 only); removed with the lab.
    const host = { ns: `${name}-h9`, ip: '::1' }
    await run('ip', ['netns', 'add', host.ns])
    await run('ip', ['-n', host.ns, 'link', 'set', 'dev', 'lo', 'up'])
    lab!.resolve(host, { 'seed6.murmur.lab': '::1' })
    const at = (agentName: string, port: number) =>
      new TestAgent({
        name: agentName,
        config: nat('private'),
        args: ['--listen', `/ip6/::1/tcp/${port}`],
        prefix: ['ip', 'netns', 'exec', host.ns],
      })
    const seed = at('seed6', PORT).start()
    const joiner = at('joiner6', PORT + 1)
    agents = [seed, joiner]
    const s6 = await seed.ready()
    const j6 = await joiner.start(['--join', `/dns6/seed6.murmur.lab/tcp/${PORT}`]).ready()
    await waitFor(
      async () =>
        (await seed.json<MemberRow[]>(['members'])).find((m) => m.id === j6.peerId)?.status === 'alive',
      { what: 'the joiner alive at the seed' },
    )
    assert.equal(
      (await joiner.json<MemberRow[]>(['members'])).find((m) => m.id === s6.peerId)?.status,
      'alive',
    )
  })
})
