// Replicated state through the CLI with real agents on 127.0.0.1: convergence, catch-up, late join, watch.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { BIN, disposeAgents, type Info, TestAgent } from '../helpers/agents.js'
import { waitFor } from '../helpers/wait.js'

const loopbackAddr = (info: Info) => info.addresses.find((a) => a.includes('127.0.0.1'))!

async function converged(agents: TestAgent[]): Promise<string | undefined> {
  const digests = await Promise.all(agents.map(async (a) => (await a.info()).state?.digest))
  return digests.every((d) => d !== undefined && d === digests[0]) ? digests[0] : undefined
}

describe('replicated state (agents on loopback)', function () {
  this.timeout(120_000)
  let agents: TestAgent[] = []

  afterEach(async function () {
    await disposeAgents(agents.splice(0), this.currentTest?.state === 'failed')
  })

  it('CLI semantics of kv, set and counter on one agent', async () => {
    const a = new TestAgent({ name: 'one' }).start()
    agents = [a]
    await a.ready()
    assert.equal((await a.cli(['kv', 'set', 'greeting', 'hello world'])).code, 0)
    assert.equal((await a.cli(['kv', 'get', 'greeting'])).stdout, 'hello world\n')
    assert.equal((await a.cli(['kv', 'set', 'cfg', '{"n":1,"tags":["x"]}', '--json'])).code, 0)
    assert.deepEqual(JSON.parse((await a.cli(['kv', 'get', 'cfg'])).stdout), { n: 1, tags: ['x'] })
    const badJson = await a.cli(['kv', 'set', 'cfg', '{nope', '--json'])
    assert.equal(badJson.code, 2)
    assert.match(badJson.stderr, /not valid JSON/)

    const missing = await a.cli(['kv', 'get', 'nothing-here'])
    assert.equal(missing.code, 1)
    assert.equal(missing.stdout, '')
    assert.match(missing.stderr, /key 'nothing-here' not found/)

    const tooBig = await a.cli(['kv', 'set', 'big', 'x'.repeat(70 * 1024)])
    assert.equal(tooBig.code, 1)
    assert.match(tooBig.stderr, /65536|64 KiB/)
    const longKey = await a.cli(['kv', 'set', 'k'.repeat(600), 'v'])
    assert.notEqual(longKey.code, 0)
    assert.match(longKey.stderr, /512/)

    assert.equal((await a.cli(['kv', 'del', 'greeting'])).code, 0)
    assert.equal((await a.cli(['kv', 'get', 'greeting'])).code, 1)
    assert.deepEqual(await a.json(['kv', 'list', '--prefix', 'c']), [
      { key: 'cfg', value: { n: 1, tags: ['x'] } },
    ])

    await a.cli(['set', 'add', 'fruits', 'apple', 'pear', 'plum'])
    await a.cli(['set', 'rm', 'fruits', 'pear'])
    assert.equal((await a.cli(['set', 'members', 'fruits'])).stdout, 'apple\nplum\n')
    assert.deepEqual(await a.json(['set', 'members', 'fruits']), ['apple', 'plum'])

    assert.equal((await a.cli(['counter', 'incr', 'hits', '5'])).stdout, '5\n')
    assert.equal((await a.cli(['counter', 'decr', 'hits'])).stdout, '4\n')
    assert.equal((await a.cli(['counter', 'get', 'hits'])).stdout, '4\n')
    assert.equal((await a.cli(['counter', 'incr', 'hits', '-3'])).code, 2)
    assert.deepEqual(await a.json(['counter', 'list']), [{ name: 'hits', value: 4 }])
    assert.deepEqual(await a.json(['set', 'list']), [{ name: 'fruits', size: 2 }])

    // A value near the 64 KiB limit, from stdin (past what fits in one argument on some systems).
    const large = `${'v'.repeat(65_000)}\n`
    assert.equal((await a.cli(['kv', 'set', 'large', '-'], large)).code, 0)
    assert.equal((await a.cli(['kv', 'get', 'large'])).stdout, `${large}\n`)
  })

  it('writes on three agents converge to one digest; a down agent and a late joiner catch up', async () => {
    agents = ['a', 'b', 'c'].map((name) => new TestAgent({ name }).start())
    const [a, b, c] = agents as [TestAgent, TestAgent, TestAgent]
    const infos = await Promise.all(agents.map((x) => x.ready()))
    await b.cli(['join', loopbackAddr(infos[0]!)])
    await c.cli(['join', loopbackAddr(infos[0]!)])

    await Promise.all([
      a.cli(['kv', 'set', 'from-a', '1']),
      b.cli(['kv', 'set', 'from-b', '2']),
      c.cli(['set', 'add', 'team', 'carol']),
      a.cli(['counter', 'incr', 'visits', '3']),
      b.cli(['counter', 'incr', 'visits', '4']),
    ])
    const digest = await waitFor(() => converged(agents), {
      what: 'three agents to agree',
      timeoutMs: 20_000,
    })
    assert.equal((await c.cli(['kv', 'get', 'from-a'])).stdout, '1\n')
    assert.equal((await a.cli(['counter', 'get', 'visits'])).stdout, '7\n')
    assert.equal((await b.cli(['set', 'members', 'team'])).stdout, 'carol\n')
    assert.match(digest, /^[0-9a-f]{64}$/)

    // c goes down; writes continue; c restarts on its data dir and catches up by itself.
    c.kill('SIGKILL')
    await c.waitExit()
    for (let i = 0; i < 20; i++) await (i % 2 ? a : b).cli(['kv', 'set', `while-down-${i}`, `v${i}`])
    await a.cli(['set', 'rm', 'team', 'carol'])
    c.start()
    await c.ready()
    await waitFor(() => converged(agents), { what: 'restarted agent to catch up', timeoutMs: 20_000 })
    assert.equal((await c.cli(['kv', 'get', 'while-down-19'])).stdout, 'v19\n')
    assert.equal((await c.cli(['set', 'members', 'team'])).stdout, '')

    // A late joiner receives the whole state.
    const d = new TestAgent({ name: 'd' }).start()
    agents.push(d)
    await d.ready()
    await d.cli(['join', loopbackAddr(infos[1]!)])
    await waitFor(() => converged(agents), { what: 'late joiner to receive the state', timeoutMs: 20_000 })
    assert.equal((await d.json<unknown[]>(['kv', 'list'])).length, 22)
  })

  it('deletes are collected and origins that left retired after the horizon; an agent away that long drops its stale copy on return', async () => {
    const config = { sync: { intervalMs: 500, tombstoneHorizonMs: 2000 } }
    agents = ['a', 'b', 'c'].map((name) => new TestAgent({ name, config }).start())
    const [a, b, c] = agents as [TestAgent, TestAgent, TestAgent]
    const [ia] = await Promise.all([a.ready(), b.ready(), c.ready()])
    await b.cli(['join', loopbackAddr(ia)])
    await c.cli(['join', loopbackAddr(ia)])
    await c.cli(['kv', 'set', 'owner', 'c'])
    await a.cli(['kv', 'set', 'gone', 'old'])
    await a.cli(['kv', 'set', 'kept', '1'])
    await a.cli(['set', 'add', 'team', 'alice', 'bob'])
    await waitFor(() => converged(agents), { what: 'three agents to hold the writes', timeoutMs: 20_000 })
    // c leaves the mesh for good, and its only value is overwritten: a retires its origin later.
    await c.cli(['leave'])
    await c.waitExit()
    agents.pop()
    await a.cli(['kv', 'set', 'owner', 'a'])
    await waitFor(() => converged(agents), { what: 'b to hold the overwrite', timeoutMs: 20_000 })

    // b is away while a deletes; a keeps the tombstones for the horizon, then collects them.
    b.kill('SIGTERM')
    assert.equal(await b.waitExit(), 0)
    await a.cli(['kv', 'del', 'gone'])
    await a.cli(['set', 'rm', 'team', 'bob'])
    const tombstones = async (x: TestAgent) => (await x.info()).state?.tombstones
    assert.equal(await tombstones(a), 2)
    await waitFor(async () => (await tombstones(a)) === 0, {
      what: 'a to collect its tombstones',
      timeoutMs: 20_000,
    })
    assert.match(a.logs, /"msg":"tombstones collected"/)
    const origins = async (x: TestAgent) => (await x.info()).state?.origins
    await waitFor(async () => (await origins(a))?.retired === 1, { what: 'a to retire c', timeoutMs: 20_000 })
    assert.equal((await origins(a))?.active, 1, 'a alone: b never wrote')
    assert.match((await a.cli(['info'])).stdout, /origins:\s+1 \(1 retired\)/)

    // b returns with its old copy: it gets a full state transfer and drops what was deleted.
    b.start()
    await b.ready()
    await waitFor(() => converged(agents), { what: 'b to catch up with the deletes', timeoutMs: 20_000 })
    assert.equal((await b.cli(['kv', 'get', 'gone'])).code, 1)
    assert.equal((await b.cli(['kv', 'get', 'kept'])).stdout, '1\n')
    assert.equal((await b.cli(['set', 'members', 'team'])).stdout, 'alice\n')
    assert.equal((await b.cli(['kv', 'get', 'owner'])).stdout, 'a\n')
    assert.match(a.logs + b.logs, /"msg":"full state transfer"/)
  })

  it('watch streams local and remote changes as JSON lines', async () => {
    agents = ['w1', 'w2'].map((name) => new TestAgent({ name }).start())
    const [w1, w2] = agents as [TestAgent, TestAgent]
    const infos = await Promise.all(agents.map((x) => x.ready()))
    await w2.cli(['join', loopbackAddr(infos[0]!)])
    await waitFor(async () => (await w2.info()).members.alive === 2, { what: 'join' })

    const watcher = spawn(process.execPath, [BIN, '--socket', w1.socket, 'watch', '--prefix', 'app/'])
    let out = ''
    watcher.stdout.on('data', (d: Buffer) => {
      out += d.toString()
    })
    try {
      // The subscription is live once a local write shows up (a new value each time: rewriting
      // the same value is not a change).
      let n = 0
      await waitFor(
        async () => {
          await w1.cli(['kv', 'set', 'app/local', `L${n++}`])
          return out.includes('app/local')
        },
        { what: 'watch to start', timeoutMs: 30_000 },
      )
      await w2.cli(['kv', 'set', 'app/remote', 'R'])
      await w2.cli(['kv', 'set', 'other/ignored', 'x'])
      await w2.cli(['set', 'add', 'app/s', 'e'])
      await w2.cli(['counter', 'incr', 'app/c'])
      await waitFor(() => ['app/remote', 'app/s', 'app/c'].every((k) => out.includes(k)), {
        what: 'remote changes on watch',
        timeoutMs: 30_000,
      })
      type Line = { kind: string; key?: string; name?: string; value: unknown; origin: string }
      const lines = out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Line)
      const w2id = infos[1]!.peerId
      assert.ok(lines.some((l) => l.kind === 'kv' && l.key === 'app/remote' && l.value === 'R'))
      assert.ok(lines.every((l) => (l.key ?? l.name)!.startsWith('app/')))
      // Every change names its writer, sets and counters too.
      assert.ok(
        lines.some((l) => l.kind === 'set' && l.name === 'app/s' && l.origin === w2id),
        out,
      )
      assert.ok(
        lines.some((l) => l.kind === 'counter' && l.name === 'app/c' && l.origin === w2id),
        out,
      )
      assert.ok(
        lines.every((l) => l.origin === w2id || l.origin === infos[0]!.peerId),
        out,
      )
    } finally {
      watcher.kill('SIGINT')
    }
  })
})
