// Hybrid logical clock: wall-clock milliseconds plus a logical counter, so timestamps stay close to
// real time yet never go backwards and always exceed anything this peer has already seen.
import type { Clock } from '../util/clock.js'
import { MAX_CLOCK_DRIFT_MS } from './limits.js'

export interface Hlc {
  readonly wall: number
  readonly logical: number
}

export function compareHlc(a: Hlc, b: Hlc): number {
  if (a.wall !== b.wall) return a.wall < b.wall ? -1 : 1
  if (a.logical !== b.logical) return a.logical < b.logical ? -1 : 1
  return 0
}

export class HybridClock {
  private last: Hlc = { wall: 0, logical: 0 }
  private readonly clock: Clock
  private readonly maxDriftMs: number

  constructor(clock: Clock, maxDriftMs = MAX_CLOCK_DRIFT_MS) {
    this.clock = clock
    this.maxDriftMs = maxDriftMs
  }

  /** A timestamp for a local event, strictly greater than every earlier now() and observed time. */
  now(): Hlc {
    const pt = Math.floor(this.clock.now())
    this.last =
      pt > this.last.wall
        ? { wall: pt, logical: 0 }
        : { wall: this.last.wall, logical: this.last.logical + 1 }
    return this.last
  }

  /**
   * Folds in a timestamp received from a peer. A wall time absurdly far in the future (a broken
   * clock) is ignored, otherwise one bad peer would drag every clock in the mesh forward with it.
   * Returns false when ignored; the caller still merges the record carrying it.
   */
  observe(remote: Hlc): boolean {
    if (remote.wall > this.clock.now() + this.maxDriftMs) return false
    if (compareHlc(remote, this.last) > 0) this.last = { wall: remote.wall, logical: remote.logical }
    return true
  }

  /** The latest timestamp issued or observed (for tests and persistence). */
  peek(): Hlc {
    return this.last
  }
}
