// User events across three real agents: each arrives once everywhere, through the CLI and the API.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { AdminClient } from '../../src/admin/client.js'
import { BIN, disposeAgents, loopbackAddr, TestAgent } from '../helpers/agents.js'
import { waitFor } from '../helpers/wait.js'

interface EventRow {
  name: string
  payload: string
  origin: string
  originName: string | null
}

describe('user events (3 agents on loopback)', function () {
  this.timeout(120_000)
  let agents: TestAgent[] = []
  const clients: AdminClient[] = []

  afterEach(async function () {
    for (const c of clients.splice(0)) c.close()
    await disposeAgents(agents.splice(0), this.currentTest?.state === 'failed')
  })

  it('an event reaches every agent exactly once, and `murmur events` streams it', async () => {
    agents = ['a', 'b', 'c'].map((name) => new TestAgent({ name }).start())
    const [a, b, c] = agents as [TestAgent, TestAgent, TestAgent]
    const infos = await Promise.all(agents.map((x) => x.ready()))
    assert.equal((await b.cli(['join', loopbackAddr(infos[0]!)])).code, 0)
    assert.equal((await c.cli(['join', loopbackAddr(infos[1]!)])).code, 0)
    for (const x of agents) {
      await waitFor(async () => (await x.info()).members.alive === 3, {
        what: `${x.opts.name} sees 3`,
      })
    }

    // a and b through the API, c through the CLI.
    const got: EventRow[][] = [[], [], []]
    for (const [i, x] of [a, b].entries()) {
      const client = await AdminClient.connect(x.socket)
      clients.push(client)
      client.subscribe('events', {}, (_m, p) => got[i]!.push(p as EventRow))
    }
    const stream = spawn(process.execPath, [BIN, '--socket', c.socket, 'events', '--json'])
    let out = ''
    stream.stdout.on('data', (d: Buffer) => {
      out += d.toString()
    })
    try {
      // Gossipsub needs a heartbeat or two to graft the topic's mesh: resend a probe until every
      // subscriber has one, then the real event.
      let n = 0
      await waitFor(
        async () => {
          await b.cli(['event', 'probe', String(n++)])
          return got[0]!.some((e) => e.name === 'probe') && out.includes('"probe"')
        },
        { what: 'the event mesh to form', timeoutMs: 30_000 },
      )
      const sent = await a.cli(['event', 'deploy', 'v1.2 to eu'])
      assert.equal(sent.code, 0, sent.stderr)
      assert.match(sent.stdout, /^event deploy sent to \d+ peer\(s\) \(id [0-9a-f]{16}\)\n$/)
      const rows = () => [
        got[0]!,
        got[1]!,
        out
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as EventRow),
      ]
      const deploys = () => rows().map((r) => r.filter((e) => e.name === 'deploy'))
      await waitFor(() => deploys().every((d) => d.length > 0), { what: 'deploy on every agent' })
      // A later event from another author: once it is everywhere, a copy of the first would have had time to
      // arrive too.
      await c.cli(['event', 'marker'])
      await waitFor(() => rows().every((r) => r.some((e) => e.name === 'marker')), {
        what: 'marker everywhere',
      })
      for (const d of deploys()) {
        assert.equal(d.length, 1, 'exactly once')
        assert.equal(d[0]!.payload, 'v1.2 to eu')
        assert.equal(d[0]!.origin, infos[0]!.peerId)
        assert.equal(d[0]!.originName, 'a')
      }
    } finally {
      stream.kill('SIGINT')
    }

    const bad = await a.cli(['event', 'bad name'])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /^murmur: invalid event name 'bad name'.*\n$/)
    const big = await a.cli(['event', 'big', 'x'.repeat(8193)])
    assert.equal(big.code, 1)
    assert.match(big.stderr, /payload over 8192 bytes/)
  })

  it('two agents that join each other at once keep one connection, and events flow both ways over it', async () => {
    agents = ['a', 'b'].map((name) => new TestAgent({ name }).start())
    const infos = await Promise.all(agents.map((x) => x.ready()))
    const [ca, cb] = await Promise.all(agents.map((x) => AdminClient.connect(x.socket)))
    clients.push(ca!, cb!)
    // Simultaneous dials: each end dials the other, and libp2p alone would keep both connections.
    await Promise.all([
      ca!.call('join', { addrs: [loopbackAddr(infos[1]!)] }),
      cb!.call('join', { addrs: [loopbackAddr(infos[0]!)] }),
    ])
    type Info = { members: { alive: number }; membership: { connections: number; duplicatesClosed: number } }
    const views = await waitFor(
      async () => {
        const v = await Promise.all([ca!, cb!].map((c) => c.call<Info>('info', {})))
        return v.every((i) => i.members.alive === 2 && i.membership.connections === 1) ? v : undefined
      },
      { what: 'one connection each way round', timeoutMs: 20_000 },
    )
    console.log(`      duplicates closed: ${views.map((v) => v.membership.duplicatesClosed).join(', ')}`)
    for (const [from, to] of [
      [ca!, cb!],
      [cb!, ca!],
    ] as const) {
      const got: EventRow[] = []
      to.subscribe('events', {}, (_m, p) => got.push(p as EventRow))
      let n = 0
      await waitFor(
        async () => {
          await from.call('event', { name: 'hello', payload: String(n++) })
          return got.some((e) => e.name === 'hello')
        },
        { what: 'an event across the one connection', timeoutMs: 20_000 },
      )
    }
  })
})
