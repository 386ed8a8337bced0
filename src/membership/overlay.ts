// The active view: the few members an agent keeps connections to, probes and gossips with.
// HyParView keeps a small active view and a larger passive one refreshed by shuffles; here the
// passive view is the member table itself, and the active view is derived from it: the
// `ring` nearest members on each side of a hash ring (so every live member is someone's
// neighbour, hence probed) plus random chords (so the graph has a small diameter), redrawn
// every shuffle interval. About log2 N + 2 members, whatever N.

import { mix32 } from './registry.js'
import { ALIVE, type MemberTable, SUSPECT } from './table.js'

export function activeViewSize(n: number): number {
  return Math.min(Math.max(0, n - 1), Math.ceil(Math.log2(Math.max(2, n))) + 2)
}

const isCandidate = (code: number): boolean => code === ALIVE || code === SUSPECT

export class ActiveView {
  private succ: number[] = []
  private pred: number[] = []
  private chords: number[] = []
  private points: number[] = []
  private slots: number[] = []
  private size = -1
  private epoch = Number.NaN
  private dirty = true

  constructor(
    private readonly table: MemberTable,
    private readonly selfSlot: number,
    private readonly ring: number,
  ) {}

  /** The view's slots, recomputed only when a change could alter it or the epoch moved. */
  members(epoch: number): readonly number[] {
    const size = activeViewSize(this.table.live)
    if (this.dirty || epoch !== this.epoch || size !== this.size) this.recompute(epoch, size)
    return this.slots
  }

  has(slot: number): boolean {
    return this.slots.includes(slot)
  }

  /** A member became or stopped being a candidate (alive/suspect). Cheap: O(view size). */
  touched(slot: number): void {
    if (this.dirty || slot === this.selfSlot) return
    if (this.slots.includes(slot) || !isCandidate(this.table.statusAt(slot))) {
      this.dirty = this.slots.includes(slot)
      return
    }
    const self = this.hash(this.selfSlot)
    const h = this.hash(slot)
    const after = (h - self) >>> 0
    const before = (self - h) >>> 0
    const last = (list: number[], dist: (x: number) => number): number =>
      list.length < this.ring ? Number.POSITIVE_INFINITY : dist(list[list.length - 1]!)
    if (after < last(this.succ, (x) => (this.hash(x) - self) >>> 0)) this.dirty = true
    else if (before < last(this.pred, (x) => (self - this.hash(x)) >>> 0)) this.dirty = true
    else {
      for (let j = 0; j < this.points.length; j++) {
        const p = this.points[j]!
        const cur = this.chords[j]
        if (cur === undefined || ((h - p) >>> 0) < ((this.hash(cur) - p) >>> 0)) this.dirty = true
      }
    }
  }

  private hash(slot: number): number {
    return this.table.registry.hashAt(slot)
  }

  private recompute(epoch: number, size: number): void {
    this.dirty = false
    this.epoch = epoch
    this.size = size
    const self = this.hash(this.selfSlot)
    const chosen = new Set<number>()
    this.succ = this.nearest((h) => (h - self) >>> 0, this.ring, chosen)
    this.pred = this.nearest((h) => (self - h) >>> 0, this.ring, chosen)
    const chordCount = Math.max(0, size - chosen.size)
    this.points = []
    this.chords = []
    for (let j = 0; j < chordCount; j++) {
      const p = mix32((self + Math.imul(j + 1, 0x9e3779b9)) ^ mix32(epoch))
      this.points.push(p)
      const [c] = this.nearest((h) => (h - p) >>> 0, 1, chosen)
      if (c !== undefined) this.chords.push(c)
    }
    this.slots = [...chosen]
  }

  /** The `k` candidates with the smallest distance, not yet chosen; adds them to `chosen`. */
  private nearest(dist: (h: number) => number, k: number, chosen: Set<number>): number[] {
    const best: number[] = []
    const bestD: number[] = []
    const span = this.table.span
    for (let s = 0; s < span; s++) {
      if (s === this.selfSlot || !isCandidate(this.table.statusAt(s)) || chosen.has(s)) continue
      const d = dist(this.hash(s))
      if (best.length === k && d >= bestD[k - 1]!) continue
      let i = best.length < k ? best.length : k - 1
      while (i > 0 && bestD[i - 1]! > d) {
        best[i] = best[i - 1]!
        bestD[i] = bestD[i - 1]!
        i--
      }
      best[i] = s
      bestD[i] = d
    }
    for (const s of best) chosen.add(s)
    return best
  }
}
