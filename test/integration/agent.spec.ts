// One real agent: CLI conventions, config validation, data-dir ownership, admin socket robustness.
import assert from 'node:assert/strict'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli, TestAgent } from '../helpers/agents.js'
import { waitFor } from '../helpers/wait.js'

/** Writes raw bytes to the socket and resolves with what came back before the server or we closed. */
function rawExchange(
  socket: string,
  data: string,
  opts: { waitForLine?: boolean; abortAfterWrite?: boolean } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = createConnection(socket)
    let got = ''
    conn.on('error', reject)
    conn.on('data', (d) => {
      got += d.toString()
      if (opts.waitForLine && got.includes('\n')) conn.end()
    })
    conn.on('close', () => resolve(got))
    conn.write(data, () => {
      if (opts.abortAfterWrite) conn.destroy()
    })
  })
}

describe('agent and CLI (single agent)', function () {
  this.timeout(60_000)
  let agent: TestAgent

  before(async () => {
    agent = new TestAgent({ name: 'solo' }).start()
    await agent.ready()
  })

  after(async () => {
    await agent.dispose()
  })

  it('info shows identity, addresses and counts; --json is machine-readable', async () => {
    const human = await agent.cli(['info'])
    assert.equal(human.code, 0)
    assert.match(human.stdout, /peer id:\s+12D3Koo/)
    const info = await agent.json<{ name: string; members: Record<string, number>; version: string }>([
      'info',
    ])
    assert.equal(info.name, 'solo')
    assert.equal(info.members.alive, 1)
    assert.match(info.version, /^\d+\.\d+\.\d+/)
  })

  it('prints what peers chose (tags, keys, values) escaped, one row each; --json and pipes stay exact', async () => {
    const hostile = 'x\x1b]0;HIJACK\x07\x1b[2J\nFAKE  12D3KooWFAKE  alive'
    const shown = 'x\\x1b]0;HIJACK\\x07\\x1b[2J\\nFAKE  12D3KooWFAKE  alive'
    assert.equal((await agent.cli(['tags', 'set', `evil=${hostile}`])).stdout, `evil=${shown}\n`)
    assert.equal((await agent.cli(['kv', 'set', hostile, `v\x9b\u202e${hostile}`])).code, 0)
    try {
      const members = await agent.cli(['members'])
      assert.equal(members.code, 0)
      const rows = members.stdout.trimEnd().split('\n')
      assert.equal(rows.length, 2, members.stdout)
      assert.ok(rows[1]?.includes(`evil=${shown}`), rows[1])
      const list = await agent.cli(['kv', 'list'])
      assert.deepEqual(list.stdout.trimEnd().split('\n').slice(1), [`${shown}  v\\x9b\\u202e${shown}`])
      const raw = [...members.stdout, ...list.stdout].filter((c) => {
        const n = c.charCodeAt(0)
        return (n < 0x20 && c !== '\n') || (n >= 0x7f && n <= 0x9f) || (n >= 0x202a && n <= 0x202e)
      })
      assert.deepEqual(raw, [], 'no control or bidi character printed raw')
      // Machines get the exact text.
      const [self] = await agent.json<Array<{ tags: Record<string, string> }>>(['members'])
      assert.equal(self?.tags.evil, hostile)
      const entries = await agent.json<Array<{ key: string; value: string }>>(['kv', 'list'])
      assert.deepEqual(entries, [{ key: hostile, value: `v\x9b\u202e${hostile}` }])
      assert.equal((await agent.cli(['kv', 'get', hostile])).stdout, `v\x9b\u202e${hostile}\n`)
    } finally {
      await agent.cli(['tags', 'del', 'evil'])
      await agent.cli(['kv', 'del', hostile])
    }
  })

  it('keeps its admin socket owner-only', () => {
    assert.equal(statSync(agent.socket).mode & 0o777, 0o600)
  })

  it('a client with no agent prints one line and exits 1', async () => {
    const missing = join(tmpdir(), 'murmur-nobody-here.sock')
    const r = await runCli(['--socket', missing, 'members'])
    assert.equal(r.code, 1)
    assert.equal(r.stderr, `murmur: no murmur agent at ${missing}: is it running?\n`)
    const viaEnv = await runCli(['info'], { MURMUR_SOCKET: missing })
    assert.equal(viaEnv.code, 1)
    assert.match(viaEnv.stderr, /no murmur agent at/)
  })

  it('usage errors exit 2 and every command has --help', async () => {
    assert.equal((await agent.cli(['members', '--status', 'sleepy'])).code, 2)
    assert.equal((await agent.cli(['no-such-command'])).code, 2)
    for (const cmd of [['agent'], ['members'], ['kv', 'set'], ['tags', 'del'], ['watch']]) {
      const r = await runCli([...cmd, '--help'])
      assert.equal(r.code, 0, `${cmd.join(' ')} --help`)
      assert.match(r.stdout, /Usage: murmur/)
    }
  })

  it('a second agent on the same data dir fails clearly and the first keeps serving', async () => {
    const twin = new TestAgent({ name: 'twin', dataDir: agent.dataDir }).start()
    assert.equal(await twin.waitExit(), 1)
    assert.match(twin.logs, /in use by another murmur agent|already running/)
    // Said once, as one text line (not also as a JSON log line).
    const said = twin.logs.split('\n').filter((l) => /in use by another murmur agent|already running/.test(l))
    assert.equal(said.length, 1, twin.logs)
    assert.match(said[0]!, /^murmur: /)
    assert.equal((await agent.cli(['info'])).code, 0)
    await twin.dispose(true)
  })

  it('bad JSON, unknown methods, oversized lines and vanishing clients leave it serving', async () => {
    const bad = await rawExchange(agent.socket, '{not json\n', { waitForLine: true })
    assert.match(bad, /"code":-32700/)
    const unknown = await rawExchange(agent.socket, '{"jsonrpc":"2.0","id":1,"method":"nope"}\n', {
      waitForLine: true,
    })
    assert.match(unknown, /"code":-32601/)
    const badParams = await rawExchange(
      agent.socket,
      '{"jsonrpc":"2.0","id":2,"method":"members","params":{"status":7}}\n',
      { waitForLine: true },
    )
    assert.match(badParams, /"code":-32602/)
    const huge = await rawExchange(
      agent.socket,
      `{"jsonrpc":"2.0","id":3,"method":"info","params":{"x":"${'a'.repeat(2 * 1024 * 1024)}"}}\n`,
    )
    assert.match(huge, /exceeds/)
    await rawExchange(agent.socket, '{"jsonrpc":"2.0","id":4,"method":"info"}\n', { abortAfterWrite: true })
    const info = await agent.cli(['info', '--json'])
    assert.equal(info.code, 0)
    assert.ok(agent.running)
  })

  it('rejects an unknown config key or a bad value with one line naming it', async () => {
    const cfg = join(tmpdir(), `murmur-bad-${process.pid}.json`)
    writeFileSync(cfg, JSON.stringify({ membership: { probeIntervalMs: 'soon' } }))
    const r = await runCli([
      'agent',
      '--config',
      cfg,
      '--data-dir',
      join(tmpdir(), `murmur-bad-${process.pid}`),
      '--no-mdns',
    ])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /membership\.probeIntervalMs/)
    writeFileSync(cfg, JSON.stringify({ gossipFanout: 3 }))
    const r2 = await runCli(['agent', '--config', cfg, '--no-mdns'])
    assert.equal(r2.code, 1)
    assert.match(r2.stderr, /unknown key gossipFanout/)
    const r3 = await runCli([
      'agent',
      '--listen',
      'not-a-multiaddr',
      '--no-mdns',
      '--data-dir',
      join(tmpdir(), `murmur-bad2-${process.pid}`),
    ])
    // A bad flag is bad usage: exit 2, one line naming the flag.
    assert.equal(r3.code, 2)
    assert.equal(
      r3.stderr,
      "murmur: --listen: 'not-a-multiaddr' is not a multiaddr; e.g. /ip4/10.0.0.2/tcp/7946\n",
    )
    // A config file's bad value still fails (exit 1), named by its key, in one line.
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
  })

  it('SIGHUP reloads tags and log level from the config file', async () => {
    const cfg = JSON.parse(readFileSync(agent.configPath, 'utf8')) as Record<string, unknown>
    writeFileSync(agent.configPath, JSON.stringify({ ...cfg, tags: { role: 'reloaded' } }))
    agent.kill('SIGHUP')
    await waitFor(
      async () => {
        const [self] = await agent.json<Array<{ tags: Record<string, string> }>>(['members'])
        return self?.tags.role === 'reloaded'
      },
      { what: 'tags to be reloaded' },
    )
    assert.match(agent.logs, /config reloaded/)
    assert.ok(agent.running)
  })

  it('SIGTERM means a graceful leave and exit 0; a second signal at once (Ctrl-C under npm) is the same stop', async () => {
    const other = new TestAgent({ name: 'term' }).start()
    await other.ready()
    other.kill('SIGTERM')
    other.kill('SIGINT')
    assert.equal(await other.waitExit(), 0)
    assert.doesNotMatch(other.logs, /exiting at once/)
    await waitFor(() => /agent stopped/.test(other.logs), { what: 'stop log line' })
    await other.dispose()
  })
})
