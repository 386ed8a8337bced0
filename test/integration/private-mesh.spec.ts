// A private mesh: only agents holding the same swarm key can connect.
import assert from 'node:assert/strict'
import { chmodSync, copyFileSync, statSync } from 'node:fs'
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
    const a = new TestAgent({ name: 'pa', swarmKey: 'own' })
    const key = join(a.dataDir, 'made.key')
    const gen = await a.cli(['keygen', key])
    assert.equal(gen.code, 0, gen.stderr)
    assert.equal(statSync(key).mode & 0o777, 0o600)
    assert.equal((await a.cli(['keygen', key])).code, 2, 'keygen never overwrites')

    const b = new TestAgent({ name: 'pb' })
    const outsider = new TestAgent({ name: 'po', swarmKey: 'own' })
    agents = [a, b, outsider]
    a.start(['--swarm-key', key])
    b.start(['--swarm-key', key])
    const [ia] = (await Promise.all([a, b].map((x) => x.ready()))) as [Info]
    const addr = ia.addresses.find((x) => x.includes('127.0.0.1'))!
    // Told to join, yet without the mesh's key: it makes its own and says that this cannot work.
    outsider.start(['--join', addr])
    await outsider.ready()
    assert.match(
      outsider.logs,
      /"level":"warn".*created a new swarm key, but this agent is told to join a mesh/,
    )

    assert.equal((await b.cli(['join', addr])).code, 0)
    await waitFor(async () => (await a.info()).members.alive === 2, { what: 'a and b to mesh' })

    const refused = await outsider.cli(['join', addr])
    assert.equal(refused.code, 1)
    assert.match(refused.stdout, /reached 0 of 1/)
    // The refused agent can tell: join says so, its log says so, doctor fails naming its key file.
    const outsiderKey = join(outsider.dataDir, 'swarm.key')
    assert.match(
      refused.stderr,
      new RegExp(`could not reach \\S+: the peer refused our swarm key .*\\(ours: ${outsiderKey}\\)`),
    )
    assert.match(
      outsider.logs,
      /"level":"warn".*refused our swarm key: it hung up in the private-mesh handshake/,
    )
    const doctor = await outsider.cli(['doctor'])
    assert.equal(doctor.code, 1)
    assert.match(doctor.stdout, new RegExp(`FAIL +swarm key +\\d+ dial\\(s\\) refused .*${outsiderKey}`))
    assert.equal((await a.info()).members.alive, 2)
    await waitFor(
      () => /swarm key mismatch: the peer at \S+ uses a different swarm key, or none/.test(a.logs),
      {
        what: 'a to log the mismatch',
      },
    )
    // The outsider never shows up as a member and never reads the mesh's state.
    assert.equal((await a.cli(['kv', 'set', 'secret', 's3cr3t'])).code, 0)
    await waitFor(async () => (await b.cli(['kv', 'get', 'secret'])).stdout === 's3cr3t\n', {
      what: 'b to get it',
    })
    const io = await outsider.info()
    assert.ok(!(await a.json<Array<{ id: string }>>(['members'])).some((m) => m.id === io.peerId))
    assert.equal((await outsider.cli(['kv', 'get', 'secret'])).code, 1)
    assert.equal(io.members.alive, 1, 'the outsider is alone')
  })

  it('is private by default: the first start makes a 0600 key, info says how to add a machine, a copy joins', async () => {
    const a = new TestAgent({ name: 'da', swarmKey: 'own' })
    const b = new TestAgent({ name: 'db', swarmKey: 'own' })
    agents = [a, b]
    a.start()
    const ia = (await a.ready()) as Info
    const key = join(a.dataDir, 'swarm.key')
    assert.equal(statSync(key).mode & 0o777, 0o600)
    assert.deepEqual(ia.mesh, { private: true, swarmKeyFile: key })
    const text = await a.cli(['info'])
    assert.match(text.stdout, new RegExp(`mesh: +private, swarm key ${key}\n`))
    assert.match(
      text.stdout,
      new RegExp(`to add a machine: copy ${key} to it .*\n.*murmur agent --join /ip4/`),
    )

    copyFileSync(key, join(b.dataDir, 'swarm.key'))
    chmodSync(join(b.dataDir, 'swarm.key'), 0o644) // as cp leaves it with a usual umask
    b.start()
    await b.ready()
    assert.match(b.logs, /swarm key \S+ is readable by other users \(mode 0644\); run: chmod 600 /)
    const addr = ia.addresses.find((x) => x.includes('127.0.0.1'))!
    assert.equal((await b.cli(['join', addr])).code, 0)
    await waitFor(async () => (await a.info()).members.alive === 2, { what: 'a and b to mesh' })
  })

  it('--open runs without a key, warns at start, and cannot join a private mesh', async () => {
    const a = new TestAgent({ name: 'oa' })
    const open = new TestAgent({ name: 'oo', swarmKey: 'own' })
    agents = [a, open]
    a.start()
    open.start(['--open'])
    const [ia, io] = (await Promise.all(agents.map((x) => x.ready()))) as [Info, Info]
    assert.deepEqual(io.mesh, { private: false, swarmKeyFile: null })
    assert.match(open.logs, /"level":"warn".*open mesh: no swarm key/)
    const refused = await open.cli(['join', ia.addresses.find((x) => x.includes('127.0.0.1'))!])
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /the peer refused our swarm key: this agent runs an open mesh/)
    await waitFor(() => /swarm key mismatch/.test(a.logs), { what: 'the private agent to log the mismatch' })
    assert.equal((await a.info()).members.alive, 1)
  })

  it('refuses --open together with a swarm key', async () => {
    const a = new TestAgent({ name: 'pboth' })
    agents = [a]
    a.start(['--open', '--swarm-key', join(a.dataDir, 'swarm.key')])
    assert.equal(await a.waitExit(), 2, 'two flags that exclude each other: bad usage')
    assert.match(a.logs, /--open and --swarm-key exclude each other/)
  })

  it('refuses a malformed swarm key file with a clear line', async () => {
    const a = new TestAgent({ name: 'pbad' })
    agents = [a]
    a.start(['--swarm-key', a.configPath])
    assert.equal(await a.waitExit(), 1)
    assert.match(a.logs, /not in the pnet format/)
  })
})
