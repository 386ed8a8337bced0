// A whole mesh restarts: three agents joined once, then all stopped (SIGTERM) and started again
// without any --join. They find each other through the peers kept in their stores, and keep the
// same state. Fixed ports: a restarted agent must be reachable where its peers remember it.
import assert from 'node:assert/strict'
import { Store } from '../../src/state/store.js'
import { TestAgent } from '../helpers/agents.js'
import { waitFor } from '../helpers/wait.js'
import { connect, disposeAll, freePort } from './helpers.js'

async function digests(agents: TestAgent[]): Promise<Array<string | undefined>> {
  return Promise.all(agents.map(async (a) => (await a.info()).state?.digest))
}

async function allSeeAlive(agents: TestAgent[], n: number): Promise<boolean> {
  const infos = await Promise.all(agents.map((a) => a.info()))
  return infos.every((i) => i.members.alive === n)
}

describe('durability: restart of a whole mesh', function () {
  this.timeout(120_000)
  const agents: TestAgent[] = []

  afterEach(async function () {
    await disposeAll(agents.splice(0), this.currentTest?.state === 'failed')
  })

  it('three agents stopped together come back without --join, with the same state', async () => {
    const ports = [await freePort(), await freePort(), await freePort()]
    const mesh = ports.map(
      (port, i) => new TestAgent({ name: `m${i}`, args: ['--listen', `/ip4/127.0.0.1/tcp/${port}`] }),
    )
    agents.push(...mesh)
    const [a, b, c] = mesh as [TestAgent, TestAgent, TestAgent]
    for (const x of agents) x.start()
    const infos = await Promise.all(agents.map((x) => x.ready()))
    const addrA = infos[0]?.addresses.find((m) => m.includes(`/tcp/${ports[0]}/`))
    assert.ok(addrA, 'a listens on its fixed port')
    for (const x of [b, c]) assert.equal((await x.cli(['join', addrA])).code, 0)
    await waitFor(() => allSeeAlive(agents, 3), { what: '3 alive on each', timeoutMs: 20_000 })

    for (const [i, x] of agents.entries()) {
      const client = await connect(x)
      try {
        for (let k = 0; k < 10; k++) await client.call('kv.set', { key: `m${i}-k${k}`, value: { k } })
        await client.call('set.add', { name: 'members', elements: [`m${i}`] })
        await client.call('counter.incr', { name: 'starts', amount: i + 1 })
      } finally {
        client.close()
      }
    }
    const before = await waitFor(
      async () => {
        const d = await digests(agents)
        return d.every((x) => x !== undefined && x === d[0]) ? d[0] : undefined
      },
      { what: 'the state to converge', timeoutMs: 20_000 },
    )

    for (const x of agents) x.kill('SIGTERM')
    assert.deepEqual(await Promise.all(agents.map((x) => x.waitExit())), [0, 0, 0])

    for (const x of agents) x.start() // no --join: only what the stores remember
    await Promise.all(agents.map((x) => x.ready()))
    // Digests right after start: each store alone gives back the converged state.
    assert.deepEqual(await digests(agents), [before, before, before])
    await waitFor(() => allSeeAlive(agents, 3), {
      what: '3 alive on each after the restart',
      timeoutMs: 30_000,
    })
    assert.deepEqual(await digests(agents), [before, before, before])
    assert.equal((await a.cli(['counter', 'get', 'starts'])).stdout, '6\n')
    assert.deepEqual(JSON.parse((await c.cli(['kv', 'get', 'm1-k9'])).stdout), { k: 9 })
  })

  it('an agent that saw the others leave a moment before its own stop still rejoins them', async () => {
    const ports = [await freePort(), await freePort()]
    const [a, b] = ports.map(
      (port, i) => new TestAgent({ name: `r${i}`, args: ['--listen', `/ip4/127.0.0.1/tcp/${port}`] }),
    ) as [TestAgent, TestAgent]
    agents.push(a, b)
    a.start()
    b.start()
    const [ia] = await Promise.all([a.ready(), b.ready()])
    assert.equal((await b.cli(['join', ia!.addresses.find((m) => m.includes(`/tcp/${ports[0]}/`))!])).code, 0)
    await waitFor(() => allSeeAlive(agents, 2), { what: '2 alive on each', timeoutMs: 20_000 })

    // a stops first; b, still running, sees a leave, then stops too (a restart done in turn).
    a.kill('SIGTERM')
    assert.equal(await a.waitExit(), 0)
    await waitFor(async () => (await b.info()).members.left === 1, { what: 'b to see a leave' })
    b.kill('SIGTERM')
    assert.equal(await b.waitExit(), 0)
    // a forgets b, so only b's memory of a can bring the two together again.
    const store = await Store.open(a.dataDir)
    try {
      const peers: string[] = []
      for await (const [id] of store.scan<unknown>('peer:')) peers.push(id)
      await store.write(peers.map((id) => ({ type: 'del' as const, key: `peer:${id}` })))
    } finally {
      await store.close()
    }

    a.start()
    b.start()
    await Promise.all([a.ready(), b.ready()])
    await waitFor(() => allSeeAlive(agents, 2), {
      what: '2 alive on each after the restart',
      timeoutMs: 30_000,
    })
  })
})
