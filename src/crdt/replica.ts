// The replicated state of one peer: LWW keys, add-wins sets and PN-counters. Pure: no I/O.
//
//   new Replica(selfId, clock, { nextSeq? })  /  Replica.restore(selfId, clock, records, vv, nextSeq)
//   writes (each -> { deltas, changes }): kvSet, kvDel, setAdd, setRemove, counterAdd
//   reads: kvGet, kvList, setMembers (sorted), setList, counterGet (0 if unknown), counterList
//   replication: applyDelta, applyRecords(records, senderVV?), versionVector, diffFor, digest
//   collection: collectTombstones, retireOrigins, applyFullTransfer, floorOf, retiredOf
//   persistence: entries(), nextSeq, stats(), take{Version,Floor,Retired}Changes()
//
// Here: the merge rules (what a peer's record adds, what is superseded, how the vv rises). The
// rest is in modules the Replica owns and calls: own-writes.ts (local writes, seqs, signing),
// record-table.ts (records, indexes, reads), admission.ts (held-back records, caps),
// collection.ts (tombstones, retired origins), full-transfer.ts (what a full transfer drops).
import { InvalidInputError } from '../errors.js'
import type { Clock } from '../util/clock.js'
import { Admission, type HeldBack } from './admission.js'
import { type Change, visibleChange } from './changes.js'
import { Collection, type CollectionHost, covers } from './collection.js'
import type { DotIndex } from './dot-index.js'
import { FullTransfer } from './full-transfer.js'
import { HybridClock } from './hlc.js'
import { type ParsedId, parseId } from './ids.js'
import type { JsonValue } from './json.js'
import {
  DEFAULT_MAX_FUTURE_MS,
  DEFAULT_MAX_RECORDS,
  DEFAULT_MAX_STATE_BYTES,
  DEFAULT_TOMBSTONE_HORIZON_MS,
  MAX_SEQ,
  originProblem,
} from './limits.js'
import { OwnWrites, type OwnWritesHost } from './own-writes.js'
import { RecordTable } from './record-table.js'
import {
  type CrdtRecord,
  type Delta,
  mergeRecords,
  type SeqMap,
  seqOf,
  type VersionVector,
} from './records.js'
import { withoutOrigins } from './set-parts.js'
import { acceptAllWrites, fakeWriteSigner } from './signing.js'
import type { TombstoneTracker } from './tombstones.js'
import { VersionTracker } from './versions.js'
import type { ReplicaStats } from './views.js'
import type { ReplicaOptions, WriteResult } from './writes.js'

// Where they were defined before the split (#32): src/crdt/index.ts and tests import them from here.
export { FLOOR_LIFT } from './full-transfer.js'
export { SEQ_JUMP } from './own-writes.js'

export class Replica {
  readonly selfId: string
  /** The records and the indexes that follow them; `records`, `dotIndex` and `tombstones` are its. */
  private readonly table: RecordTable
  private readonly records: ReadonlyMap<string, CrdtRecord>
  private readonly dotIndex: DotIndex
  private readonly tombstones: TombstoneTracker
  private readonly versions: VersionTracker
  private readonly hlc: HybridClock
  /** Local writes: their seqs, and their signing (seal). */
  private readonly own: OwnWrites
  /** Whether a peer's record is merged now, and whether a local write fits the caps. */
  private readonly admission: Admission
  /** Tombstones and retired origins dropped here. */
  private readonly collection: Collection
  /** What a full transfer's sender dropped, dropped here too. */
  private readonly fullTransfer: FullTransfer
  /** Called after every record change (local, gossip or sync): the hook the durable store uses. */
  onRecord?: (id: string, record: CrdtRecord, entry: Uint8Array) => void
  /** Called after a record was dropped (collected, or superseded in a full state transfer). */
  onForget?: (id: string) => void

  constructor(selfId: string, clock: Clock, opts: ReplicaOptions = {}) {
    const p = originProblem(selfId)
    if (p !== undefined) throw new InvalidInputError(`replica id ${p}`)
    const nextSeq = opts.nextSeq ?? 1
    if (!Number.isSafeInteger(nextSeq) || nextSeq < 1 || nextSeq > MAX_SEQ + 1) {
      throw new InvalidInputError(`nextSeq must be an integer from 1 to 2^48 + 1`)
    }
    this.selfId = selfId
    const now = () => clock.now()
    this.table = new RecordTable(now, {
      changed: (id, r, entry) => this.onRecord?.(id, r, entry),
      removed: (id) => this.onForget?.(id),
    })
    this.records = this.table.records
    this.dotIndex = this.table.dotIndex
    this.tombstones = this.table.tombstones
    this.versions = new VersionTracker(now)
    const maxFutureMs = opts.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS
    const horizonMs = opts.tombstoneHorizonMs ?? DEFAULT_TOMBSTONE_HORIZON_MS
    this.admission = new Admission(this.table, clock, {
      maxFutureMs,
      maxRecords: opts.maxRecords ?? DEFAULT_MAX_RECORDS,
      maxStateBytes: opts.maxStateBytes ?? DEFAULT_MAX_STATE_BYTES,
      verifier: opts.verifier ?? acceptAllWrites,
    })
    this.hlc = new HybridClock(clock, maxFutureMs)
    const ownHost: OwnWritesHost = {
      selfId,
      table: this.table,
      admission: this.admission,
      hlc: this.hlc,
      put: (id, parsed, record) => this.put(id, parsed, record),
      observe: (origin, seq) => this.versions.observe(origin, seq),
    }
    this.own = new OwnWrites(ownHost, nextSeq, opts.signer ?? fakeWriteSigner, opts.deferSigning ?? false)
    const host: CollectionHost = {
      selfId,
      table: this.table,
      versions: this.versions,
      unsigned: this.own.unsigned,
    }
    this.collection = new Collection(host, now, horizonMs)
    this.fullTransfer = new FullTransfer(host, this.collection, now, horizonMs)
    // Own seqs below nextSeq are in the restored state or were never seen by anyone (see
    // ReplicaOptions.nextSeq), so claiming them keeps skipped seqs from leaving a gap forever.
    if (nextSeq > 1) this.versions.raise({ [selfId]: nextSeq - 1 })
  }

  /** Rebuilds a replica from persisted records, version vector, next seq and collected floors. */
  static restore(
    selfId: string,
    clock: Clock,
    records: Iterable<readonly [string, CrdtRecord]>,
    vv: VersionVector,
    nextSeq: number,
    opts: Omit<ReplicaOptions, 'nextSeq'> & { floors?: VersionVector; retired?: VersionVector } = {},
  ): Replica {
    const r = new Replica(selfId, clock, { ...opts, nextSeq })
    for (const [id, record] of records) r.merge(id, record)
    r.versions.raise(vv)
    for (const [o, s] of Object.entries(opts.retired ?? {})) r.versions.restoreRetired(o, s)
    for (const [o, s] of Object.entries(opts.floors ?? {})) r.tombstones.raiseFloor(o, s)
    r.tombstones.takeFloorChanges()
    return r
  }

  /** The seq the next local write will take (persist it with the records). */
  get nextSeq(): number {
    return this.own.nextSeq
  }

  // ---- local writes (own-writes.ts)

  kvSet(key: string, value: JsonValue): WriteResult {
    return this.own.kvSet(key, value)
  }

  kvDel(key: string): WriteResult {
    return this.own.kvDel(key)
  }

  setAdd(name: string, elements: readonly string[]): WriteResult {
    return this.own.setAdd(name, elements)
  }

  setRemove(name: string, elements: readonly string[]): WriteResult {
    return this.own.setRemove(name, elements)
  }

  /** Adds `amount` (a safe integer; negative decrements, 0 is a no-op). */
  counterAdd(name: string, amount: number): WriteResult {
    return this.own.counterAdd(name, amount)
  }

  /**
   * Signs every own part written since the last seal, one signature per batch of up to
   * MAX_BATCH_PARTS parts (see batch-proof.ts), and returns the signed records. With
   * deferSigning, call it before any of those records is stored or sent; without, every write
   * seals itself.
   */
  seal(): Map<string, CrdtRecord> {
    return this.own.seal()
  }

  /** Own writes made but not sealed yet (deferSigning). */
  get unsealed(): number {
    return this.own.unsigned.size
  }

  // ---- reads (record-table.ts)

  kvGet(key: string): JsonValue | undefined {
    return this.table.kvGet(key)
  }

  /** Live keys starting with `prefix`, sorted by key. Values are frozen. */
  kvList(prefix = ''): Array<{ key: string; value: JsonValue }> {
    return this.table.kvList(prefix)
  }

  setMembers(name: string): string[] {
    return this.table.setMembers(name)
  }

  counterGet(name: string): number {
    return this.table.counterGet(name)
  }

  /** Sets with at least one element whose name starts with `prefix`, with their sizes, sorted by name. */
  setList(prefix = ''): Array<{ name: string; size: number }> {
    return this.table.setList(prefix)
  }

  /** Counters ever written whose name starts with `prefix`, with their values, sorted by name. */
  counterList(prefix = ''): Array<{ name: string; value: number }> {
    return this.table.counterList(prefix)
  }

  // ---- replication

  /**
   * Merges one gossiped write. Returns the visible changes (none for duplicates, and none for a
   * write held back: its dot stays unobserved, so anti-entropy offers it again).
   */
  applyDelta(delta: Delta): Change[] {
    const { id, record, dot } = delta
    if ((seqOf(record.dots, dot.origin) ?? 0) < dot.seq) {
      throw new InvalidInputError(`delta for ${JSON.stringify(id)} does not contain its own dot`)
    }
    const fresh = this.unseen(id, record)
    if (fresh === undefined || this.admission.holdBack(id, fresh)) return []
    const change = this.merge(id, fresh)
    this.versions.observe(dot.origin, dot.seq)
    this.observeDots(fresh, this.records.get(id)!)
    return change === undefined ? [] : [change]
  }

  /**
   * Merges an anti-entropy batch. Pass `senderVV` only with the last batch of a complete
   * diffFor(ourVV) answer, taken by the sender together with that diff: then every write it
   * covers is in our state. Our vv then rises towards it, but for each origin only as far as a
   * write of that origin we hold has reached: a peer's word alone never advances it (no fake
   * origins, no switching off repair), and an origin of a held-back record does not rise.
   * `heldOrigins` carries those origins across the batches of one answer.
   */
  applyRecords(
    records: Iterable<readonly [string, CrdtRecord]>,
    senderVV?: VersionVector,
    heldOrigins = new Set<string>(),
  ): Change[] {
    const changes: Change[] = []
    for (const [id, received] of records) {
      const record = this.unseen(id, received)
      if (record === undefined) continue
      if (this.admission.holdBack(id, record)) {
        for (const o of Object.keys(record.dots)) heldOrigins.add(o)
        continue
      }
      const c = this.merge(id, record)
      if (c !== undefined) changes.push(c)
      // What we hold the done frame's vv raises us over; a register's losing write we do not hold.
      const held = this.records.get(id)!
      if (record.t === 'lww' && held !== record) this.observeDots(record, held)
    }
    if (senderVV !== undefined) {
      const raise: Record<string, number> = {}
      for (const o of Object.keys(senderVV)) {
        if (heldOrigins.has(o)) continue
        const s = Math.min(senderVV[o]!, this.dotIndex.maxSeen(o))
        if (s > this.versions.get(o)) raise[o] = s
      }
      this.versions.raise(raise)
      // Peers that saw our writes from before a lost or restored data dir (bounded: see lift).
      this.own.lift(seqOf(senderVV, this.selfId))
    }
    return changes
  }

  /** Counts of peer records not merged: stamped too far ahead, or naming origins past the cap. */
  heldBack(): HeldBack {
    return this.admission.heldBack()
  }

  /** Size of the state against its caps. */
  size(): { records: number; bytes: number; maxRecords: number; maxBytes: number } {
    return this.admission.size()
  }

  versionVector(): VersionVector {
    return this.versions.snapshot()
  }

  /** vv entries that moved since the last call (the store writes one key per origin). */
  takeVersionChanges(): Array<[string, number]> {
    return this.versions.takeChanges()
  }

  /** Every record with some dots[O] > remote[O]; cost grows with the difference, not the state. */
  diffFor(remote: VersionVector): Array<[string, CrdtRecord]> {
    const floors = new Map<string, number>()
    for (const o of this.dotIndex.originIds()) floors.set(o, seqOf(remote, o) ?? 0)
    return this.diffForOrigins(floors)
  }

  /**
   * The vv as [origin, vv[origin], highest seq of it ever held] for every origin with a vv entry
   * or a record: what anti-entropy reconciles (the third shows writes held beyond a gap).
   */
  versionEntries(): Array<[string, number, number]> {
    const out: Array<[string, number, number]> = []
    for (const o of this.versions.origins()) out.push([o, this.versions.get(o), this.dotIndex.maxSeen(o)])
    for (const o of this.dotIndex.originIds())
      if (this.versions.get(o) === 0) out.push([o, 0, this.dotIndex.maxSeen(o)])
    return out
  }

  /** vv[origin] (0 if none). */
  versionOf(origin: string): number {
    return this.versions.get(origin)
  }

  /** diffFor restricted to the origins of `floors`: the records above floors[O] for each. */
  diffForOrigins(floors: ReadonlyMap<string, number>): Array<[string, CrdtRecord]> {
    return [...this.dotIndex.idsAboveFor(floors)].map((id) => [id, this.records.get(id)!])
  }

  // ---- collection and full transfers (collection.ts, full-transfer.ts)

  /** Drops the tombstones and dead set parts due (see Collection.collectTombstones); returns how many. */
  collectTombstones(): number {
    return this.collection.collectTombstones()
  }

  /** Retires the origins that left and that nothing holds (see Collection.retireOrigins). */
  retireOrigins(isLive: (origin: string) => boolean): string[] {
    return this.collection.retireOrigins(isLive)
  }

  /** Origins in the vv (what sessions reconcile) and retired ones. */
  originCounts(): { active: number; retired: number } {
    return this.versions.counts()
  }

  /** The retired entry of `origin` (0 if it is not retired). */
  retiredOf(origin: string): number {
    return this.versions.retiredOf(origin)
  }

  /** Retired entries that changed since the last call: [origin, seq] retired, [origin, 0] back. */
  takeRetiredChanges(): Array<[string, number]> {
    return this.versions.takeRetiredChanges()
  }

  /** The vv with the retired entries: what a full state transfer says it covers. */
  coverageVector(): VersionVector {
    return this.fullTransfer.coverageVector()
  }

  /** Tombstones held now. */
  get tombstoneCount(): number {
    return this.tombstones.count
  }

  /** The collected floor of `origin`: the highest seq of a write of it dropped here (0 if none). */
  floorOf(origin: string): number {
    return this.tombstones.floor(origin)
  }

  /** Every collected floor, as a vector (sent with a full state transfer). */
  collectedFloors(): VersionVector {
    return Object.fromEntries(this.tombstones.floorEntries())
  }

  /** Floors that moved since the last call (the store writes one key per origin). */
  takeFloorChanges(): Array<[string, number]> {
    return this.tombstones.takeFloorChanges()
  }

  /**
   * Ends a full state transfer: drops what the sender (which sent every record it holds: their
   * dots by id) collected or superseded, and raises our vv and floors to its (see FullTransfer.apply).
   */
  applyFullTransfer(
    received: ReadonlyMap<string, SeqMap>,
    senderVV: VersionVector,
    senderFloors: VersionVector,
    heldOrigins: ReadonlySet<string> = new Set(),
  ): Change[] {
    return this.fullTransfer.apply(received, senderVV, senderFloors, heldOrigins)
  }

  /**
   * Marks the writes of a merged record as seen, so that the vv has no gap where we hold them:
   * a register's write even when it lost (it was checked), another record's parts that we hold.
   */
  private observeDots(incoming: CrdtRecord, held: CrdtRecord): void {
    if (incoming.t === 'lww') {
      this.versions.observe(incoming.origin, incoming.dots[incoming.origin]!)
      return
    }
    for (const o of Object.keys(incoming.dots)) {
      const s = incoming.dots[o]!
      if (seqOf(held.dots, o) === s) this.versions.observe(o, s)
    }
  }

  /**
   * A peer's record without what it holds that we do not and our vv covers (the record whole, or
   * for a set element an origin's part): its effect is in our state already, so it was collected
   * or superseded here and must not come back. Undefined when nothing is left.
   */
  private unseen(id: string, record: CrdtRecord): CrdtRecord | undefined {
    const ours = this.records.get(id)
    if (record.t !== 'set') {
      return ours === undefined && covers(this.ourVV, record.dots) ? undefined : record
    }
    const collected = (o: string) =>
      (ours === undefined || seqOf(ours.dots, o) === undefined) && record.dots[o]! <= this.ourVV(o)
    const left = withoutOrigins(record, collected)
    return Object.keys(left.dots).length === 0 ? undefined : left
  }

  private readonly ourVV = (o: string): number => this.versions.covered(o)

  /** Hex digest of the record set (not the vv): equal iff the record sets are equal. O(1). */
  digest(): string {
    return this.table.digest.hex()
  }

  stats(): ReplicaStats {
    return this.table.stats()
  }

  entries(): IterableIterator<[string, CrdtRecord]> {
    return this.records.entries()
  }

  // ---- internals

  private merge(id: string, record: CrdtRecord): Change | undefined {
    const parsed = parseId(id)
    if (parsed === undefined || parsed.t !== record.t) {
      throw new InvalidInputError(`record id ${JSON.stringify(id)} does not match a ${record.t} record`)
    }
    if (record.t === 'lww') this.hlc.observe(record.hlc)
    return this.put(id, parsed, record)
  }

  private put(id: string, parsed: ParsedId, incoming: CrdtRecord): Change | undefined {
    const prev = this.records.get(id)
    const next = prev === undefined ? incoming : mergeRecords(prev, incoming)
    if (next === prev) return undefined
    this.table.store(id, parsed, prev, next)
    this.own.bump(seqOf(next.dots, this.selfId))
    return visibleChange(parsed, prev, next)
  }
}
