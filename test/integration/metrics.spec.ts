// Prometheus metrics: when on, GET /metrics on loopback parses as the text exposition format,
// and its counters move under load.
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { AdminClient } from '../../src/admin/client.js'
import { METRICS_MAX_CONNECTIONS, METRICS_TIMEOUT_MS } from '../../src/daemon/metrics.js'
import { STATE_TOPIC } from '../../src/gossip/delta-topic.js'
import { disposeAgents, freePort, loopbackAddr, TestAgent } from '../helpers/agents.js'
import { waitFor } from '../helpers/wait.js'

const SAMPLE =
  /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.]+(?:e[+-]?\d+)?|NaN|[+-]Inf)$/

/** Parses the text exposition format strictly: every line a comment or a sample. */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue
    const m = SAMPLE.exec(line)
    assert.ok(m, `not a Prometheus sample: ${line}`)
    out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]))
  }
  return out
}

describe('metrics', function () {
  this.timeout(60_000)
  let agents: TestAgent[] = []
  afterEach(async function () {
    await disposeAgents(agents.splice(0), this.currentTest?.state === 'failed')
  })

  it('GET /metrics parses as Prometheus text, and its counters move under load', async () => {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}/metrics`
    agents = [
      new TestAgent({
        name: 'a',
        config: { metrics: { enabled: true, listen: `127.0.0.1:${port}` } },
      }).start(),
      new TestAgent({ name: 'b' }).start(),
    ]
    const [a, b] = agents as [TestAgent, TestAgent]
    const infos = await Promise.all(agents.map((x) => x.ready()))
    assert.equal((await b.cli(['join', loopbackAddr(infos[0]!)])).code, 0)
    await waitFor(async () => (await a.info()).members.alive === 2, { what: 'join' })

    const scrape = async () => {
      const res = await fetch(url)
      assert.equal(res.status, 200)
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/)
      return parse(await res.text())
    }
    const before = await scrape()
    assert.equal(before.get('murmur_members{status="alive"}'), 2)
    for (const name of ['nodejs_memory_usage_bytes{memory="heapUsed"}', 'murmur_state_items{kind="keys"}']) {
      assert.ok(before.has(name), `${name} in ${[...before.keys()].slice(0, 20).join(' ')}`)
    }
    // Writes over the socket: a CLI process each would only slow the test.
    const [ca, cb] = await Promise.all([AdminClient.connect(a.socket), AdminClient.connect(b.socket)])
    try {
      for (let i = 0; i < 8; i++) await ca.call('kv.set', { key: `mine/${i}`, value: 'x' })
      for (let i = 0; i < 8; i++) await cb.call('kv.set', { key: `theirs/${i}`, value: 'y' })
    } finally {
      ca.close()
      cb.close()
    }
    const accepted = `murmur_gossip_messages_total{topic="${STATE_TOPIC}",direction="in",verdict="accept"}`
    let after = before
    await waitFor(
      async () => {
        after = await scrape()
        return (after.get('murmur_state_items{kind="keys"}') ?? 0) >= 16
      },
      { what: 'both agents writes on a' },
    )
    assert.ok((after.get(accepted) ?? 0) > (before.get(accepted) ?? 0), 'gossip received from b')
    assert.ok(
      (after.get('murmur_write_ack_seconds_count') ?? 0) >= 8,
      'a write-ack histogram sample per local write',
    )
    assert.ok((after.get('murmur_membership_packets_total{direction="out"}') ?? 0) > 0)
    await waitFor(async () => ((await scrape()).get('murmur_probe_rtt_seconds_count') ?? 0) > 0, {
      what: 'a probe answered',
    })
    assert.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404)
  })

  it('holds at most METRICS_MAX_CONNECTIONS idle connections, closes them after the timeout, and still serves', async () => {
    const port = await freePort()
    agents = [
      new TestAgent({
        name: 'a',
        config: { metrics: { enabled: true, listen: `127.0.0.1:${port}` } },
      }).start(),
    ]
    const [a] = agents as [TestAgent]
    await a.ready()
    assert.ok(!a.logs.includes('beyond loopback'), 'no warning on loopback')

    // 40 connections that send nothing, as the review's 2,000 did.
    let closed = 0
    const sockets = Array.from({ length: 40 }, () => {
      const s = connect(port, '127.0.0.1')
      s.on('error', () => {})
      s.on('close', () => closed++)
      return s
    })
    try {
      await waitFor(() => closed === 40 - METRICS_MAX_CONNECTIONS, {
        what: `the agent to close all but ${METRICS_MAX_CONNECTIONS}`,
        timeoutMs: 3000,
        intervalMs: 20,
      })
      assert.equal(sockets.filter((s) => !s.destroyed).length, METRICS_MAX_CONNECTIONS)
      assert.ok(a.logs.includes('metrics connection refused: too many open'))
      assert.equal((await a.info()).name, 'a', 'the agent answers')

      // One slot freed: a scrape gets through while the others are held.
      sockets.find((s) => !s.destroyed)?.destroy()
      const held = Date.now()
      await waitFor(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(1000) })
          return res.status === 200 && (await res.text()).includes('murmur_members')
        },
        { what: 'a scrape beside the held connections', timeoutMs: 3000 },
      )
      // The held ones are closed by the agent once idle for the timeout.
      await waitFor(() => sockets.every((s) => s.destroyed), {
        what: 'the idle connections to be closed',
        timeoutMs: METRICS_TIMEOUT_MS + 3000,
      })
      assert.ok(Date.now() - held < METRICS_TIMEOUT_MS + 3000)
    } finally {
      for (const s of sockets) s.destroy()
    }
  })
})
