// Event handlers, as in Serf: the config maps event kinds to commands, run with /bin/sh -c. Each
// gets the event as one JSON line on stdin and in MURMUR_* environment variables. Handlers run
// off the hot path (dispatch only queues), one at a time per handler, each with a timeout after
// which its whole process group is killed. A failure, a hang or a missing command is logged and
// is never fatal. A handler that falls behind by MAX_QUEUED events drops from the origin with the
// most events queued, so one member flooding the mesh (within its rate limit) cannot crowd out
// the events of the others.
import { type ChildProcess, spawn } from 'node:child_process'
import type { HandlerSpec } from '../config/schema.js'
import type { Logger } from '../util/log.js'
import { RateLimiter } from '../util/rate-limit.js'

export const MEMBER_HANDLER_KINDS = [
  'member-join',
  'member-leave',
  'member-failed',
  'member-update',
  'member-reap',
] as const
export type MemberHandlerKind = (typeof MEMBER_HANDLER_KINDS)[number]
export const DEFAULT_HANDLER_TIMEOUT_MS = 30_000
export const MAX_QUEUED = 1000
/** Bytes of a handler's stdout and stderr kept for the log. */
const OUTPUT_TAIL = 2048

/** One event for the handlers: what selects them, what they read on stdin and in their environment. */
export interface HandlerEvent {
  kind: MemberHandlerKind | 'user' | 'kv' | 'query'
  /** The user event's or query's name, or the key that changed. */
  subject?: string
  /** Written to stdin as one JSON line (with `event: kind`). */
  data: Record<string, unknown>
  env: Record<string, string>
  /**
   * A query's: gets the stdout of each run that exits 0 with 1 to `maxReplyBytes` bytes of output;
   * the caller answers with the first (Serf answers a query once too).
   */
  reply?: (stdout: Uint8Array) => void
  maxReplyBytes?: number
  /** A query's deadline (epoch ms): a run is killed then, if its own timeout is later. */
  deadline?: number
}

export function matches(on: string, ev: HandlerEvent): boolean {
  if (on === ev.kind) return true
  if (ev.kind === 'user' && on.startsWith('user:')) return on.slice(5) === ev.subject
  if (ev.kind === 'kv' && on.startsWith('kv:')) return ev.subject?.startsWith(on.slice(3)) ?? false
  if (ev.kind === 'query' && on.startsWith('query:')) return on.slice(6) === ev.subject
  return false
}

interface Slot {
  spec: HandlerSpec
  queue: HandlerEvent[]
  running: boolean
}

export class HandlerRunner {
  private slots: Slot[] = []
  /** Families some handler takes (member, user, kv): callers skip building events for the others. */
  private families = new Set<string>()
  private readonly children = new Set<ChildProcess>()
  private readonly logLimiter = new RateLimiter(1, 10)
  private stopped = false
  counts = { run: 0, failed: 0, timedOut: 0, dropped: 0 }

  constructor(
    private readonly log: Logger,
    private readonly self: { name: () => string; id: string },
    specs: readonly HandlerSpec[] = [],
  ) {
    this.set(specs)
  }

  /** Replaces the handlers (config reload); runs already started finish, queued events are dropped. */
  set(specs: readonly HandlerSpec[]): void {
    for (const s of this.slots) s.queue.length = 0
    this.slots = specs.map((spec) => ({ spec, queue: [], running: false }))
    this.families = new Set(specs.map((s) => (s.on.startsWith('member-') ? 'member' : s.on.split(':')[0]!)))
  }

  /** True when some handler takes events of this family (so the caller can skip building them). */
  wants(family: 'member' | 'user' | 'kv' | 'query'): boolean {
    return this.families.has(family)
  }

  /** Queues `ev` for every handler it selects; returns how many it selected, at once. */
  dispatch(ev: HandlerEvent): number {
    if (this.stopped) return 0
    let selected = 0
    for (const slot of this.slots) {
      if (!matches(slot.spec.on, ev)) continue
      selected++
      const dropped = enqueueFair(slot.queue, ev, MAX_QUEUED)
      if (dropped !== undefined) {
        this.counts.dropped++
        if (this.logLimiter.take(slot.spec.on)) {
          this.log.warn('handler is behind; event dropped', {
            on: slot.spec.on,
            queued: slot.queue.length,
            origin: dropped,
          })
        }
      }
      if (!slot.running) setImmediate(() => void this.drain(slot))
    }
    return selected
  }

  /** Kills running handlers (their process groups) and runs nothing more. */
  stop(): void {
    this.stopped = true
    for (const c of this.children) killGroup(c)
  }

  private async drain(slot: Slot): Promise<void> {
    if (slot.running) return
    slot.running = true
    try {
      for (let ev = slot.queue.shift(); ev !== undefined && !this.stopped; ev = slot.queue.shift()) {
        await this.runOne(slot.spec, ev)
      }
    } finally {
      slot.running = false
    }
  }

  private runOne(spec: HandlerSpec, ev: HandlerEvent): Promise<void> {
    const own = spec.timeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS
    const left = ev.deadline === undefined ? own : ev.deadline - Date.now()
    // A query whose deadline passed while it waited in the queue: nobody would read its answer.
    if (left <= 0) return Promise.resolve()
    const timeoutMs = Math.min(own, left)
    const env: Record<string, string | undefined> = { ...process.env }
    const ours = {
      MURMUR_EVENT: ev.kind,
      MURMUR_SELF_NAME: this.self.name(),
      MURMUR_SELF_ID: this.self.id,
      ...ev.env,
    }
    // A NUL cannot pass through the environment (a payload may hold one): stdin still has it.
    for (const [k, v] of Object.entries(ours)) if (!v.includes('\0')) env[k] = v
    this.counts.run++
    return new Promise((resolve) => {
      let out = ''
      let timedOut = false
      let finished = false
      let child: ChildProcess
      try {
        // Its own process group, so a timeout kills what the shell started too.
        child = spawn('/bin/sh', ['-c', spec.run], { env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] })
      } catch (err) {
        this.counts.failed++
        this.log.warn('handler could not start', {
          on: spec.on,
          run: spec.run,
          error: (err as Error).message,
        })
        resolve()
        return
      }
      this.children.add(child)
      const keep = (d: Buffer) => {
        out = (out + d.toString()).slice(-OUTPUT_TAIL)
      }
      // A query's answer: its stdout, kept up to one byte past the limit (to tell it is over).
      const reply: Buffer[] = []
      let replyBytes = 0
      const replyCap = (ev.maxReplyBytes ?? 0) + 1
      if (ev.reply)
        child.stdout?.on('data', (d: Buffer) => {
          if (replyBytes >= replyCap) return
          reply.push(d.subarray(0, replyCap - replyBytes))
          replyBytes += Math.min(d.length, replyCap - replyBytes)
        })
      child.stdout?.on('data', keep)
      child.stderr?.on('data', keep)
      child.stdin?.on('error', () => {}) // a handler that does not read its stdin
      child.stdin?.end(`${JSON.stringify({ event: ev.kind, ...ev.data })}\n`)
      const timer = setTimeout(() => {
        timedOut = true
        killGroup(child)
      }, timeoutMs)
      const done = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
        if (finished) return
        finished = true
        clearTimeout(timer)
        this.children.delete(child)
        const fields = { on: spec.on, run: spec.run, event: ev.kind, output: out.trim() || undefined }
        if (timedOut) {
          this.counts.timedOut++
          this.log.warn('handler timed out and was killed', { ...fields, timeoutMs })
        } else if (error !== undefined || code !== 0) {
          this.counts.failed++
          this.log.warn('handler failed', { ...fields, code, signal, error: error?.message })
        } else {
          this.log.debug('handler ran', fields)
          if (ev.reply) this.reply(ev, Buffer.concat(reply), fields)
        }
        resolve()
      }
      child.once('error', (err) => done(null, null, err))
      child.once('close', (code, signal) => done(code, signal))
    })
  }

  /** Serf's rule: an empty output is no answer, one over the limit is not sent (and logged). */
  private reply(ev: HandlerEvent, stdout: Buffer, fields: Record<string, unknown>): void {
    const max = ev.maxReplyBytes ?? 0
    if (stdout.length > max) {
      this.log.warn('query handler output over the answer limit; not sent', { ...fields, limit: max })
      return
    }
    if (stdout.length > 0) ev.reply?.(stdout)
  }
}

function killGroup(c: ChildProcess): void {
  try {
    if (c.pid !== undefined) process.kill(-c.pid, 'SIGKILL')
  } catch {
    c.kill('SIGKILL')
  }
}

const originOf = (ev: HandlerEvent): string => (typeof ev.data.origin === 'string' ? ev.data.origin : '')

/**
 * Queues `ev`; a full queue drops the newest event of the origin with the most events queued
 * (that may be `ev` itself). Returns the origin of the event dropped, if any.
 */
export function enqueueFair(queue: HandlerEvent[], ev: HandlerEvent, max: number): string | undefined {
  if (queue.length < max) {
    queue.push(ev)
    return undefined
  }
  const counts = new Map<string, number>()
  let heaviest = originOf(ev)
  let most = 1
  counts.set(heaviest, 1)
  for (const q of queue) {
    const o = originOf(q)
    const n = (counts.get(o) ?? 0) + 1
    counts.set(o, n)
    if (n > most) {
      most = n
      heaviest = o
    }
  }
  if (heaviest === originOf(ev)) return heaviest
  queue.splice(
    queue.findLastIndex((q) => originOf(q) === heaviest),
    1,
  )
  queue.push(ev)
  return heaviest
}
