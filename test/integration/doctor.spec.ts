// `murmur doctor` against real agents: a lone agent is told so, a joined one is healthy.
import assert from 'node:assert/strict'
import { disposeAgents, loopbackAddr, runCli, TestAgent } from '../helpers/agents.js'
import { waitFor } from '../helpers/wait.js'

interface Finding {
  check: string
  status: string
  detail: string
}

describe('murmur doctor', function () {
  this.timeout(60_000)
  let agents: TestAgent[] = []
  afterEach(async function () {
    await disposeAgents(agents.splice(0), this.currentTest?.state === 'failed')
  })

  it('says what is wrong, and exits 1 when no agent answers', async () => {
    agents = ['a', 'b'].map((name) => new TestAgent({ name }).start())
    const [a, b] = agents as [TestAgent, TestAgent]
    const infos = await Promise.all(agents.map((x) => x.ready()))
    const by = (fs: Finding[]) => Object.fromEntries(fs.map((f) => [f.check, f]))

    const alone = by(await a.json<Finding[]>(['doctor']))
    assert.equal(alone.members?.status, 'warn')
    assert.match(alone.members!.detail, /^alone/)
    assert.equal(alone.listen?.status, 'warn', 'test agents listen on loopback only')
    assert.equal(alone.socket?.status, 'ok')
    assert.equal(alone.disk?.status === 'ok' || alone.disk?.status === 'warn', true)

    assert.equal((await b.cli(['join', loopbackAddr(infos[0]!)])).code, 0)
    await waitFor(
      async () => {
        const f = by(await a.json<Finding[]>(['doctor']))
        return f.members?.status === 'ok' && f.connections?.status === 'ok' && f.sync?.status === 'ok'
      },
      { what: 'doctor to find the pair healthy' },
    )
    const table = await a.cli(['doctor'])
    assert.equal(table.code, 0, table.stderr)
    assert.match(table.stdout, /^STATUS +CHECK +DETAIL\n/)
    assert.match(table.stdout, /\nOK +members +2 alive\n/)

    const none = await runCli(['doctor', '--socket', `${a.socket}.missing`])
    assert.equal(none.code, 1)
    assert.match(none.stdout, /FAIL +agent +no agent answers on /)
  })
})
