// Time is injected so protocol logic runs under a fake clock in tests.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** A clock that only moves when told to. */
export class FakeClock implements Clock {
  private t: number
  constructor(start = 1_700_000_000_000) {
    this.t = start
  }
  now(): number {
    return this.t
  }
  advance(ms: number): void {
    this.t += ms
  }
  set(ms: number): void {
    this.t = ms
  }
}

/** A clock whose timers run on its own time: the system's, or a fake one that a test advances. */
export interface Timers extends Clock {
  /** Calls `fn` once after `ms`; the function returned cancels it. Never keeps the process alive. */
  after(ms: number, fn: () => void): () => void
  /** Calls `fn` every `ms` until cancelled. Never keeps the process alive. */
  every(ms: number, fn: () => void): () => void
}

export const systemTimers: Timers = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, ms)
    t.unref()
    return () => clearTimeout(t)
  },
  every(ms, fn) {
    const t = setInterval(fn, ms)
    t.unref()
    return () => clearInterval(t)
  },
}
