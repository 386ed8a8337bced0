// Three real agents on 127.0.0.1 (mDNS off), driven only through the CLI.
import assert from 'node:assert/strict'
import { type AddressInfo, createServer } from 'node:net'
import { AdminClient } from '../../src/admin/client.js'
import { disposeAgents, FAST_CONFIG, type MemberRow, TestAgent } from '../helpers/agents.js'
import { waitFor } from '../helpers/wait.js'

const statusOf = async (agent: TestAgent, id: string): Promise<string | undefined> =>
  (await agent.json<MemberRow[]>(['members'])).find((m) => m.id === id)?.status

describe('membership (3 agents on loopback)', function () {
  this.timeout(120_000)
  let agents: TestAgent[] = []

  afterEach(async function () {
    await disposeAgents(agents.splice(0), this.currentTest?.state === 'failed')
  })

  it('join, failure detection, leave, and a stable identity across restarts', async () => {
    // A long suspicion so the suspect phase is observable even on a loaded machine.
    const membership = { ...FAST_CONFIG.membership, suspicionMult: 20 }
    agents = ['a', 'b', 'c'].map((name) => new TestAgent({ name, config: { membership } }).start())
    const infos = await Promise.all(agents.map((a) => a.ready()))
    const [a, b, c] = agents as [TestAgent, TestAgent, TestAgent]
    const addrOf = (i: number) => infos[i]!.addresses.find((x) => x.includes('127.0.0.1'))!

    const joined = await b.cli(['join', addrOf(0)])
    assert.equal(joined.code, 0, joined.stderr)
    assert.match(joined.stdout, /reached 1 of 1/)
    assert.equal((await c.cli(['join', addrOf(1)])).code, 0)

    for (const agent of agents) {
      await waitFor(
        async () => {
          const members = await agent.json<MemberRow[]>(['members'])
          return members.length === 3 && members.every((m) => m.status === 'alive')
        },
        { what: `${agent.opts.name} to list 3 alive members`, timeoutMs: 20_000 },
      )
    }

    // Tags set on one agent reach the others.
    assert.equal((await a.cli(['tags', 'set', 'role=db', 'zone=eu'])).code, 0)
    await waitFor(
      async () => {
        const row = (await c.json<MemberRow[]>(['members'])).find((m) => m.id === infos[0]!.peerId)
        return row?.tags.role === 'db' && row.tags.zone === 'eu'
      },
      { what: 'tags to reach c' },
    )

    // Service discovery, as with Serf's filters: patterns match whole values, all must hold.
    const names = async (...args: string[]) =>
      (await c.json<MemberRow[]>(['members', ...args])).map((m) => m.name).sort()
    assert.deepEqual(await names('--tag', 'role=db'), ['a'])
    assert.deepEqual(await names('--tag', 'role=d'), [])
    assert.deepEqual(await names('--tag', 'role=d.*', '--tag', 'zone=eu'), ['a'])
    assert.deepEqual(await names('--tag', 'role=db', '--tag', 'zone=us'), [])
    assert.deepEqual(await names('--name', 'a|c', '--status', 'alive'), ['a', 'c'])
    const bad = await c.cli(['members', '--name', '('])
    assert.equal(bad.code, 2, bad.stderr)
    assert.match(bad.stderr, /^murmur: .*not a valid regular expression.*\n$/)
    // Each member shows the address it listens on, not a connection's ephemeral port.
    for (const m of await c.json<MemberRow[]>(['members']))
      assert.ok(m.addr && m.addrs.includes(m.addr), m.addr ?? '')
    // And how c is connected to each: directly (the active view of three holds everyone).
    await waitFor(
      async () =>
        (await c.json<MemberRow[]>(['members'])).every((m) => m.connection === (m.self ? 'self' : 'direct')),
      { what: 'c to show a direct connection to each member' },
    )

    // Network coordinates ride on the probes: finite for every member, and the round trip
    // estimated between two agents on loopback small and steady a few probe periods apart.
    const finite = (r: MemberRow): boolean =>
      !!r.coordinate &&
      [...r.coordinate.vec, r.coordinate.height, r.coordinate.error, r.coordinate.adjustment].every(
        Number.isFinite,
      )
    const rttToA = async (): Promise<number | undefined> => {
      const rows = await c.json<MemberRow[]>(['members'])
      if (!rows.every(finite)) return undefined
      const ms = rows.find((m) => m.id === infos[0]!.peerId)?.rttMs
      return typeof ms === 'number' && Number.isFinite(ms) ? ms : undefined
    }
    const first = await waitFor(rttToA, { what: 'c to hold finite coordinates and an estimate to a' })
    const received = async () => (await c.info()).membership?.packetsReceived ?? 0
    const before = await received()
    await waitFor(async () => (await received()) >= before + 10 || undefined, { what: 'a few more probes' })
    const second = (await rttToA())!
    for (const ms of [first, second]) assert.ok(ms > 0 && ms < 50, `estimated ${ms} ms on loopback`)
    assert.ok(Math.abs(second - first) <= 5, `estimates ${first} then ${second} ms`)
    const rtt = await c.cli(['rtt', 'a'])
    assert.equal(rtt.code, 0, rtt.stderr)
    assert.match(rtt.stdout, /^estimated round trip a <-> c: \d+\.\d{3} ms\n$/)
    const ab = await c.json<{ rttMs: number }>(['rtt', 'a', 'b'])
    assert.ok(ab.rttMs > 0 && ab.rttMs < 50, `a <-> b ${ab.rttMs} ms`)
    assert.equal((await c.cli(['rtt', 'nobody'])).code, 1)

    // kill -9: the others see it suspect, then dead.
    c.kill('SIGKILL')
    await c.waitExit()
    const cId = infos[2]!.peerId
    await waitFor(async () => (await statusOf(a, cId)) === 'suspect' || undefined, { what: 'c suspect on a' })
    await waitFor(async () => (await statusOf(a, cId)) === 'dead' || undefined, { what: 'c dead on a' })
    const dead = await a.cli(['members', '--status', 'dead'])
    assert.match(dead.stdout, /\bc\b.*dead/)

    // force-leave on b: c shows left there, and on a too, which holds it dead as well.
    await waitFor(async () => (await statusOf(b, cId)) === 'dead' || undefined, { what: 'c dead on b' })
    assert.equal((await b.json<{ outcome: string }>(['force-leave', 'c'])).outcome, 'left')
    await waitFor(async () => (await statusOf(a, cId)) === 'left' || undefined, {
      what: 'c left on a, told by b',
    })
    const notDead = await a.cli(['force-leave', 'b', '--json'])
    assert.equal(JSON.parse(notDead.stderr).error.code, 'INVALID_INPUT', 'b is alive: not forced out')

    // Graceful leave: shown as left (not dead), and the agent exits 0.
    const left = await b.cli(['leave'])
    assert.equal(left.code, 0, left.stderr)
    assert.equal(await b.waitExit(), 0)
    await waitFor(async () => (await statusOf(a, infos[1]!.peerId)) === 'left' || undefined, {
      what: 'b left on a',
    })

    // Restart c on its data dir: same peer id, and it comes back alive on a.
    c.start()
    const again = await c.ready()
    assert.equal(again.peerId, cId)
    await c.cli(['join', addrOf(0)])
    await waitFor(async () => (await statusOf(a, cId)) === 'alive' || undefined, {
      what: 'c alive again on a',
    })
  })

  it('a join call returns once the seed answered: the joiner already lists the whole mesh', async () => {
    agents = ['a', 'b', 'c'].map((name) => new TestAgent({ name }).start())
    const infos = await Promise.all(agents.map((a) => a.ready()))
    const [, b, c] = agents as [TestAgent, TestAgent, TestAgent]
    const addrOf = (i: number) => infos[i]!.addresses.find((x) => x.includes('127.0.0.1'))!
    assert.equal((await b.cli(['join', addrOf(0)])).code, 0)
    // c joins b over one admin connection and asks at once: no CLI start-up hides a race.
    const client = await AdminClient.connect(c.socket)
    try {
      const joined = await client.call<{ reached: number }>('join', { addrs: [addrOf(1)] })
      assert.equal(joined.reached, 1)
      const { members } = await client.call<{ members: MemberRow[] }>('members', {})
      assert.deepEqual(members.map((m) => m.name).sort(), ['a', 'b', 'c'])
    } finally {
      client.close()
    }
  })

  it('an agent alone keeps retrying a join that reached nobody, says why, and joins once the seed is up', async () => {
    const port = await freePort()
    const seedAddr = `/ip4/127.0.0.1/tcp/${port}`
    const b = new TestAgent({ name: 'b' }).start()
    agents = [b]
    await b.ready()
    const joined = await b.cli(['join', seedAddr])
    assert.equal(joined.code, 1)
    assert.match(joined.stdout, /reached 0 of 1/)
    assert.match(joined.stderr, /could not reach .*tcp\/\d+/)
    assert.match(joined.stderr, /keeps retrying in the background/)
    const info = await b.json<{
      join: { retrying: boolean; addrs: string[]; failures: number; lastError: string }
    }>(['info'])
    assert.equal(info.join.retrying, true)
    assert.deepEqual(info.join.addrs, [seedAddr])
    assert.ok(info.join.failures >= 1)
    assert.match(info.join.lastError, /ECONNREFUSED|refused/i)
    const doctor = await b.cli(['doctor'])
    assert.equal(doctor.code, 1)
    assert.match(doctor.stdout, /alone and retrying the join to \/ip4\/127\.0\.0\.1/)
    assert.match(b.logs, /"msg":"join failed; retrying while alone"/)

    const a = new TestAgent({ name: 'a', args: ['--listen', seedAddr] }).start()
    agents.push(a)
    const aInfo = await a.ready()
    await waitFor(async () => (await statusOf(b, aInfo.peerId)) === 'alive', {
      what: 'b to join a once a is up',
      timeoutMs: 40_000,
    })
    assert.equal((await b.info()).join?.retrying, false)
  })
})

/** A TCP port nothing listens on now (bound, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo
      srv.close(() => resolve(port))
    })
  })
}
