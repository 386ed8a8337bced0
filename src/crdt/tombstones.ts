// Tombstones and their collection (docs/state-and-sync.md, "Tombstones"): since when each record
// has read as absent (or, for a set element, held a dead part), and per origin the collected
// floor, the highest seq of a write that was dropped here (collected, or superseded in a full
// state transfer). A peer whose vv is below a floor may still hold what was dropped, so it gets a
// full state transfer instead of a diff.
import type { CrdtRecord, SetRecord } from './records.js'
import { isTombstone } from './records.js'
import { deadOrigins } from './set-parts.js'

export class TombstoneTracker {
  /**
   * Id -> ms since when it reads as absent (LWW: the delete's HLC), or for a set element since
   * when it holds its latest dead part (our clock).
   */
  private readonly since = new Map<string, number>()
  /** Set elements in `since` that still read as present: only some of their parts are dead. */
  private readonly partial = new Set<string>()
  private readonly floors = new Map<string, number>()
  /** Origins whose floor moved since the last takeFloorChanges(): what the store must rewrite. */
  private readonly changed = new Set<string>()

  /** Follows a record after every change (`prev` before it); `now` dates a new dead set part. */
  track(id: string, prev: CrdtRecord | undefined, record: CrdtRecord, now: number): void {
    if (record.t === 'set') this.trackSet(id, prev?.t === 'set' ? prev : undefined, record, now)
    // A later delete of a deleted key restarts its wait.
    else if (record.t === 'lww' && record.value === null) this.since.set(id, record.hlc.wall)
    else this.untrack(id)
  }

  /** A part that dies restarts the wait: each is dropped at least the horizon after it died here. */
  private trackSet(id: string, prev: SetRecord | undefined, record: SetRecord, now: number): void {
    const dead = deadOrigins(record)
    if (dead.length === 0) {
      this.untrack(id)
      return
    }
    if (isTombstone(record)) this.partial.delete(id)
    else this.partial.add(id)
    const before = prev === undefined ? [] : deadOrigins(prev)
    const died = (o: string) => !before.includes(o) || prev!.dots[o] !== record.dots[o]
    if (!this.since.has(id) || dead.some(died)) this.since.set(id, now)
  }

  untrack(id: string): void {
    this.since.delete(id)
    this.partial.delete(id)
  }

  /** Ids dated at or before `cutoff` (tombstones and partly dead set elements). */
  *due(cutoff: number): Generator<string> {
    for (const [id, t] of this.since) if (t <= cutoff) yield id
  }

  /** Tombstones: records that read as absent. */
  get count(): number {
    return this.since.size - this.partial.size
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
