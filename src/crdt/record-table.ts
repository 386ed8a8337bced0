// The records of one replica and the indexes kept in step with them: the dot index (diffs), the
// digest (and the state's size), the read views and the tombstone dates. Every change goes
// through store, reseal or remove, so no index drifts from the records. Apart from replica.ts so
// that the merge rules there, admission (admission.ts) and collection (collection.ts) share one
// state without reaching into each other; the reads are here because they only look it up. Pure.

import { StateDigest } from './digest.js'
import { DotIndex } from './dot-index.js'
import { counterId, kvId, type ParsedId, setId } from './ids.js'
import type { JsonValue } from './json.js'
import { encodeEntry } from './record-wire.js'
import { type CrdtRecord, counterValue, setPresent } from './records.js'
import { TombstoneTracker } from './tombstones.js'
import { type ReplicaStats, Views } from './views.js'

/** Told after every record change and removal: the replica's onRecord and onForget. */
export interface RecordHooks {
  /** `entry`: the record's canonical encoding, hashed for the digest (the store keeps it). */
  changed(id: string, record: CrdtRecord, entry: Uint8Array): void
  removed(id: string): void
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)

export class RecordTable {
  readonly records = new Map<string, CrdtRecord>()
  readonly dotIndex = new DotIndex()
  /** Its `bytes` is the size of the state. */
  readonly digest = new StateDigest()
  readonly tombstones = new TombstoneTracker()
  private readonly views = new Views()

  constructor(
    private readonly now: () => number,
    private readonly hooks: RecordHooks,
  ) {}

  get(id: string): CrdtRecord | undefined {
    return this.records.get(id)
  }

  /** Replaces `prev` (undefined: none) with `next`. */
  store(id: string, parsed: ParsedId, prev: CrdtRecord | undefined, next: CrdtRecord): void {
    this.records.set(id, next)
    this.dotIndex.update(id, prev?.dots, next.dots)
    if (prev !== undefined) this.digest.remove(encodeEntry(id, prev))
    const entry = encodeEntry(id, next)
    this.digest.add(entry)
    this.views.update(parsed, prev, next)
    this.tombstones.track(id, prev, next, this.now())
    this.hooks.changed(id, next, entry)
  }

  /** Replaces a record with itself signed: only its encoding changes (no dots, reads or dates). */
  reseal(id: string, record: CrdtRecord): void {
    this.digest.remove(encodeEntry(id, this.records.get(id)!))
    this.records.set(id, record)
    const entry = encodeEntry(id, record)
    this.digest.add(entry)
    this.hooks.changed(id, record, entry)
  }

  /** Removes a record whole (collected, or superseded in a full state transfer). */
  remove(id: string, parsed: ParsedId, r: CrdtRecord): void {
    this.records.delete(id)
    this.dotIndex.remove(id, r.dots)
    this.digest.remove(encodeEntry(id, r))
    this.views.remove(parsed, r)
    this.tombstones.untrack(id)
    this.hooks.removed(id)
  }

  stats(): ReplicaStats {
    return this.views.stats(this.records.size)
  }

  // ---- reads (see Replica)

  kvGet(key: string): JsonValue | undefined {
    const r = this.records.get(kvId(key))
    return r?.t === 'lww' && r.value !== null ? r.value : undefined
  }

  kvList(prefix: string): Array<{ key: string; value: JsonValue }> {
    const out: Array<{ key: string; value: JsonValue }> = []
    const idPrefix = kvId(prefix)
    for (const [id, r] of this.records) {
      if (r.t === 'lww' && r.value !== null && id.startsWith(idPrefix))
        out.push({ key: id.slice(2), value: r.value })
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  }

  setMembers(name: string): string[] {
    const out: string[] = []
    for (const el of this.views.elements(name)) {
      const r = this.records.get(setId(name, el))
      if (r?.t === 'set' && setPresent(r)) out.push(el)
    }
    return out.sort()
  }

  counterGet(name: string): number {
    const r = this.records.get(counterId(name))
    return r?.t === 'counter' ? counterValue(r) : 0
  }

  setList(prefix: string): Array<{ name: string; size: number }> {
    return [...this.views.setSizes()].filter((s) => s.name.startsWith(prefix)).sort(byName)
  }

  counterList(prefix: string): Array<{ name: string; value: number }> {
    const out: Array<{ name: string; value: number }> = []
    const idPrefix = counterId(prefix)
    for (const [id, r] of this.records) {
      if (r.t === 'counter' && id.startsWith(idPrefix))
        out.push({ name: id.slice(2), value: counterValue(r) })
    }
    return out.sort(byName)
  }
}
