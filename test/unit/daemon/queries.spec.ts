// Queries in the agent, without libp2p: an origin and two members on the in-memory net, the request
// handed over as the internal event it travels as, handlers faked; then the real handler runner's
// part (a query handler's stdout is the answer, within its bounds).
import assert from 'node:assert/strict'
import { HandlerRunner } from '../../../src/daemon/handlers.js'
import { Queries } from '../../../src/daemon/queries.js'
import type { QueryResponse } from '../../../src/events/query.js'
import { QUERY_EVENT } from '../../../src/events/query.js'
import type { UserEvent } from '../../../src/events/user-events.js'
import { ed25519Signer, ed25519Verifier } from '../../../src/membership/claims.js'
import { createLogger, silentLogger } from '../../../src/util/log.js'
import { waitFor } from '../../helpers/wait.js'
import { FakeNet, type FakeNode } from '../gossip/fake-net.js'

interface Agent {
  node: FakeNode
  queries: Queries
  name: string
  tags: Record<string, string>
  /** What its handlers answer with; undefined: it has none. */
  answer?: string
  heard: number
}

describe('queries in the agent', () => {
  let net: FakeNet
  let agents: Agent[]
  let published: UserEvent[]

  async function agent(name: string, tags: Record<string, string>, answer?: string): Promise<Agent> {
    const node = await net.node()
    const a: Agent = { node, name, tags, answer, heard: 0, queries: undefined as unknown as Queries }
    a.queries = new Queries(
      {
        selfId: node.id,
        self: () => ({ name: a.name, tags: a.tags }),
        nameOf: (id) => agents.find((x) => x.node.id === id)?.name,
        isMember: (id) => agents.some((x) => x.node.id === id),
        publish: async (evName, payload) => {
          const e: UserEvent = { id: `${published.length}`, name: evName, payload, origin: node.id, ts: 0 }
          published.push(e)
          for (const other of agents) if (other !== a) other.queries.onInternalEvent(e)
          return { recipients: agents.length - 1 }
        },
        dispatch: (ev) => {
          a.heard++
          if (a.answer === undefined) return 0
          setImmediate(() => ev.reply?.(new TextEncoder().encode(a.answer)))
          return 1
        },
        signer: ed25519Signer(node.privateKey),
        verifier: ed25519Verifier(),
      },
      node.components(),
    )
    await a.queries.start()
    return a
  }

  beforeEach(async () => {
    net = new FakeNet()
    published = []
    agents = []
    agents.push(await agent('origin', { role: 'ops' }))
    agents.push(await agent('web-1', { role: 'web' }, 'up 3d'))
    agents.push(await agent('db-1', { role: 'db' }))
  })
  afterEach(async () => {
    for (const a of agents) await a.queries.stop()
  })

  async function run(params: Parameters<Queries['run']>[0], until: (got: QueryResponse[]) => boolean) {
    const got: QueryResponse[] = []
    const done = agents[0]!.queries.run({ timeoutMs: 2000, ...params }, (r) => got.push(r))
    await waitFor(() => until(got), { what: 'the responses expected' })
    net.clock.advance(2000)
    return { got, summary: await done }
  }

  it('every matching member acks, those with a handler answer, the origin included', async () => {
    const { got, summary } = await run({ name: 'uptime', payload: 'x' }, (g) => g.length === 4)
    const names = (kind: string) =>
      got
        .filter((r) => r.kind === kind)
        .map((r) => agents.find((a) => a.node.id === r.from)!.name)
        .sort()
    assert.deepEqual(names('ack'), ['db-1', 'origin', 'web-1'])
    assert.deepEqual(names('answer'), ['web-1'])
    assert.equal(got.find((r) => r.kind === 'answer')?.payload, 'up 3d')
    assert.equal(summary.acks, 3)
    assert.equal(summary.answers, 1)
    assert.equal(summary.recipients, 2)
    assert.equal(published[0]!.name, QUERY_EVENT)
  })

  it('only the members the filter matches take part', async () => {
    const { got } = await run(
      { name: 'uptime', tags: { role: 'web|db' }, node: '.*-1' },
      (g) => g.length === 3,
    )
    await new Promise((r) => setTimeout(r, 50))
    assert.equal(got.length, 3, 'web-1 acks and answers, db-1 acks, origin does not match')
    assert.equal(agents[0]!.heard, 0)
    const only = await run({ name: 'uptime', node: 'db-1' }, (g) => g.length === 1)
    assert.equal(only.got[0]!.kind, 'ack')
    assert.equal(agents[1]!.heard, 1, 'web-1 did not run its handler for a query not for it')
  })

  it('a bad pattern is INVALID_INPUT and nothing is sent', async () => {
    await assert.rejects(
      agents[0]!.queries.run({ name: 'q', node: '(' }, () => {}),
      { code: 'INVALID_INPUT' },
    )
    assert.equal(published.length, 0)
    assert.equal(agents[0]!.queries.collector.isOpen('x'), false)
  })

  it("a member mutes an author whose patterns run out of time, and bounds each author's requests", () => {
    const web = agents[1]!
    web.tags = { t: `${'a'.repeat(400)}!` }
    const request = (tags: Record<string, string>, id: number): UserEvent => ({
      id: String(id),
      name: QUERY_EVENT,
      payload: JSON.stringify({
        v: 1,
        id: id.toString(16).padStart(16, '0'),
        name: 'q',
        payload: '',
        timeoutMs: 1000,
        tags,
      }),
      origin: agents[2]!.node.id,
      ts: 0,
    })
    web.queries.onInternalEvent(request({ t: '(a+)+' }, 1))
    web.queries.onInternalEvent(request({ t: '.*' }, 2))
    assert.equal(web.heard, 0, 'muted after the catastrophic pattern')
    net.clock.advance(60_000)
    for (let i = 0; i < 30; i++) web.queries.onInternalEvent(request({ t: '.*' }, 10 + i))
    assert.equal(web.heard, 20, 'a burst of 20, then dropped')
  })
})

describe('query handlers', () => {
  let runner: HandlerRunner | undefined
  let logs: string[]
  afterEach(() => runner?.stop())

  const ev = (name: string, replies: Uint8Array[], deadline = Date.now() + 10_000) => ({
    kind: 'query' as const,
    subject: name,
    data: { name, payload: 'p' },
    env: { MURMUR_QUERY_NAME: name, MURMUR_QUERY_PAYLOAD: 'p' },
    maxReplyBytes: 16,
    deadline,
    reply: (b: Uint8Array) => replies.push(b),
  })

  it("answer with a handler's stdout when it exits 0 within the limit, else not", async () => {
    logs = []
    runner = new HandlerRunner(
      createLogger('handlers', { level: 'debug', write: (l) => logs.push(l) }),
      { id: 'SELF', name: () => 'me' },
      [
        { on: 'query:ok', run: 'printf "%s-%s" "$MURMUR_QUERY_NAME" "$(cat | head -c 9)"' },
        { on: 'query:big', run: 'head -c 17 /dev/zero' },
        { on: 'query:fail', run: 'echo no; exit 3' },
        { on: 'query:quiet', run: 'true' },
      ],
    )
    const got: Record<string, Uint8Array[]> = { ok: [], big: [], fail: [], quiet: [], late: [] }
    for (const name of ['ok', 'big', 'fail', 'quiet']) assert.equal(runner.dispatch(ev(name, got[name]!)), 1)
    assert.equal(runner.dispatch(ev('ok', got.late!, Date.now() - 1)), 1)
    assert.equal(runner.dispatch(ev('none', [])), 0, 'no handler: nothing selected')
    await waitFor(() => runner!.counts.run === 4 && logs.some((l) => l.includes('not sent')), {
      what: 'four runs',
    })
    await waitFor(() => got.ok!.length === 1, { what: 'the answer' })
    assert.equal(Buffer.from(got.ok![0]!).toString(), 'ok-{"event":')
    assert.deepEqual([got.big!.length, got.fail!.length, got.quiet!.length, got.late!.length], [0, 0, 0, 0])
  })

  it('a query handler is killed at the query deadline when its own timeout is later', async () => {
    runner = new HandlerRunner(silentLogger, { id: 'S', name: () => 'me' }, [
      { on: 'query:slow', run: 'sleep 30' },
    ])
    const t0 = Date.now()
    runner.dispatch(ev('slow', [], Date.now() + 300))
    await waitFor(() => runner!.counts.timedOut === 1, { what: 'the kill' })
    assert.ok(Date.now() - t0 < 5000)
  })
})
