import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { lstat, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AdminServer } from '../../../src/admin/server.js'
import { DataDirLockedError, InvalidInputError } from '../../../src/errors.js'
import { fakeMethods, newProbe, RawClient, tempDir } from './helpers.js'

describe('AdminServer socket file', () => {
  let dir: string
  let cleanup: () => Promise<void>
  const servers: AdminServer[] = []

  function server(socketPath: string): AdminServer {
    const s = new AdminServer({ socketPath, methods: fakeMethods(newProbe()) })
    servers.push(s)
    return s
  }

  async function echoWorks(socketPath: string): Promise<void> {
    const c = await RawClient.connect(socketPath)
    try {
      c.request(1, 'echo', { msg: 'ping' })
      assert.deepEqual((await c.next()).result, { msg: 'ping' })
    } finally {
      c.close()
    }
  }

  beforeEach(async () => {
    ;({ dir, cleanup } = await tempDir())
  })

  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close()
    await cleanup()
  })

  it('creates the socket with mode 0600 and a missing parent directory with mode 0700', async () => {
    const socketPath = join(dir, 'data', 'murmur.sock')
    const umask = process.umask()
    await server(socketPath).listen()
    assert.equal(process.umask(), umask, 'umask restored')
    assert.equal((await stat(socketPath)).mode & 0o777, 0o600)
    assert.equal((await stat(join(dir, 'data'))).mode & 0o777, 0o700)
    await echoWorks(socketPath)
  })

  it('removes the socket file on close', async () => {
    const socketPath = join(dir, 'murmur.sock')
    const s = server(socketPath)
    await s.listen()
    await s.close()
    await assert.rejects(lstat(socketPath), { code: 'ENOENT' })
  })

  it('replaces a stale socket left by a killed process', async () => {
    const socketPath = join(dir, 'murmur.sock')
    const child = spawn(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${JSON.stringify(socketPath)}, () => console.log('up'))`,
    ])
    await once(child.stdout, 'data')
    child.kill('SIGKILL')
    await once(child, 'exit')
    assert.ok((await lstat(socketPath)).isSocket(), 'the dead process left its socket behind')
    await server(socketPath).listen()
    await echoWorks(socketPath)
  })

  it('refuses to start while a live agent owns the socket', async () => {
    const socketPath = join(dir, 'murmur.sock')
    await server(socketPath).listen()
    const second = server(socketPath)
    await assert.rejects(second.listen(), (err: unknown) => {
      assert.ok(err instanceof DataDirLockedError)
      assert.equal(err.message, `another murmur agent is already running with socket ${socketPath}`)
      return true
    })
    await echoWorks(socketPath)
  })

  it('refuses a socket path over the Unix limit, naming it', async () => {
    const socketPath = join(dir, 'x'.repeat(120), 'murmur.sock')
    await assert.rejects(server(socketPath).listen(), (err: unknown) => {
      assert.ok(err instanceof InvalidInputError)
      assert.ok(err.message.includes(socketPath))
      return true
    })
  })

  it('does not replace a regular file at the socket path', async () => {
    const socketPath = join(dir, 'murmur.sock')
    await writeFile(socketPath, 'precious')
    await assert.rejects(server(socketPath).listen(), InvalidInputError)
    assert.equal(await readFile(socketPath, 'utf8'), 'precious')
  })
})
