// Shared fixtures for the admin socket specs: temp dirs, fake methods, and a raw line-level client.
import { mkdtemp, rm } from 'node:fs/promises'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { z } from 'zod'
import { defineMethod, type MethodRegistry } from '../../../src/admin/methods.js'
import { NotFoundError } from '../../../src/errors.js'

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'murmur-admin-'))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

/** What the fake methods observed, for assertions. */
export interface Probe {
  slowAborted: number
  slowFinished: number
  ticksClosed: number
}

export function fakeMethods(probe: Probe): MethodRegistry {
  return {
    echo: defineMethod({
      params: z.object({ msg: z.string() }),
      handler: (p) => ({ msg: p.msg }),
    }),
    nothing: defineMethod({ params: z.object({}), handler: () => undefined }),
    slow: defineMethod({
      params: z.object({ ms: z.number().int().min(0), fail: z.boolean().optional() }),
      handler: async (p, ctx) => {
        ctx.signal.addEventListener('abort', () => probe.slowAborted++)
        await sleep(p.ms)
        probe.slowFinished++
        if (p.fail) throw new NotFoundError('slow failure')
        return { slept: p.ms }
      },
    }),
    fail: defineMethod({
      params: z.object({ key: z.string() }),
      handler: (p) => {
        throw new NotFoundError(`no such key: ${p.key}`)
      },
    }),
    crash: defineMethod({
      params: z.object({}),
      handler: () => {
        throw new Error('secret internals at /home/x')
      },
    }),
    // Streams three notifications, then stays open until the client goes away.
    ticks: defineMethod({
      params: z.object({}),
      handler: async (_p, ctx) => {
        for (let i = 1; i <= 3; i++) ctx.notify('tick', { n: i })
        await new Promise<void>((resolve) => ctx.onClose(resolve))
        probe.ticksClosed++
        return 'ended'
      },
    }),
    // Streams `count` notifications of `bytes` each at once, then stays open (a big `watch`).
    blob: defineMethod({
      params: z.object({ count: z.number().int().min(0), bytes: z.number().int().min(0) }),
      handler: async (p, ctx) => {
        for (let i = 0; i < p.count; i++) ctx.notify('blob', { i, data: 'x'.repeat(p.bytes) })
        await new Promise<void>((resolve) => ctx.onClose(resolve))
        return 'ended'
      },
    }),
    // Streams `count` notifications, then answers.
    countdown: defineMethod({
      params: z.object({ count: z.number().int().min(0) }),
      handler: async (p, ctx) => {
        for (let i = p.count; i > 0; i--) ctx.notify('count', { left: i })
        return { done: true }
      },
    }),
  }
}

export function newProbe(): Probe {
  return { slowAborted: 0, slowFinished: 0, ticksClosed: 0 }
}

/** A client speaking raw lines, to exercise what AdminClient would never send. */
export class RawClient {
  private buf = ''
  private readonly queue: unknown[] = []
  private waiter: ((v: unknown) => void) | undefined
  readonly ended: Promise<void>

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8')
    socket.on('data', (s: string) => {
      this.buf += s
      let nl = this.buf.indexOf('\n')
      while (nl !== -1) {
        const line = this.buf.slice(0, nl)
        this.buf = this.buf.slice(nl + 1)
        this.push(JSON.parse(line))
        nl = this.buf.indexOf('\n')
      }
    })
    socket.on('error', () => {})
    this.ended = new Promise((resolve) => socket.once('close', () => resolve()))
  }

  static connect(path: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(path)
      s.once('error', reject)
      s.once('connect', () => {
        s.off('error', reject)
        resolve(new RawClient(s))
      })
    })
  }

  send(line: string | Buffer): void {
    this.socket.write(line)
  }

  request(id: number | string, method: string, params?: unknown): void {
    this.send(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`)
  }

  /** The next message from the server (fails the test after 2 s). */
  next(): Promise<Record<string, unknown>> {
    const queued = this.queue.shift()
    if (queued !== undefined) return Promise.resolve(queued as Record<string, unknown>)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message from server within 2 s')), 2000)
      this.waiter = (v) => {
        clearTimeout(timer)
        resolve(v as Record<string, unknown>)
      }
    })
  }

  close(): void {
    this.socket.destroy()
  }

  private push(msg: unknown): void {
    const w = this.waiter
    if (w) {
      this.waiter = undefined
      w(msg)
    } else {
      this.queue.push(msg)
    }
  }
}
