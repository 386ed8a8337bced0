// An agent that is alone keeps trying the addresses it was given (config `join`, `--join`, and
// admin joins that reached nobody) with exponential backoff and jitter, until it has a member.
// A seed swamped by a fleet that joins at once times some dials out: without this, those agents
// stayed alone for good. Pure but for the timer: the clock, the timer and the dial are injected.
import { backoffDelay } from '../util/backoff.js'
import type { Clock } from '../util/clock.js'
import type { Logger } from '../util/log.js'

export interface JoinResult {
  reached: number
  failed: Array<{ addr: string; error: string }>
  /** Nobody was reached and the agent, being alone, keeps retrying these addresses in the background. */
  retrying?: boolean
}

/** What `info` shows of it (and `doctor` explains). */
export interface JoinStatus {
  /** The addresses retried while alone. */
  addrs: string[]
  /** Alone, with addresses to try: attempts continue. */
  retrying: boolean
  /** Failed attempts in a row. */
  failures: number
  /** Why the last attempt failed (per address), if it did. */
  lastError: string | null
  lastAttemptAt: number | null
  nextAttemptAt: number | null
}

export interface JoinRetryOptions {
  /** Dials each address once; resolves with what answered. */
  attempt: (addrs: string[]) => Promise<JoinResult>
  /** No other member is alive: joining is still to do. */
  alone: () => boolean
  clock: Clock
  logger: Logger
  /** Backoff base: the first retry waits twice this (± 50 %), doubling per failure. */
  baseMs?: number
  maxMs?: number
  random?: () => number
  setTimer?: (fn: () => void, ms: number) => unknown
  clearTimer?: (handle: unknown) => void
}

/** First retry 0.5 to 1.5 s after a failure (base × 2, ± 50 %): a swamped seed gets a moment, a fleet does not wait long. */
export const JOIN_RETRY_BASE_MS = 500
/** Retries at most this far apart while alone: a seed that comes back is found soon. */
export const JOIN_RETRY_MAX_MS = 60_000
/** Admin joins remembered for retries; the oldest go first. */
const MAX_ADDRS = 16

export class JoinRetry {
  private readonly addrs: string[] = []
  private failures = 0
  private lastError: string | null = null
  private lastAttemptAt: number | null = null
  private nextAt: number | null = null
  private timer: unknown
  private running = false
  private stopped = false

  constructor(private readonly opts: JoinRetryOptions) {}

  /** Remembers addresses to retry while alone (config joins at start, failed admin joins later). */
  add(addrs: readonly string[]): void {
    for (const a of addrs) {
      const at = this.addrs.indexOf(a)
      if (at >= 0) this.addrs.splice(at, 1)
      this.addrs.push(a)
    }
    this.addrs.splice(0, Math.max(0, this.addrs.length - MAX_ADDRS))
  }

  /** Called every dialer round and after membership changes: starts retrying once alone again. */
  poke(): void {
    if (this.stopped || this.running || this.addrs.length === 0) return
    if (!this.opts.alone()) {
      this.reset()
      return
    }
    if (this.nextAt === null) this.arm(0)
  }

  /** A failed attempt made elsewhere (an admin join that reached nobody): counts, and schedules the next. */
  failed(result: JoinResult): void {
    this.afterFailure(result)
  }

  status(): JoinStatus {
    return {
      addrs: [...this.addrs],
      retrying: this.addrs.length > 0 && this.nextAt !== null,
      failures: this.failures,
      lastError: this.lastError,
      lastAttemptAt: this.lastAttemptAt,
      nextAttemptAt: this.nextAt,
    }
  }

  stop(): void {
    this.stopped = true
    this.clear()
  }

  private reset(): void {
    this.clear()
    this.failures = 0
    this.lastError = null
  }

  private delay(): number {
    const base = this.opts.baseMs ?? JOIN_RETRY_BASE_MS
    return backoffDelay(
      this.failures,
      base,
      this.opts.maxMs ?? JOIN_RETRY_MAX_MS,
      this.opts.random ?? Math.random,
    )
  }

  private clear(): void {
    if (this.timer !== undefined) (this.opts.clearTimer ?? clearTimeout)(this.timer as NodeJS.Timeout)
    this.timer = undefined
    this.nextAt = null
  }

  private arm(ms: number): void {
    this.clear()
    this.nextAt = this.opts.clock.now() + ms
    const set = this.opts.setTimer ?? ((fn: () => void, t: number) => setTimeout(fn, t).unref())
    this.timer = set(() => void this.fire(), ms)
  }

  private async fire(): Promise<void> {
    this.timer = undefined
    this.nextAt = null
    if (this.stopped || this.running) return
    if (!this.opts.alone()) {
      this.reset()
      return
    }
    this.running = true
    let result: JoinResult
    try {
      result = await this.opts.attempt([...this.addrs])
    } catch (err) {
      result = { reached: 0, failed: [{ addr: this.addrs.join(' '), error: (err as Error).message }] }
    } finally {
      this.running = false
    }
    if (this.stopped) return
    if (result.reached > 0) {
      this.opts.logger.info('joined the mesh on a retry', { attempts: this.failures + 1 })
      this.reset()
      return
    }
    this.afterFailure(result)
  }

  private afterFailure(result: JoinResult): void {
    this.failures++
    this.lastAttemptAt = this.opts.clock.now()
    this.lastError = result.failed.map((f) => `${f.addr}: ${f.error}`).join('; ') || 'no address answered'
    const alone = this.opts.alone() && this.addrs.length > 0
    const retryInMs = alone ? Math.round(this.delay()) : undefined
    this.opts.logger.warn(alone ? 'join failed; retrying while alone' : 'join failed', {
      attempt: this.failures,
      failed: result.failed,
      ...(retryInMs !== undefined ? { retryInMs } : {}),
    })
    if (retryInMs !== undefined) this.arm(retryInMs)
  }
}
