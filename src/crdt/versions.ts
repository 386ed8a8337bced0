// The version vector of one replica, plus the out-of-order seqs that wait for a gap to fill, and
// the retired origins: entries moved out of the vv (so sessions no longer reconcile them) that
// still say which of their writes are in our state.
import { MAX_PENDING_PER_ORIGIN } from './limits.js'
import { seqOf, type VersionVector } from './records.js'

export class VersionTracker {
  private readonly vv = new Map<string, number>()
  private readonly pending = new Map<string, Set<number>>()
  /** Origins whose entry moved since the last takeChanges(): what the store must rewrite. */
  private readonly changed = new Set<string>()
  private readonly retired = new Map<string, number>()
  /** Origins retired or brought back since the last takeRetiredChanges(). */
  private readonly retiredChanged = new Set<string>()
  /** When each entry last moved (ms, this process's life; a restart counts as a move). */
  private readonly moved = new Map<string, number>()

  constructor(private readonly now: () => number = () => 0) {}

  /** The vv entry (0 for none, and for a retired origin). */
  get(origin: string): number {
    return this.vv.get(origin) ?? 0
  }

  /** Every write of `origin` up to this is in our state: the vv entry, or the retired one. */
  covered(origin: string): number {
    return this.vv.get(origin) ?? this.retired.get(origin) ?? 0
  }

  /** Entries in the vv, and retired entries. */
  counts(): { active: number; retired: number } {
    return { active: this.vv.size, retired: this.retired.size }
  }

  retiredOf(origin: string): number {
    return this.retired.get(origin) ?? 0
  }

  /** ms when the entry last moved (undefined for none). */
  movedAt(origin: string): number | undefined {
    return this.moved.get(origin)
  }

  hasPending(origin: string): boolean {
    return this.pending.has(origin)
  }

  /** Moves an entry out of the vv; a later write of the origin brings it back (see unretire). */
  retire(origin: string): void {
    const s = this.vv.get(origin)
    if (s === undefined) return
    this.vv.delete(origin)
    this.moved.delete(origin)
    this.pending.delete(origin)
    this.changed.delete(origin)
    this.retired.set(origin, s)
    this.retiredChanged.add(origin)
  }

  /** Restores a retired entry as the store kept it. */
  restoreRetired(origin: string, seq: number): void {
    if (!this.vv.has(origin)) this.retired.set(origin, seq)
  }

  /** Retired entries that changed since the last call: [origin, seq] retired, [origin, 0] back in the vv. */
  takeRetiredChanges(): Array<[string, number]> {
    const out: Array<[string, number]> = []
    for (const o of this.retiredChanged) out.push([o, this.retired.get(o) ?? 0])
    this.retiredChanged.clear()
    return out
  }

  /** Every retired entry (a full state transfer covers them too). */
  retiredEntries(): Array<[string, number]> {
    return [...this.retired]
  }

  /** Records that the write (origin, seq) is now part of our state. */
  observe(origin: string, seq: number): void {
    if (seq <= this.covered(origin)) return
    this.unretire(origin)
    const cur = this.get(origin)
    if (seq <= cur) return
    if (seq === cur + 1) {
      this.set(origin, seq)
      this.drain(origin)
      return
    }
    let p = this.pending.get(origin)
    if (p === undefined) {
      p = new Set()
      this.pending.set(origin, p)
    }
    // A gap this wide means we missed a lot; anti-entropy will repair it, so stop remembering.
    if (p.size >= MAX_PENDING_PER_ORIGIN) p.clear()
    else p.add(seq)
  }

  /** Pointwise max with a vector whose writes are all known to be in our state. */
  raise(other: VersionVector): void {
    for (const o of Object.keys(other)) {
      const s = seqOf(other, o)!
      if (s <= this.covered(o)) continue
      this.unretire(o)
      if (s > this.get(o)) {
        this.set(o, s)
        this.drain(o)
      }
    }
  }

  origins(): IterableIterator<string> {
    return this.vv.keys()
  }

  snapshot(): VersionVector {
    const out: Record<string, number> = {}
    for (const [o, s] of this.vv) out[o] = s
    return out
  }

  /** The entries that moved since the last call, and forgets them: O(changes), not O(origins). */
  takeChanges(): Array<[string, number]> {
    const out: Array<[string, number]> = []
    for (const o of this.changed) out.push([o, this.get(o)])
    this.changed.clear()
    return out
  }

  private set(origin: string, seq: number): void {
    this.vv.set(origin, seq)
    this.changed.add(origin)
    this.moved.set(origin, this.now())
  }

  /** A retired origin writes again (an agent back after a long absence): its entry returns. */
  private unretire(origin: string): void {
    const s = this.retired.get(origin)
    if (s === undefined) return
    this.retired.delete(origin)
    this.retiredChanged.add(origin)
    this.set(origin, s)
  }

  private drain(origin: string): void {
    const p = this.pending.get(origin)
    if (p === undefined) return
    let cur = this.get(origin)
    for (const s of p) if (s <= cur) p.delete(s)
    while (p.delete(cur + 1)) cur++
    this.set(origin, cur)
    if (p.size === 0) this.pending.delete(origin)
  }
}
