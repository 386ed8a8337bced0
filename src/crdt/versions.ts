// The version vector of one replica, plus the out-of-order seqs that wait for a gap to fill.
import { MAX_PENDING_PER_ORIGIN } from './limits.js'
import { seqOf, type VersionVector } from './records.js'

export class VersionTracker {
  private readonly vv = new Map<string, number>()
  private readonly pending = new Map<string, Set<number>>()
  /** Origins whose entry moved since the last takeChanges(): what the store must rewrite. */
  private readonly changed = new Set<string>()

  get(origin: string): number {
    return this.vv.get(origin) ?? 0
  }

  /** Records that the write (origin, seq) is now part of our state. */
  observe(origin: string, seq: number): void {
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
