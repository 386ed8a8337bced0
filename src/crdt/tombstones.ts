// Tombstones and their collection (docs/state-and-sync.md, "Tombstones"): since when each record
// has read as absent, and per origin the collected floor, the highest seq of a write that was
// dropped here (collected, or superseded in a full state transfer). A peer whose vv is below a
// floor may still hold what was dropped, so it gets a full state transfer instead of a diff.
import type { CrdtRecord } from './records.js'
import { isTombstone } from './records.js'

export class TombstoneTracker {
  /** Tombstone id -> ms since when it reads as absent (LWW: the delete's HLC; sets: our clock). */
  private readonly since = new Map<string, number>()
  private readonly floors = new Map<string, number>()
  /** Origins whose floor moved since the last takeFloorChanges(): what the store must rewrite. */
  private readonly changed = new Set<string>()

  /** Follows a record after every change; `now` dates a set element that became a tombstone. */
  track(id: string, record: CrdtRecord, now: number): void {
    if (!isTombstone(record)) this.since.delete(id)
    // A later delete of a deleted key restarts its wait; a set element keeps its first date.
    else if (record.t === 'lww') this.since.set(id, record.hlc.wall)
    else if (!this.since.has(id)) this.since.set(id, now)
  }

  untrack(id: string): void {
    this.since.delete(id)
  }

  /** Ids of tombstones dated at or before `cutoff`, oldest first as far as insertion order goes. */
  *due(cutoff: number): Generator<string> {
    for (const [id, t] of this.since) if (t <= cutoff) yield id
  }

  get count(): number {
    return this.since.size
  }

  floor(origin: string): number {
    return this.floors.get(origin) ?? 0
  }

  raiseFloor(origin: string, seq: number): void {
    if (seq <= this.floor(origin)) return
    this.floors.set(origin, seq)
    this.changed.add(origin)
  }

  /** Every floor, for a full state transfer and for tests. */
  floorEntries(): Array<[string, number]> {
    return [...this.floors]
  }

  /** The floors that moved since the last call, and forgets them. */
  takeFloorChanges(): Array<[string, number]> {
    const out: Array<[string, number]> = []
    for (const o of this.changed) out.push([o, this.floor(o)])
    this.changed.clear()
    return out
  }
}
