// Local safety: the agent refuses a data directory another user can write or owns, makes what it
// creates owner-only, and the CLI talks only to a socket its own user owns.
import assert from 'node:assert/strict'
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { disposeAgents, runCli, TestAgent } from '../helpers/agents.js'

const NOBODY = 65534
const modeOf = (p: string): number => statSync(p).mode & 0o777

describe('local safety', function () {
  this.timeout(60_000)
  let agents: TestAgent[] = []

  afterEach(async function () {
    await disposeAgents(agents.splice(0), this.currentTest?.state === 'failed')
  })

  it('refuses a data directory other users can write, in one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-open-dir-'))
    chmodSync(dir, 0o777)
    const a = new TestAgent({ name: 'wide', dataDir: dir })
    agents = [a]
    a.start()
    assert.equal(await a.waitExit(), 1)
    assert.match(
      a.logs,
      new RegExp(
        `murmur: data directory ${dir} is writable by other users \\(mode 0777\\); run: chmod 700 ${dir}\\n`,
      ),
    )
    assert.equal(modeOf(dir), 0o777, 'left as it was: the user decides')
  })

  it('refuses a data directory another user owns (when we can make one)', async function () {
    if (process.getuid?.() !== 0) this.skip()
    const dir = mkdtempSync(join(tmpdir(), 'murmur-theirs-'))
    chownSync(dir, NOBODY, NOBODY)
    const a = new TestAgent({ name: 'theirs', dataDir: dir })
    agents = [a]
    a.start()
    assert.equal(await a.waitExit(), 1)
    assert.match(a.logs, new RegExp(`data directory ${dir} belongs to uid ${NOBODY}, not to this user`))
  })

  it('makes everything it creates owner-only, and tightens a store left group-readable', async () => {
    const a = new TestAgent({ name: 'tight' })
    agents = [a]
    a.start()
    await a.ready()
    const store = join(a.dataDir, 'state.db')
    assert.equal(modeOf(a.dataDir), 0o700)
    assert.equal(modeOf(store), 0o700)
    for (const f of readdirSync(store)) assert.equal(modeOf(join(store, f)) & 0o077, 0, `state.db/${f}`)
    assert.equal(modeOf(join(a.dataDir, 'identity.key')), 0o600)
    assert.equal(modeOf(join(a.dataDir, 'swarm.key')), 0o600)
    assert.equal(modeOf(a.socket), 0o600)

    a.kill('SIGTERM')
    assert.equal(await a.waitExit(), 0)
    chmodSync(store, 0o755) // as earlier versions left it
    a.start()
    await a.ready()
    assert.equal(modeOf(store), 0o700)
  })

  it('the CLI refuses a socket that belongs to another user', async function () {
    if (process.getuid?.() !== 0) this.skip()
    const dir = mkdtempSync(join(tmpdir(), 'murmur-fake-sock-'))
    const path = join(dir, 'murmur.sock')
    const server = createServer((s) => s.end())
    await new Promise<void>((r) => server.listen(path, r))
    try {
      chownSync(path, NOBODY, NOBODY)
      const r = await runCli(['--socket', path, 'info'])
      assert.equal(r.code, 1)
      assert.equal(
        r.stderr,
        `murmur: refusing the socket ${path}: it belongs to uid ${NOBODY}, not to this user (uid 0)\n`,
      )
    } finally {
      server.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
