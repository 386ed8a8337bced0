// Queries across three real agents: the members that match ack and answer with their query
// handler, straight to the origin, and the CLI prints the answers and the counts.
import assert from 'node:assert/strict'
import { disposeAgents, loopbackAddr, TestAgent } from '../helpers/agents.js'
import { waitFor } from '../helpers/wait.js'

interface Line {
  kind: 'ack' | 'answer' | 'summary'
  from?: string
  fromName?: string | null
  payload?: string
  acks?: number
  answers?: number
}

describe('queries (3 agents on loopback)', function () {
  this.timeout(120_000)
  let agents: TestAgent[] = []

  afterEach(async function () {
    await disposeAgents(agents.splice(0), this.currentTest?.state === 'failed')
  })

  it('the matching members ack and answer; --node narrows it; a bad pattern is bad usage', async () => {
    const handlers = [
      { on: 'query:uptime', run: 'printf "up %s %s\\n" "$MURMUR_SELF_NAME" "$MURMUR_QUERY_PAYLOAD"' },
    ]
    const a = new TestAgent({ name: 'a' }).start()
    const b = new TestAgent({ name: 'b', config: { handlers } }).start()
    const c = new TestAgent({ name: 'c', config: { handlers } }).start()
    agents = [a, b, c]
    const infos = await Promise.all(agents.map((x) => x.ready()))
    assert.equal((await b.cli(['join', loopbackAddr(infos[0]!)])).code, 0)
    assert.equal((await c.cli(['join', loopbackAddr(infos[1]!)])).code, 0)
    for (const x of agents)
      await waitFor(async () => (await x.info()).members.alive === 3, { what: `${x.opts.name} sees 3` })

    // Gossipsub grafts the events topic's mesh within a heartbeat or two: ask until everyone hears.
    const lines = await waitFor(
      async () => {
        const r = await a.cli(['query', 'uptime', 'hi', '--timeout', '1500ms', '--json'])
        assert.equal(r.code, 0, r.stderr)
        const out = r.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Line)
        return out.at(-1)?.acks === 3 && out.at(-1)?.answers === 2 ? out : undefined
      },
      { what: 'three acks and two answers', timeoutMs: 40_000 },
    )
    const answers = lines.filter((l) => l.kind === 'answer').map((l) => `${l.fromName}: ${l.payload}`)
    assert.deepEqual(answers.sort(), ['b: up b hi\n', 'c: up c hi\n'])
    assert.deepEqual(
      lines
        .filter((l) => l.kind === 'ack')
        .map((l) => l.fromName)
        .sort(),
      ['a', 'b', 'c'],
      'the origin acks its own query: it matches',
    )

    const only = await a.cli(['query', 'uptime', '--node', 'b', '--timeout', '1500ms'])
    assert.equal(only.code, 0, only.stderr)
    assert.equal(only.stdout, 'b: up b \n1 ack, 1 answer\n')

    const bad = await a.cli(['query', 'uptime', '--node', '(unclosed'])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /^murmur: node pattern '\(unclosed' is not a valid regular expression/)
  })
})
