// Secondary indexes for reads and stats: which elements each set name has, and running counts,
// all maintained per record replacement so reads never scan the whole state.
import type { ParsedId } from './ids.js'
import { type CrdtRecord, setPresent } from './records.js'

export interface ReplicaStats {
  /** Keys with a live value. */
  keys: number
  /** Set names with at least one present element. */
  sets: number
  counters: number
  records: number
  /** Deleted keys plus removed set elements still held (collected after the horizon). */
  tombstones: number
}

interface SetView {
  elements: Set<string>
  present: number
}

export class Views {
  private keys = 0
  private counters = 0
  private tombstones = 0
  private readonly sets = new Map<string, SetView>()

  update(id: ParsedId, prev: CrdtRecord | undefined, next: CrdtRecord): void {
    if (prev !== undefined) this.count(id, prev, -1)
    else if (id.t === 'set') this.setView(id.name).elements.add(id.element)
    this.count(id, next, 1)
  }

  /** A record was dropped (collected, or superseded in a full state transfer). */
  remove(id: ParsedId, prev: CrdtRecord): void {
    this.count(id, prev, -1)
    if (id.t !== 'set') return
    const v = this.sets.get(id.name)
    v?.elements.delete(id.element)
    if (v?.elements.size === 0) this.sets.delete(id.name)
  }

  /** Element names that have a record (present or removed), unsorted. */
  elements(name: string): Iterable<string> {
    return this.sets.get(name)?.elements ?? []
  }

  /** Set names with at least one present element and how many, unsorted. */
  *setSizes(): Iterable<{ name: string; size: number }> {
    for (const [name, v] of this.sets) if (v.present > 0) yield { name, size: v.present }
  }

  stats(records: number): ReplicaStats {
    let sets = 0
    for (const v of this.sets.values()) if (v.present > 0) sets++
    return { keys: this.keys, sets, counters: this.counters, records, tombstones: this.tombstones }
  }

  private setView(name: string): SetView {
    let v = this.sets.get(name)
    if (v === undefined) {
      v = { elements: new Set(), present: 0 }
      this.sets.set(name, v)
    }
    return v
  }

  private count(id: ParsedId, r: CrdtRecord, sign: 1 | -1): void {
    if (r.t === 'lww') {
      if (r.value === null) this.tombstones += sign
      else this.keys += sign
    } else if (r.t === 'set' && id.t === 'set') {
      if (setPresent(r)) this.setView(id.name).present += sign
      else this.tombstones += sign
    } else if (r.t === 'counter') {
      this.counters += sign
    }
  }
}
