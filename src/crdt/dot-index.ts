// Per-origin index seq -> record id, so diffFor() touches only writes the remote has not seen.
//
// Each record holds at most one dot per origin (its highest), so every live (origin, seq) names
// exactly one record. Seqs are kept in a sorted array with lazy deletion: when a record's dot for O
// rises, the old seq stays in the array as a stale slot until compaction. Every slot above the
// remote's vv[O] - live or stale - is a write the remote is missing, so a diff scan costs
// O(origins * log n + missing writes), never O(state).
import { type SeqMap, seqOf } from './records.js'

class OriginIndex {
  seqs: number[] = []
  readonly live = new Map<number, string>()
  /** The highest seq of this origin ever indexed, live or since replaced. */
  maxSeen = 0
  private stale = 0

  insert(seq: number, id: string): void {
    if (seq > this.maxSeen) this.maxSeen = seq
    if (this.live.has(seq)) {
      this.live.set(seq, id)
      return
    }
    this.live.set(seq, id)
    const last = this.seqs[this.seqs.length - 1]
    if (last === undefined || last < seq) {
      this.seqs.push(seq)
      return
    }
    const pos = lowerBound(this.seqs, seq)
    if (this.seqs[pos] === seq)
      this.stale-- // reuse the stale slot
    else this.seqs.splice(pos, 0, seq)
  }

  remove(seq: number, id: string): void {
    if (this.live.get(seq) !== id) return
    this.live.delete(seq)
    this.stale++
    // Compact once stale slots outnumber live ones: amortised O(1) per update.
    if (this.stale > 32 && this.stale > this.live.size) {
      this.seqs = this.seqs.filter((s) => this.live.has(s))
      this.stale = 0
    }
  }

  collectAbove(floor: number, out: Set<string>): void {
    for (let i = lowerBound(this.seqs, floor + 1); i < this.seqs.length; i++) {
      const id = this.live.get(this.seqs[i]!)
      if (id !== undefined) out.add(id)
    }
  }
}

/** First index whose value is >= x. */
function lowerBound(a: readonly number[], x: number): number {
  let lo = 0
  let hi = a.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (a[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

export class DotIndex {
  private readonly byOrigin = new Map<string, OriginIndex>()

  /** Moves index entries for a record whose dots went from `prev` to `next`. */
  update(id: string, prev: SeqMap | undefined, next: SeqMap): void {
    // An LWW register replaced by another writer's value drops the old writer's dot.
    if (prev !== undefined) {
      for (const o of Object.keys(prev)) {
        if (seqOf(next, o) === undefined) this.byOrigin.get(o)?.remove(prev[o]!, id)
      }
    }
    for (const o of Object.keys(next)) {
      const s = next[o]!
      const old = prev === undefined ? undefined : seqOf(prev, o)
      if (old === s) continue
      let oi = this.byOrigin.get(o)
      if (oi === undefined) {
        oi = new OriginIndex()
        this.byOrigin.set(o, oi)
      }
      if (old !== undefined) oi.remove(old, id)
      oi.insert(s, id)
    }
  }

  /** Drops the entries of a record that is gone; maxSeen keeps what it carried. */
  remove(id: string, dots: SeqMap): void {
    for (const o of Object.keys(dots)) this.byOrigin.get(o)?.remove(dots[o]!, id)
  }

  /** Records holding a write of `origin` now. */
  liveCount(origin: string): number {
    return this.byOrigin.get(origin)?.live.size ?? 0
  }

  /** Forgets an origin no record holds (a retired one), maxSeen included. */
  dropOrigin(origin: string): void {
    if (this.liveCount(origin) === 0) this.byOrigin.delete(origin)
  }

  /** Origins with a write in some record we hold or held. */
  get origins(): number {
    return this.byOrigin.size
  }

  hasOrigin(origin: string): boolean {
    return this.byOrigin.has(origin)
  }

  /** The highest seq of `origin` that any record here carried (0 if none). */
  maxSeen(origin: string): number {
    return this.byOrigin.get(origin)?.maxSeen ?? 0
  }

  /** Every origin with a write in some record we hold or held. */
  originIds(): IterableIterator<string> {
    return this.byOrigin.keys()
  }

  /** Ids of every record with some dots[O] > floors[O], for the origins of `floors` only. */
  idsAboveFor(floors: ReadonlyMap<string, number>): Set<string> {
    const out = new Set<string>()
    for (const [o, floor] of floors) this.byOrigin.get(o)?.collectAbove(floor, out)
    return out
  }
}
