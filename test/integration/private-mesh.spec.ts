// A private mesh: only agents holding the same swarm key can connect.
import assert from 'node:assert/strict'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { disposeAgents, type Info, TestAgent } from '../helpers/agents.js'
import { waitFor } from '../helpers/wait.js'

describe('private mesh (swarm key)', function () {
  this.timeout(60_000)
  let agents: TestAgent[] = []

  afterEach(async function () {
    await disposeAgents(agents.splice(0), this.currentTest?.state === 'failed')
  })

  it('agents with the key mesh; an agent without it cannot join', async () => {
    const a = new TestAgent({ name: 'pa' })
    const key = join(a.dataDir, 'swarm.key')
    const gen = await a.cli(['keygen', key])
    assert.equal(gen.code, 0, gen.stderr)
    assert.equal(statSync(key).mode & 0o777, 0o600)
    assert.equal((await a.cli(['keygen', key])).code, 2, 'keygen never overwrites')

    const b = new TestAgent({ name: 'pb' })
    const outsider = new TestAgent({ name: 'po' })
    agents = [a, b, outsider]
    a.start(['--swarm-key', key])
    b.start(['--swarm-key', key])
    outsider.start()
    const [ia] = (await Promise.all(agents.map((x) => x.ready()))) as [Info]
    const addr = ia.addresses.find((x) => x.includes('127.0.0.1'))!

    assert.equal((await b.cli(['join', addr])).code, 0)
    await waitFor(async () => (await a.json<Info>(['info'])).members.alive === 2, { what: 'a and b to mesh' })

    const refused = await outsider.cli(['join', addr])
    assert.equal(refused.code, 1)
    assert.match(refused.stdout, /reached 0 of 1/)
    assert.equal((await a.json<Info>(['info'])).members.alive, 2)
  })

  it('refuses a malformed swarm key file with a clear line', async () => {
    const a = new TestAgent({ name: 'pbad' })
    agents = [a]
    a.start(['--swarm-key', a.configPath])
    assert.equal(await a.waitExit(), 1)
    assert.match(a.logs, /not in the pnet format/)
  })
})
