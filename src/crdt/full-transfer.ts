// The receiving end of a full state transfer (docs/state-and-sync.md, "A member that returns
// after collection gets a full state transfer"): a diff can only send records, not "what you hold
// was deleted" once the tombstone is gone, so a peer below one of our collected floors gets every
// record we hold, our vv with the retired entries and our floors; the receiver drops what the
// sender no longer holds. Apart from replica.ts because it is collection seen from the other side
// (it drops records through collection.ts), not a merge rule; the Replica owns one. Pure.
import type { Change } from './changes.js'
import { visibleChange } from './changes.js'
import { type Collection, type CollectionHost, covers } from './collection.js'
import { parseId } from './ids.js'
import { type CrdtRecord, type SeqMap, type SetRecord, seqOf, type VersionVector } from './records.js'
import { withoutOrigins } from './set-parts.js'

/**
 * How far, in all, full transfers' floors may lift our vv past the writes we hold, in one
 * replica's life (see FullTransfer.apply): what a lying member could make us ignore.
 */
export const FLOOR_LIFT = 2 ** 20

export class FullTransfer {
  /** How far full transfers' floors have lifted our vv past the writes we held (at most FLOOR_LIFT). */
  private floorLifted = 0

  constructor(
    private readonly host: CollectionHost,
    private readonly collection: Collection,
    private readonly now: () => number,
    private readonly horizonMs: number,
  ) {}

  /** The vv with the retired entries: what a full state transfer says it covers. */
  coverageVector(): VersionVector {
    const { versions } = this.host
    const out: Record<string, number> = { ...versions.snapshot() }
    for (const [o, s] of versions.retiredEntries()) out[o] = s
    return out
  }

  /**
   * Ends a full state transfer: the sender sent every record it holds (`received`: their dots by
   * id), with its whole vv and its floors. A record of ours it did not send, whose dots its vv
   * covers, was collected or superseded there, so it goes here too; so does a part of a set
   * element of ours that its copy lacks and its vv covers. Counters are never collected, so one missing is kept;
   * an LWW value goes only if written before the horizon (the delete that superseded it is older
   * than that), which bounds what a lying peer can make us drop. Our vv then rises to the sender's,
   * for each origin as far as the writes we held or the sender collected (see Replica.applyRecords:
   * never our own, nor an origin of a record held back), and our floors to the sender's, as far as
   * our vv. Returns the visible changes.
   */
  apply(
    received: ReadonlyMap<string, SeqMap>,
    senderVV: VersionVector,
    senderFloors: VersionVector,
    heldOrigins: ReadonlySet<string>,
  ): Change[] {
    const { selfId, table, versions, unsigned } = this.host
    const { records, dotIndex, tombstones } = table
    const changes: Change[] = []
    const cutoff = this.now() - this.horizonMs
    const drop: Array<[string, CrdtRecord]> = []
    const theirs = (o: string): number => seqOf(senderVV, o) ?? 0
    const trim: Array<[string, SetRecord, SetRecord]> = []
    for (const [id, r] of records) {
      if (r.t === 'counter' || unsigned.has(id)) continue
      const sent = received.get(id)
      if (sent !== undefined) {
        const lacks = (o: string) => seqOf(sent, o) === undefined && r.dots[o]! <= theirs(o)
        if (r.t === 'set') trim.push([id, r, withoutOrigins(r, lacks)])
        continue
      }
      if (r.t === 'lww' && r.hlc.wall > cutoff) continue
      if (covers(theirs, r.dots)) drop.push([id, r])
    }
    for (const [id, r, next] of trim) {
      if (!this.collection.dropParts(id, r, next)) continue
      const c = visibleChange(parseId(id)!, r, next)
      if (c !== undefined) changes.push(c)
    }
    for (const [id, r] of drop) {
      const c = this.collection.forget(id, r)
      if (c !== undefined) changes.push(c)
    }
    const raise: Record<string, number> = {}
    for (const o of Object.keys(senderVV)) {
      if (o === selfId || heldOrigins.has(o)) continue
      const held = Math.max(dotIndex.maxSeen(o), versions.get(o))
      // Past the writes we hold only on the sender's word (its floors are not signed): bounded.
      const floor = Math.min(seqOf(senderFloors, o) ?? 0, held + FLOOR_LIFT - this.floorLifted)
      const s = Math.min(senderVV[o]!, Math.max(held, floor))
      if (s > held) this.floorLifted += s - held
      if (s > versions.get(o)) raise[o] = s
    }
    versions.raise(raise)
    for (const o of Object.keys(senderFloors)) {
      tombstones.raiseFloor(o, Math.min(senderFloors[o]!, versions.get(o)))
    }
    return changes
  }
}
