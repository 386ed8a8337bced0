// Tombstone collection and retired origins (docs/state-and-sync.md, "Tombstones", "Retired
// origins"): what a replica drops once every live member should have seen it, and the collected
// floors that record it. Apart from replica.ts, whose merge rules never drop anything: the Replica
// owns one Collection and runs it when the state service says so; a full state transfer
// (full-transfer.ts) drops records through it too. Pure: the replica hands in its record table
// and version vector.
import { type Change, changeOrigin } from './changes.js'
import { parseId } from './ids.js'
import type { RecordTable } from './record-table.js'
import { type CrdtRecord, isTombstone, type SetRecord, seqOf, setPresent } from './records.js'
import { deadOrigins, withoutOrigins } from './set-parts.js'
import type { VersionTracker } from './versions.js'

/** What collection reaches of its replica. */
export interface CollectionHost {
  readonly selfId: string
  readonly table: RecordTable
  readonly versions: VersionTracker
  /** Records holding an own part not signed yet: never dropped (own writes are sealed first). */
  readonly unsigned: ReadonlySet<string>
}

/** Every write of `dots` is at or below `vv`. */
export function covers(vv: (o: string) => number, dots: Readonly<Record<string, number>>): boolean {
  for (const o of Object.keys(dots)) if (dots[o]! > vv(o)) return false
  return true
}

export class Collection {
  constructor(
    private readonly host: CollectionHost,
    private readonly now: () => number,
    private readonly horizonMs: number,
  ) {}

  /**
   * Drops every tombstone that has read as absent for the horizon and whose dots our vv covers
   * (so a peer can no longer hand us an older version: see Replica.unseen), raising the collected
   * floor of each of its origins; and so the dead parts of set elements still present. Returns
   * how many records were dropped or lost parts. O(tombstones).
   */
  collectTombstones(): number {
    const { table, versions, unsigned } = this.host
    const { records, tombstones } = table
    const cutoff = this.now() - this.horizonMs
    const ourVV = (o: string): number => versions.covered(o)
    let n = 0
    for (const id of tombstones.due(cutoff)) {
      const r = records.get(id)
      if (r === undefined || unsigned.has(id)) continue
      if (!covers(ourVV, r.dots)) continue
      if (isTombstone(r)) {
        this.forget(id, r)
        n++
      } else if (r.t === 'set') {
        const dead = deadOrigins(r)
        if (
          this.dropParts(
            id,
            r,
            withoutOrigins(r, (o) => dead.includes(o)),
          )
        )
          n++
      }
    }
    return n
  }

  /**
   * Retires every origin that is not a live member (`isLive`), whose writes no record holds any
   * more (all overwritten by others), none of them collected here, with no gap, and whose vv entry
   * has not moved for the horizon: its entry leaves the vv, so sessions no longer reconcile it, and
   * is kept aside (`retiredOf`) so its old writes stay covered. A new write brings it back. An
   * origin with a collected floor stays: only its entry in a session tells a peer that never heard
   * of it that it needs a full transfer.
   */
  retireOrigins(isLive: (origin: string) => boolean): string[] {
    const { selfId, versions } = this.host
    const { dotIndex, tombstones } = this.host.table
    const cutoff = this.now() - this.horizonMs
    const out: string[] = []
    for (const o of [...versions.origins()]) {
      if (o === selfId || isLive(o) || dotIndex.liveCount(o) > 0 || versions.hasPending(o)) continue
      if (tombstones.floor(o) > 0) continue
      const at = versions.movedAt(o)
      if (at === undefined || at > cutoff) continue
      versions.retire(o)
      dotIndex.dropOrigin(o)
      out.push(o)
    }
    return out
  }

  /** Drops a record whole (collected or superseded), raising the floors of its dots. */
  forget(id: string, r: CrdtRecord): Change | undefined {
    const parsed = parseId(id)!
    for (const o of Object.keys(r.dots)) this.host.table.tombstones.raiseFloor(o, r.dots[o]!)
    this.host.table.remove(id, parsed, r)
    if (r.t === 'lww' && parsed.t === 'lww' && r.value !== null)
      return { kind: 'kv', key: parsed.key, value: null, origin: r.origin }
    if (r.t === 'set' && parsed.t === 'set' && setPresent(r))
      return {
        kind: 'set',
        name: parsed.name,
        element: parsed.element,
        present: false,
        origin: changeOrigin(undefined, r),
      }
    return undefined
  }

  /**
   * Replaces a set element with `next`, itself without some parts (collected, or superseded in a
   * full state transfer), raising the floors of their dots and of the removes of their adds: a
   * peer that missed such a remove (and may hold the add as live) must get a full transfer.
   * False when nothing went.
   */
  dropParts(id: string, r: SetRecord, next: SetRecord): boolean {
    if (next === r) return false
    const { tombstones } = this.host.table
    this.host.table.store(id, parseId(id)!, r, next)
    for (const o of Object.keys(r.dots)) {
      if (seqOf(next.dots, o) !== undefined) continue
      tombstones.raiseFloor(o, r.dots[o]!)
      const remover = seqOf(r.removed, o) === undefined ? undefined : r.rsigs[o]![0]
      const at = remover === undefined ? undefined : seqOf(r.dots, remover)
      if (at !== undefined) tombstones.raiseFloor(remover!, at)
    }
    return true
  }
}
