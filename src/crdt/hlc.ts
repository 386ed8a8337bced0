// Hybrid logical clock: wall-clock milliseconds plus a logical counter, so timestamps stay close to
// real time yet never go backwards and always exceed anything this peer has already seen.
import type { Clock } from '../util/clock.js'
import { DEFAULT_MAX_FUTURE_MS, MAX_HLC_LOGICAL } from './limits.js'

export interface Hlc {
  readonly wall: number
  readonly logical: number
}

export function compareHlc(a: Hlc, b: Hlc): number {
  if (a.wall !== b.wall) return a.wall < b.wall ? -1 : 1
  if (a.logical !== b.logical) return a.logical < b.logical ? -1 : 1
  return 0
}

/** The least timestamp above `t`: at its bound the logical counter moves on to the next millisecond. */
export function hlcAfter(t: Hlc): Hlc {
  return t.logical < MAX_HLC_LOGICAL
    ? { wall: t.wall, logical: t.logical + 1 }
    : { wall: t.wall + 1, logical: 0 }
}

export class HybridClock {
  private last: Hlc = { wall: 0, logical: 0 }
  private readonly clock: Clock
  private readonly maxDriftMs: number

  constructor(clock: Clock, maxDriftMs = DEFAULT_MAX_FUTURE_MS) {
    this.clock = clock
    this.maxDriftMs = maxDriftMs
  }

  /** A timestamp for a local event, strictly greater than every earlier now() and observed time. */
  now(): Hlc {
    const pt = Math.floor(this.clock.now())
    this.last = pt > this.last.wall ? { wall: pt, logical: 0 } : hlcAfter(this.last)
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
