// This replica's own writes: each takes the next seq of this replica, whose dot (selfId, seq)
// travels with the delta, and its part is signed as it is made or, with deferSigning, in batches
// on seal() (batch-proof.ts). Deleting a key with no live value and removing an absent element
// are no-ops (no seq used, no delta): a delete only makes sense against a value observed here.
// Apart from replica.ts, whose merge rules take peers' records as they come: the Replica owns one
// OwnWrites, which merges each write through the replica's own merge. It also keeps that a seq
// peers once saw from us is never taken again. Pure.
import { InvalidInputError, TooLargeError } from '../errors.js'
import type { Admission } from './admission.js'
import type { Change } from './changes.js'
import type { HybridClock } from './hlc.js'
import { counterId, kvId, type ParsedId, setId } from './ids.js'
import { type JsonValue, normalizeValue } from './json.js'
import { MAX_SEQ, validateElements, validateName } from './limits.js'
import { signParts } from './part-signatures.js'
import type { RecordTable } from './record-table.js'
import type { CounterRecord, CrdtRecord, Dot, LwwRecord, SetRecord } from './records.js'
import type { WriteSigner } from './signing.js'
import { counterWrite, lwwWrite, setAddWrite, setRemoveWrite, type WriteResult } from './writes.js'

/** How far, in all, peers' version vectors may move our next seq in one replica's life (see lift). */
export const SEQ_JUMP = 2 ** 20

/** What own writes reach of their replica. */
export interface OwnWritesHost {
  readonly selfId: string
  readonly table: RecordTable
  readonly admission: Admission
  readonly hlc: HybridClock
  /** Merges a record into the state (the replica's merge); its visible change, if any. */
  put(id: string, parsed: ParsedId, record: CrdtRecord): Change | undefined
  /** The write (origin, seq) is now in our state (the vv). */
  observe(origin: string, seq: number): void
}

export class OwnWrites {
  /** Records holding an own part not signed yet (deferSigning). */
  private readonly pending = new Set<string>()
  private seq: number
  /** How far peers' vvs have moved our next seq so far (at most SEQ_JUMP). */
  private seqLifted = 0

  constructor(
    private readonly host: OwnWritesHost,
    nextSeq: number,
    private readonly signer: WriteSigner,
    /** Sign own writes only on seal() (batch signatures), not one by one as they are made. */
    private readonly deferSigning: boolean,
  ) {
    this.seq = nextSeq
  }

  /** The seq the next local write will take. */
  get nextSeq(): number {
    return this.seq
  }

  /** Records holding an own part not signed yet: not to be dropped or sent before seal(). */
  get unsigned(): ReadonlySet<string> {
    return this.pending
  }

  kvSet(key: string, value: JsonValue): WriteResult {
    validateName('key', key)
    const v = normalizeValue(value)
    this.host.admission.checkCaps(kvId(key), () => JSON.stringify(v).length)
    return this.writeLww(key, v)
  }

  kvDel(key: string): WriteResult {
    validateName('key', key)
    const prev = this.host.table.get(kvId(key))
    if (prev?.t !== 'lww' || prev.value === null) return { deltas: [], changes: [] }
    return this.writeLww(key, null)
  }

  setAdd(name: string, elements: readonly string[]): WriteResult {
    validateName('set name', name)
    validateElements(elements)
    for (const el of new Set(elements)) this.host.admission.checkCaps(setId(name, el))
    return this.writeSet(name, elements, (prev, seq) => setAddWrite(prev, this.host.selfId, seq))
  }

  setRemove(name: string, elements: readonly string[]): WriteResult {
    return this.writeSet(name, elements, (prev, seq) => setRemoveWrite(prev, this.host.selfId, seq))
  }

  counterAdd(name: string, amount: number): WriteResult {
    validateName('counter name', name)
    if (!Number.isSafeInteger(amount)) throw new InvalidInputError('counter amount must be a safe integer')
    if (amount === 0) return { deltas: [], changes: [] }
    const id = counterId(name)
    this.host.admission.checkCaps(id)
    const prev = this.host.table.get(id) as CounterRecord | undefined
    const record = counterWrite(prev, this.host.selfId, this.seq, amount)
    return this.localWrite(id, { t: 'counter', name }, record, this.takeDot())
  }

  /**
   * Signs every own part written since the last seal, one signature per batch of up to
   * MAX_BATCH_PARTS parts (see batch-proof.ts), and returns the signed records.
   */
  seal(): Map<string, CrdtRecord> {
    const out = new Map<string, CrdtRecord>()
    if (this.pending.size === 0) return out
    const items: Array<[string, CrdtRecord]> = []
    for (const id of this.pending) items.push([id, this.host.table.get(id)!])
    this.pending.clear()
    for (const [id, record] of signParts(this.signer, this.host.selfId, items)) {
      this.host.table.reseal(id, record)
      out.set(id, record)
    }
    return out
  }

  /** Never reuse a seq that peers already saw from us (e.g. after our state was lost). */
  bump(seen: number | undefined): void {
    if (seen !== undefined && seen >= this.seq) this.seq = seen + 1
  }

  /**
   * A peer's vv says it saw our writes up to `claimed`: from before a lost or restored data dir,
   * so never reuse those seqs (a write of ours overwritten since leaves no record to bump from).
   * A vv is not signed, so all peers together may lift us at most SEQ_JUMP in this replica's
   * life (a restore needs far less: its lost writes mostly come back as signed records).
   */
  lift(claimed: number | undefined): void {
    if (claimed !== undefined && claimed >= this.seq) {
      const to = Math.min(claimed, this.seq - 1 + SEQ_JUMP - this.seqLifted)
      if (to >= this.seq) {
        this.seqLifted += to + 1 - this.seq
        this.seq = to + 1
      }
    }
  }

  private writeLww(key: string, value: JsonValue | null): WriteResult {
    const id = kvId(key)
    const prev = this.host.table.get(id) as LwwRecord | undefined
    const record = lwwWrite(prev, this.host.hlc.now(), this.host.selfId, this.seq, value)
    return this.localWrite(id, { t: 'lww', key }, record, this.takeDot())
  }

  private writeSet(
    name: string,
    elements: readonly string[],
    make: (prev: SetRecord | undefined, seq: number) => SetRecord | undefined,
  ): WriteResult {
    validateName('set name', name)
    validateElements(elements)
    const out: WriteResult = { deltas: [], changes: [] }
    for (const element of new Set(elements)) {
      const id = setId(name, element)
      const prev = this.host.table.get(id) as SetRecord | undefined
      const record = make(prev, this.seq)
      if (record === undefined) continue
      const r = this.localWrite(id, { t: 'set', name, element }, record, this.takeDot())
      out.deltas.push(...r.deltas)
      out.changes.push(...r.changes)
    }
    return out
  }

  private takeDot(): Dot {
    if (this.seq > MAX_SEQ) throw new TooLargeError('this agent has used all 2^48 write sequence numbers')
    return { origin: this.host.selfId, seq: this.seq++ }
  }

  private localWrite(id: string, parsed: ParsedId, unsigned: CrdtRecord, dot: Dot): WriteResult {
    const change = this.host.put(id, parsed, unsigned)
    this.pending.add(id)
    this.host.observe(dot.origin, dot.seq)
    if (!this.deferSigning) this.seal()
    return {
      deltas: [{ id, record: this.host.table.get(id)!, dot }],
      changes: change === undefined ? [] : [change],
    }
  }
}
