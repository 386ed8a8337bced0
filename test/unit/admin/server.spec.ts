import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { AdminServer, type AdminServerOptions } from '../../../src/admin/server.js'
import { waitFor } from '../../helpers/wait.js'
import { fakeMethods, newProbe, type Probe, RawClient, tempDir } from './helpers.js'

describe('AdminServer', () => {
  let cleanup: () => Promise<void>
  let socketPath: string
  let probe: Probe
  let server: AdminServer | undefined
  const clients: RawClient[] = []

  async function start(opts: Partial<AdminServerOptions> = {}): Promise<AdminServer> {
    server = new AdminServer({ socketPath, methods: fakeMethods(probe), ...opts })
    await server.listen()
    return server
  }

  async function client(): Promise<RawClient> {
    const c = await RawClient.connect(socketPath)
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

  it('answers a call with its result and the same id', async () => {
    await start()
    const c = await client()
    c.request(7, 'echo', { msg: 'hi' })
    assert.deepEqual(await c.next(), { jsonrpc: '2.0', id: 7, result: { msg: 'hi' } })
  })

  it('sends null when a handler returns undefined, so the reply still has a result', async () => {
    await start()
    const c = await client()
    c.request('a', 'nothing', {})
    assert.deepEqual(await c.next(), { jsonrpc: '2.0', id: 'a', result: null })
  })

  it('validates omitted params as {}', async () => {
    await start()
    const c = await client()
    c.send(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'nothing' })}\n`)
    assert.deepEqual(await c.next(), { jsonrpc: '2.0', id: 1, result: null })
  })

  it('answers bad JSON with -32700 and id null, and keeps the connection usable', async () => {
    await start()
    const c = await client()
    c.send('{"jsonrpc": "2.0", nope\n')
    const err = await c.next()
    assert.equal(err.id, null)
    assert.equal((err.error as { code: number }).code, -32700)
    c.request(2, 'echo', { msg: 'still here' })
    assert.deepEqual(await c.next(), { jsonrpc: '2.0', id: 2, result: { msg: 'still here' } })
  })

  it('treats invalid UTF-8 as a parse error', async () => {
    await start()
    const c = await client()
    c.send(Buffer.from([0x22, 0xff, 0xfe, 0x22, 0x0a]))
    assert.equal(((await c.next()).error as { code: number }).code, -32700)
  })

  it('answers -32601 for an unknown method, including Object.prototype names', async () => {
    await start()
    const c = await client()
    c.request(1, 'nope', {})
    c.request(2, 'toString', {})
    c.request(3, '__proto__', {})
    for (const id of [1, 2, 3]) {
      const reply = await c.next()
      assert.equal(reply.id, id)
      assert.equal((reply.error as { code: number }).code, -32601)
    }
  })

  it('answers -32602 naming the bad field', async () => {
    await start()
    const c = await client()
    c.request(1, 'echo', { msg: 42 })
    const reply = await c.next()
    const error = reply.error as { code: number; message: string; data: { code: string } }
    assert.equal(reply.id, 1)
    assert.equal(error.code, -32602)
    assert.match(error.message, /\bmsg\b/)
    assert.equal(error.data.code, 'INVALID_INPUT')
  })

  it('answers -32600 for requests that are not JSON-RPC 2.0, and for batches', async () => {
    await start()
    const c = await client()
    c.send(`${JSON.stringify({ jsonrpc: '1.0', id: 1, method: 'echo' })}\n`)
    c.send(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 3 })}\n`)
    c.send(`${JSON.stringify({ jsonrpc: '2.0', id: { x: 1 }, method: 'echo' })}\n`)
    c.send(`${JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'echo', params: 'x' })}\n`)
    c.send(`${JSON.stringify([{ jsonrpc: '2.0', id: 5, method: 'echo', params: { msg: 'x' } }])}\n`)
    c.send('42\n')
    const ids = []
    for (let i = 0; i < 6; i++) {
      const reply = await c.next()
      assert.equal((reply.error as { code: number }).code, -32600)
      ids.push(reply.id)
    }
    assert.deepEqual(ids, [1, 2, null, 4, null, null])
  })

  it('maps a MurmurError to its stable code with the murmur code in data', async () => {
    await start()
    const c = await client()
    c.request(1, 'fail', { key: 'k' })
    assert.deepEqual(await c.next(), {
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32004, message: 'no such key: k', data: { code: 'NOT_FOUND' } },
    })
  })

  it('answers -32603 for unexpected errors without leaking their details', async () => {
    await start()
    const c = await client()
    c.request(1, 'crash', {})
    const reply = await c.next()
    const error = reply.error as { code: number; message: string }
    assert.equal(error.code, -32603)
    assert.doesNotMatch(JSON.stringify(reply), /secret|home/)
  })

  it('does not reply to client notifications (requests without an id)', async () => {
    await start()
    const c = await client()
    c.send(`${JSON.stringify({ jsonrpc: '2.0', method: 'echo', params: { msg: 'quiet' } })}\n`)
    c.send(`${JSON.stringify({ jsonrpc: '2.0', method: 'nope' })}\n`)
    c.request(9, 'echo', { msg: 'loud' })
    assert.deepEqual(await c.next(), { jsonrpc: '2.0', id: 9, result: { msg: 'loud' } })
  })

  it('answers concurrent requests by id, in completion order', async () => {
    await start()
    const c = await client()
    c.request(1, 'slow', { ms: 80 })
    c.request(2, 'echo', { msg: 'fast' })
    assert.equal((await c.next()).id, 2)
    assert.deepEqual(await c.next(), { jsonrpc: '2.0', id: 1, result: { slept: 80 } })
  })

  it('handles requests split across writes and several in one write', async () => {
    await start()
    const c = await client()
    const a = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: { msg: 'a' } })
    const b = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'echo', params: { msg: 'b' } })
    c.send(a.slice(0, 10))
    await sleep(20)
    c.send(`${a.slice(10)}\n${b}\n\n`)
    assert.equal((await c.next()).id, 1)
    assert.equal((await c.next()).id, 2)
  })

  it('closes a connection whose line exceeds maxLineBytes and keeps serving others', async () => {
    await start()
    const other = await client()
    const c = await client()
    c.send(`{"jsonrpc":"2.0","id":1,"method":"echo","params":{"msg":"${'x'.repeat(1024 * 1024 + 10)}`)
    const reply = await c.next()
    assert.equal(reply.id, null)
    assert.deepEqual(reply.error, {
      code: -32005,
      message: 'request exceeds 1048576 bytes',
      data: { code: 'TOO_LARGE' },
    })
    await c.ended
    other.request(1, 'echo', { msg: 'ok' })
    assert.deepEqual((await other.next()).result, { msg: 'ok' })
    const fresh = await client()
    fresh.request(1, 'echo', { msg: 'ok' })
    assert.deepEqual((await fresh.next()).result, { msg: 'ok' })
  })

  it('accepts a line of exactly maxLineBytes', async () => {
    await start({ maxLineBytes: 100 })
    const c = await client()
    const base = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: { msg: '' } })
    const line = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'echo',
      params: { msg: 'y'.repeat(100 - base.length) },
    })
    assert.equal(line.length, 100)
    c.send(`${line}\n`)
    assert.equal((await c.next()).id, 1)
  })

  it('survives a client that disconnects mid-call, without unhandled rejections', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason)
    }
    process.on('unhandledRejection', onUnhandled)
    try {
      await start()
      const c = await client()
      c.request(1, 'slow', { ms: 60 })
      c.request(2, 'slow', { ms: 60, fail: true })
      await sleep(10)
      c.close()
      await c.ended
      await sleep(120)
      assert.equal(probe.slowAborted, 2)
      assert.equal(probe.slowFinished, 2)
      const fresh = await client()
      fresh.request(3, 'echo', { msg: 'alive' })
      assert.deepEqual((await fresh.next()).result, { msg: 'alive' })
      assert.deepEqual(unhandled, [])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })

  it('streams notifications before the reply, and tells the handler when the client leaves', async () => {
    await start()
    const c = await client()
    c.request(1, 'countdown', { count: 2 })
    assert.deepEqual(await c.next(), { jsonrpc: '2.0', method: 'count', params: { left: 2 } })
    assert.deepEqual(await c.next(), { jsonrpc: '2.0', method: 'count', params: { left: 1 } })
    assert.deepEqual(await c.next(), { jsonrpc: '2.0', id: 1, result: { done: true } })
    c.request(2, 'ticks', {})
    for (const n of [1, 2, 3]) assert.deepEqual((await c.next()).params, { n })
    c.close()
    await c.ended
    await sleep(20)
    assert.equal(probe.ticksClosed, 1)
  })

  it('refuses requests beyond maxInFlight on one connection', async () => {
    await start({ maxInFlight: 2 })
    const c = await client()
    c.request(1, 'slow', { ms: 50 })
    c.request(2, 'slow', { ms: 50 })
    c.request(3, 'echo', { msg: 'x' })
    const busy = await c.next()
    assert.equal(busy.id, 3)
    assert.equal((busy.error as { code: number }).code, -32000)
    assert.equal((await c.next()).id, 1)
    assert.equal((await c.next()).id, 2)
    c.request(4, 'echo', { msg: 'x' })
    assert.equal((await c.next()).id, 4)
  })

  it('refuses connections beyond maxConnections with an error, then serves again when one leaves', async () => {
    await start({ maxConnections: 1 })
    const first = await client()
    first.request(1, 'echo', { msg: 'x' })
    await first.next()
    const second = await client()
    const refused = await second.next()
    assert.equal(refused.id, null)
    assert.equal((refused.error as { code: number }).code, -32000)
    await second.ended
    first.close()
    await first.ended
    await sleep(20)
    const third = await client()
    third.request(1, 'echo', { msg: 'y' })
    assert.deepEqual((await third.next()).result, { msg: 'y' })
  })

  it('close() ends client connections and aborts their calls', async () => {
    await start()
    const c = await client()
    c.request(1, 'ticks', {})
    for (let i = 0; i < 3; i++) await c.next()
    await server!.close()
    await c.ended
    await sleep(10)
    assert.equal(probe.ticksClosed, 1)
    assert.equal(server!.connectionCount, 0)
  })

  it('bounds the unsent output of all clients together: past it the furthest behind are dropped', async () => {
    const MiB = 1024 * 1024
    const srv = await start({ maxWriteBufferBytes: 4 * MiB, maxTotalWriteBufferBytes: 2 * MiB })
    // Five clients that never read, each asking for 1.5 MiB: under the per-client bound, 7.5 MiB in all.
    const silent = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const sock = connect(socketPath)
        await new Promise((r) => sock.once('connect', r))
        sock.pause()
        const req = { jsonrpc: '2.0', id: 1, method: 'blob', params: { count: 24, bytes: 64 * 1024 } }
        sock.write(`${JSON.stringify(req)}\n`)
        return sock
      }),
    )
    try {
      // What each kept client holds unsent is over 1 MiB (the kernel takes a few hundred KiB), so
      // under the 2 MiB bound only one of them can stay.
      await waitFor(() => srv.connectionCount === 1, {
        what: `the laggards to be dropped (${srv.connectionCount} connections)`,
        timeoutMs: 5000,
      })
      const reader = await client()
      reader.request(9, 'echo', { msg: 'still here' })
      assert.deepEqual((await reader.next()).result, { msg: 'still here' })
    } finally {
      for (const sock of silent) sock.destroy()
    }
  })
})
