// The active view: the few members an agent keeps connections to, probes and gossips with.
// HyParView keeps a small active view and a larger passive one refreshed by shuffles; here the
// passive view is the member table itself, and the active view is derived from it: the
// `ring` nearest members on each side of a hash ring (so every live member is someone's
// neighbour, hence probed) plus chords drawn uniformly over members (so every member is someone's
// chord about as often as any other, and the graph has a small diameter), redrawn every
// shuffle epoch. About log2 N + 2 members, whatever N. A member behind a NAT adds the nearest
// members that can be dialled directly (anchors), if the draw gave it fewer: its probes and gossip
// then travel over direct connections, not only over relays (docs/nat.md).

import { mix32 } from '../util/hash.js'
import { ALIVE, type MemberTable, SUSPECT } from './table.js'

export function activeViewSize(n: number): number {
  return Math.min(Math.max(0, n - 1), Math.ceil(Math.log2(Math.max(2, n))) + 2)
}

const isCandidate = (code: number): boolean => code === ALIVE || code === SUSPECT

/** Members the view must hold at least `wanted()` of, when there are that many. */
export interface Anchors {
  wanted(): number
  is(slot: number): boolean
}

export class ActiveView {
  private succ: number[] = []
  private pred: number[] = []
  private chords: number[] = []
  private points: number[] = []
  private slots: number[] = []
  private size = -1
  private span = 0
  private epoch = Number.NaN
  private dirty = true

  constructor(
    private readonly table: MemberTable,
    private readonly selfSlot: number,
    private readonly ring: number,
    /** Slots never taken into the view (peers we refuse to connect to). */
    private readonly avoid?: (slot: number) => boolean,
    private readonly anchors?: Anchors,
  ) {}

  /** The view's slots, recomputed only when a change could alter it or the epoch moved. */
  members(epoch: number): readonly number[] {
    const size = activeViewSize(this.table.live)
    if (this.dirty || epoch !== this.epoch || size !== this.size) this.recompute(epoch, size)
    return this.slots
  }

  invalidate(): void {
    this.dirty = true
  }

  /** A member became or stopped being a candidate (alive/suspect). Cheap: O(view size). */
  touched(slot: number): void {
    if (this.dirty || slot === this.selfSlot) return
    if (this.slots.includes(slot)) {
      this.dirty = !isCandidate(this.table.statusAt(slot))
      return
    }
    if (!isCandidate(this.table.statusAt(slot)) || this.avoid?.(slot)) return
    if ((this.anchors?.wanted() ?? 0) > 0 && this.anchors!.is(slot)) {
      this.dirty = true
      return
    }
    const self = this.hash(this.selfSlot)
    const h = this.hash(slot)
    const last = (list: number[], dist: (x: number) => number): number =>
      list.length < this.ring ? Number.POSITIVE_INFINITY : dist(list[list.length - 1]!)
    const after = (x: number): number => (x - self) >>> 0
    const before = (x: number): number => (self - x) >>> 0
    if (after(h) < last(this.succ, (s) => after(this.hash(s)))) this.dirty = true
    else if (before(h) < last(this.pred, (s) => before(this.hash(s)))) this.dirty = true
    else {
      const dist = (x: number, start: number): number => (x - start + this.span) % this.span
      if (slot >= this.span) this.dirty = true
      for (let j = 0; j < this.points.length && !this.dirty; j++) {
        const cur = this.chords[j]
        if (cur === undefined || dist(slot, this.points[j]!) < dist(cur, this.points[j]!)) this.dirty = true
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
    const k = this.ring
    const succ = new Top(k)
    const pred = new Top(k)
    const span = this.table.span
    const skip = (s: number): boolean =>
      s === this.selfSlot || !isCandidate(this.table.statusAt(s)) || this.avoid?.(s) === true
    for (let s = 0; s < span; s++) {
      if (skip(s)) continue
      const h = this.hash(s)
      succ.offer(s, (h - self) >>> 0)
      pred.offer(s, (self - h) >>> 0)
    }
    this.succ = succ.slots
    const chosen = new Set(this.succ)
    this.pred = pred.slots.filter((s) => !chosen.has(s))
    for (const s of this.pred) chosen.add(s)
    const chordCount = Math.max(0, size - chosen.size)
    // Chord j: the first candidate at or after a pseudo-random slot, so every member is about
    // equally likely to be one (slots are dense), found in O(1) expected steps.
    this.span = span
    this.points = []
    this.chords = []
    for (let j = 0; j < chordCount && span > 0; j++) {
      const start = mix32((self + Math.imul(j + 1, 0x9e3779b9)) ^ mix32(epoch)) % span
      this.points.push(start)
      for (let i = 0; i < span; i++) {
        const s = (start + i) % span
        if (chosen.has(s) || skip(s)) continue
        this.chords.push(s)
        chosen.add(s)
        break
      }
    }
    for (const s of this.missingAnchors(chosen, skip, self)) chosen.add(s)
    this.slots = [...chosen]
  }

  /** The nearest anchors (ring order) the view lacks, up to `anchors.wanted()` in the view. */
  private missingAnchors(chosen: ReadonlySet<number>, skip: (s: number) => boolean, self: number): number[] {
    const wanted = this.anchors?.wanted() ?? 0
    if (wanted === 0) return []
    const is = (s: number) => this.anchors!.is(s)
    const lacking = wanted - [...chosen].filter(is).length
    if (lacking <= 0) return []
    const nearest = new Top(lacking)
    for (let s = 0; s < this.table.span; s++) {
      if (!chosen.has(s) && !skip(s) && is(s)) nearest.offer(s, (this.hash(s) - self) >>> 0)
    }
    return nearest.slots
  }
}

/** The k slots with the smallest keys seen so far (k is tiny: insertion into a sorted array). */
class Top {
  readonly slots: number[] = []
  private readonly keys: number[] = []
  constructor(private readonly k: number) {}

  offer(slot: number, key: number): void {
    const n = this.slots.length
    if (n === this.k && key >= this.keys[n - 1]!) return
    let i = n < this.k ? n : n - 1
    while (i > 0 && this.keys[i - 1]! > key) {
      this.slots[i] = this.slots[i - 1]!
      this.keys[i] = this.keys[i - 1]!
      i--
    }
    this.slots[i] = slot
    this.keys[i] = key
  }
}
