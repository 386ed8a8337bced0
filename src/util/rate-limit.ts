// Per-key token buckets: bounds how much work one peer can cause us per second.
import type { Clock } from './clock.js'

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly clock: Clock = { now: () => Date.now() },
    private readonly maxKeys = 10_000,
  ) {}

  /** True if `key` may spend `cost` tokens now. */
  take(key: string, cost = 1): boolean {
    const now = this.clock.now()
    let b = this.buckets.get(key)
    if (!b) {
      // Full: forget the oldest bucket, not all of them (clearing would hand every key a fresh burst).
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!)
      b = { tokens: this.burst, at: now }
      this.buckets.set(key, b)
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond)
    b.at = now
    if (b.tokens < cost) return false
    b.tokens -= cost
    return true
  }
}
