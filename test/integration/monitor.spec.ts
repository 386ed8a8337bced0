// `murmur monitor` streams an agent's log lines, also below the level the agent logs at.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { BIN, disposeAgents, loopbackAddr, TestAgent } from '../helpers/agents.js'
import { waitFor } from '../helpers/wait.js'

describe('murmur monitor', function () {
  this.timeout(60_000)
  let agents: TestAgent[] = []
  afterEach(async function () {
    await disposeAgents(agents.splice(0), this.currentTest?.state === 'failed')
  })

  it('streams debug lines from an agent that logs at warn, as JSON and for humans', async () => {
    agents = [
      new TestAgent({ name: 'a' }).start(['--log-level', 'warn']),
      new TestAgent({ name: 'b' }).start(),
    ]
    const [a, b] = agents as [TestAgent, TestAgent]
    const infos = await Promise.all(agents.map((x) => x.ready()))
    assert.equal((await b.cli(['join', loopbackAddr(infos[0]!)])).code, 0)
    await waitFor(async () => (await a.info()).members.alive === 2, { what: 'join' })

    const watch = (args: string[]) => {
      const p = spawn(process.execPath, [BIN, '--socket', a.socket, 'monitor', ...args])
      const seen = { out: '', err: '' }
      p.stdout.on('data', (d: Buffer) => {
        seen.out += d.toString()
      })
      p.stderr.on('data', (d: Buffer) => {
        seen.err += d.toString()
      })
      return { p, seen }
    }
    const json = watch(['--log-level', 'debug', '--json'])
    const human = watch(['--log-level', 'debug'])
    try {
      // A write on a has it sync with b within an interval (FAST_CONFIG: 500 ms), which it logs at
      // debug: written again while waiting, since a monitor may connect after the first session.
      let n = 0
      await waitFor(
        async () => {
          if (json.seen.out.includes('"level":"debug"') && / DEBUG /.test(human.seen.out)) return true
          assert.equal((await a.cli(['kv', 'set', 'monitor-test', String(n++)])).code, 0)
          return false
        },
        { what: 'debug lines on both monitors' },
      )
      const line = JSON.parse(json.seen.out.split('\n')[0]!) as Record<string, unknown>
      assert.ok(
        typeof line.time === 'string' && typeof line.component === 'string' && typeof line.msg === 'string',
      )
      assert.match(human.seen.out, /^\d{4}-\d\d-\d\dT\S+ (DEBUG|INFO |WARN |ERROR) \S+: /m)
      assert.ok(!a.logs.includes('"level":"debug"'), 'the agent itself still logs at warn')
      // Each says once, on stderr, that it is connected; stdout holds only log lines.
      for (const m of [json, human])
        assert.equal(m.seen.err, 'monitoring agent a at level debug; Ctrl-C to stop\n')
    } finally {
      json.p.kill('SIGINT')
      human.p.kill('SIGINT')
    }
    const bad = await a.cli(['monitor', '--log-level', 'loud'])
    assert.equal(bad.code, 2)
  })
})
