import assert from 'node:assert/strict'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { AdminClient } from '../../../src/admin/client.js'
import { AdminCallError, AdminConnectionError } from '../../../src/admin/protocol.js'
import { AdminServer, type AdminServerOptions } from '../../../src/admin/server.js'
import { NoAgentError } from '../../../src/errors.js'
import { fakeMethods, newProbe, type Probe, tempDir } from './helpers.js'

describe('AdminClient', () => {
  let cleanup: () => Promise<void>
  let socketPath: string
  let probe: Probe
  let server: AdminServer | undefined
  const clients: AdminClient[] = []

  async function start(opts: Partial<AdminServerOptions> = {}): Promise<void> {
    server = new AdminServer({ socketPath, methods: fakeMethods(probe), ...opts })
    await server.listen()
  }

  async function client(timeoutMs = 2000): Promise<AdminClient> {
    const c = await AdminClient.connect(socketPath, { timeoutMs })
    clients.push(c)
    return c
  }

  beforeEach(async () => {
    const t = await tempDir()
    cleanup = t.cleanup
    socketPath = join(t.dir, 'murmur.sock')
    probe = newProbe()
  })

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    await server?.close()
    server = undefined
    await cleanup()
  })

  it('throws NoAgentError with the exact message when nothing is at the path', async () => {
    await assert.rejects(AdminClient.connect(socketPath, { timeoutMs: 1000 }), (err: unknown) => {
      assert.ok(err instanceof NoAgentError)
      assert.equal(err.code, 'NO_AGENT')
      assert.equal(err.message, `no murmur agent at ${socketPath}: is it running?`)
      return true
    })
  })

  it('throws NoAgentError after the agent has gone', async () => {
    await start()
    await server!.close()
    await assert.rejects(AdminClient.connect(socketPath), NoAgentError)
  })

  it('calls methods, several at once on one connection', async () => {
    await start()
    const c = await client()
    const [slow, fast] = await Promise.all([c.call('slow', { ms: 40 }), c.call('echo', { msg: 'hi' })])
    assert.deepEqual(slow, { slept: 40 })
    assert.deepEqual(fast, { msg: 'hi' })
  })

  it('rejects with AdminCallError carrying the murmur code and the JSON-RPC code', async () => {
    await start()
    const c = await client()
    await assert.rejects(c.call('fail', { key: 'k' }), (err: unknown) => {
      assert.ok(err instanceof AdminCallError)
      assert.equal(err.code, 'NOT_FOUND')
      assert.equal(err.rpcCode, -32004)
      assert.equal(err.message, 'no such key: k')
      return true
    })
    await assert.rejects(c.call('nope', {}), {
      name: 'AdminCallError',
      code: 'ADMIN_PROTOCOL',
      rpcCode: -32601,
    })
    await assert.rejects(c.call('echo', {}), { code: 'INVALID_INPUT', rpcCode: -32602 })
    await assert.rejects(c.call('crash', {}), {
      code: 'INTERNAL',
      rpcCode: -32603,
      message: 'internal error',
    })
    assert.deepEqual(await c.call('echo', { msg: 'after errors' }), { msg: 'after errors' })
  })

  it('rejects pending calls when the agent closes the connection', async () => {
    await start()
    const c = await client()
    const rejected = assert.rejects(c.call('slow', { ms: 500 }), (err: unknown) => {
      assert.ok(err instanceof AdminConnectionError)
      assert.equal(err.message, 'murmur agent closed the connection')
      return true
    })
    await sleep(20)
    await server!.close()
    await rejected
    await assert.rejects(c.call('echo', { msg: 'x' }), AdminConnectionError)
  })

  it('reports an oversized request as TOO_LARGE', async () => {
    await start({ maxLineBytes: 1024 })
    const c = await client()
    await assert.rejects(c.call('echo', { msg: 'x'.repeat(2048) }), { code: 'TOO_LARGE', rpcCode: -32005 })
    assert.equal(c.closed, true)
    const fresh = await client()
    assert.deepEqual(await fresh.call('echo', { msg: 'ok' }), { msg: 'ok' })
  })

  it('times out a call that gets no answer', async () => {
    await start()
    const c = await client()
    await assert.rejects(c.call('slow', { ms: 300 }, { timeoutMs: 30 }), AdminConnectionError)
    assert.deepEqual(await c.call('echo', { msg: 'still usable' }), { msg: 'still usable' })
  })

  it('subscribes: streams notifications, and cancel() ends the call on both sides', async () => {
    await start()
    const c = await client()
    const seen: unknown[] = []
    const sub = c.subscribe('ticks', {}, (method, params) => seen.push({ method, params }))
    while (seen.length < 3) await sleep(5)
    assert.deepEqual(
      seen,
      [1, 2, 3].map((n) => ({ method: 'tick', params: { n } })),
    )
    sub.cancel()
    assert.equal(await sub.done, undefined)
    await sleep(20)
    assert.equal(probe.ticksClosed, 1)
  })

  it('subscribes: done resolves with the final result after the notifications', async () => {
    await start()
    const c = await client()
    const seen: unknown[] = []
    const sub = c.subscribe('countdown', { count: 3 }, (_m, params) => seen.push(params))
    assert.deepEqual(await sub.done, { done: true })
    assert.deepEqual(seen, [{ left: 3 }, { left: 2 }, { left: 1 }])
  })

  it('subscribes: done rejects when the agent goes away', async () => {
    await start()
    const c = await client()
    const sub = c.subscribe('ticks', {}, () => {})
    const rejected = assert.rejects(sub.done, AdminConnectionError)
    await sleep(20)
    await server!.close()
    await rejected
  })

  it('subscribes: an error thrown by the handler ends the subscription and rejects done', async () => {
    await start()
    const c = await client()
    const sub = c.subscribe('ticks', {}, () => {
      throw new Error('handler bug')
    })
    await assert.rejects(sub.done, /handler bug/)
    assert.equal(c.closed, true)
  })
})
