// A fake clock whose timers fire as a test advances it: services under test take it as their
// `clock` component, so seconds of protocol time pass in a few real milliseconds.
import { FakeClock, type Timers } from '../../src/util/clock.js'

interface Timer {
  at: number
  seq: number
  fn: () => void
  every?: number
  cancelled: boolean
}

export class FakeTimers extends FakeClock implements Timers {
  private timers: Timer[] = []
  private seq = 0

  after(ms: number, fn: () => void): () => void {
    return this.add(ms, fn)
  }

  every(ms: number, fn: () => void): () => void {
    return this.add(ms, fn, Math.max(1, ms))
  }

  /** Moves time on by `ms`, firing every timer due on the way, in order of due time. */
  override advance(ms: number): void {
    const end = this.now() + ms
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled)
      const next = this.timers.reduce<Timer | undefined>(
        (a, t) => (t.at <= end && (!a || t.at < a.at || (t.at === a.at && t.seq < a.seq)) ? t : a),
        undefined,
      )
      if (!next) break
      this.set(Math.max(this.now(), next.at))
      if (next.every === undefined) next.cancelled = true
      else next.at += next.every
      next.fn()
    }
    this.set(end)
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length
  }

  private add(ms: number, fn: () => void, every?: number): () => void {
    const t: Timer = { at: this.now() + Math.max(0, ms), seq: this.seq++, fn, every, cancelled: false }
    this.timers.push(t)
    return () => {
      t.cancelled = true
    }
  }
}

const realIo = (): Promise<void> => new Promise((r) => setTimeout(r, 3))

/**
 * Advances `clock` by `ms` in steps of `stepMs`, yielding to real I/O between steps: one jump
 * would fire every timeout before any answer could arrive.
 */
export async function advanceBy(clock: FakeTimers, ms: number, stepMs = 100): Promise<void> {
  for (let left = ms; left > 0; left -= stepMs) {
    clock.advance(Math.min(stepMs, left))
    await realIo()
  }
}

/**
 * Advances `clock` in steps of `stepMs` until `cond` holds, yielding to real I/O (stream pairs
 * deliver on real timers) between steps; fails after `maxMs` of fake time.
 */
export async function advanceUntil(
  clock: FakeTimers,
  cond: () => boolean,
  opts: { stepMs?: number; maxMs: number; what: string },
): Promise<number> {
  const step = opts.stepMs ?? 100
  let spent = 0
  while (!cond()) {
    if (spent >= opts.maxMs) throw new Error(`${opts.what}: not within ${opts.maxMs} ms of fake time`)
    clock.advance(step)
    spent += step
    await realIo()
  }
  return spent
}
