// The three record types and their joins. Every join is a least upper bound (commutative,
// associative, idempotent); records are immutable, and a join returns its first argument
// unchanged when the second adds nothing, so callers detect "no news" by identity.
import { compareHlc, type Hlc } from './hlc.js'
import { canonicalJson, type JsonValue } from './json.js'

/** origin (peer id) -> sequence number or amount. Keys are validated origins (never '__proto__'). */
export type SeqMap = Readonly<Record<string, number>>

/** vv[origin] = s: this state includes every write by origin with seq <= s. */
export type VersionVector = SeqMap

export interface LwwRecord {
  readonly t: 'lww'
  readonly hlc: Hlc
  readonly origin: string
  /** null = deleted (tombstone). */
  readonly value: JsonValue | null
  readonly dots: SeqMap
}

export interface SetRecord {
  readonly t: 'set'
  /** adds[O] = seq of O's latest add of this element. */
  readonly adds: SeqMap
  /** removed[O] = highest add-seq of O observed by any remove. */
  readonly removed: SeqMap
  readonly dots: SeqMap
}

export interface CounterRecord {
  readonly t: 'counter'
  readonly p: SeqMap
  readonly n: SeqMap
  readonly dots: SeqMap
}

export type CrdtRecord = LwwRecord | SetRecord | CounterRecord

/** The write (origin, seq) that produced a delta. */
export interface Dot {
  readonly origin: string
  readonly seq: number
}

/** Gossip unit: the full record state after one write, plus that write's dot. */
export interface Delta {
  readonly id: string
  readonly record: CrdtRecord
  readonly dot: Dot
}

/** Own-property read: a map parsed from the wire is a plain object, so 'constructor' must not resolve. */
export function seqOf(m: SeqMap, origin: string): number | undefined {
  return Object.hasOwn(m, origin) ? m[origin] : undefined
}

/** Pointwise max; returns `a` itself when `b` raises nothing. */
export function maxMaps(a: SeqMap, b: SeqMap): SeqMap {
  let out: Record<string, number> | undefined
  for (const k of Object.keys(b)) {
    const y = b[k]!
    const x = seqOf(a, k)
    if (x === undefined || y > x) {
      out ??= { ...a }
      out[k] = y
    }
  }
  return out ?? a
}

export function sumMap(m: SeqMap): number {
  let s = 0
  for (const v of Object.values(m)) s += v
  return s
}

/** Total order on LWW records: (hlc, origin), then value and dots so even a forged tie is deterministic. */
export function compareLww(a: LwwRecord, b: LwwRecord): number {
  const c = compareHlc(a.hlc, b.hlc)
  if (c !== 0) return c
  if (a.origin !== b.origin) return a.origin < b.origin ? -1 : 1
  if (a.value !== b.value) {
    const va = canonicalJson(a.value)
    const vb = canonicalJson(b.value)
    if (va !== vb) return va < vb ? -1 : 1
  }
  if (a.dots === b.dots) return 0
  const da = canonicalJson(a.dots)
  const db = canonicalJson(b.dots)
  return da === db ? 0 : da < db ? -1 : 1
}

export function setPresent(r: SetRecord): boolean {
  for (const o of Object.keys(r.adds)) {
    if (r.adds[o]! > (seqOf(r.removed, o) ?? 0)) return true
  }
  return false
}

export function counterValue(r: CounterRecord): number {
  return sumMap(r.p) - sumMap(r.n)
}

/** A record that reads as absent: a deleted key or a removed set element. */
export function isTombstone(r: CrdtRecord): boolean {
  return (r.t === 'lww' && r.value === null) || (r.t === 'set' && !setPresent(r))
}

/** A register: the greater write wins whole, dots included (see lwwWrite). */
function mergeLww(a: LwwRecord, b: LwwRecord): LwwRecord {
  return compareLww(a, b) >= 0 ? a : b
}

function mergeSet(a: SetRecord, b: SetRecord): SetRecord {
  const adds = maxMaps(a.adds, b.adds)
  const removed = maxMaps(a.removed, b.removed)
  const dots = maxMaps(a.dots, b.dots)
  if (adds === a.adds && removed === a.removed && dots === a.dots) return a
  return { t: 'set', adds, removed, dots }
}

function mergeCounter(a: CounterRecord, b: CounterRecord): CounterRecord {
  const p = maxMaps(a.p, b.p)
  const n = maxMaps(a.n, b.n)
  const dots = maxMaps(a.dots, b.dots)
  if (p === a.p && n === a.n && dots === a.dots) return a
  return { t: 'counter', p, n, dots }
}

/** Join of two records of the same id. Ids encode the type, so a type mismatch is a caller bug. */
export function mergeRecords(a: CrdtRecord, b: CrdtRecord): CrdtRecord {
  if (a.t === 'lww' && b.t === 'lww') return mergeLww(a, b)
  if (a.t === 'set' && b.t === 'set') return mergeSet(a, b)
  if (a.t === 'counter' && b.t === 'counter') return mergeCounter(a, b)
  throw new TypeError(`cannot merge a ${a.t} record with a ${b.t} record`)
}

/** Canonical bytes-to-be of one (id, record) entry; equal entries encode equally on every peer. */
export function canonicalEntry(id: string, r: CrdtRecord): string {
  return canonicalJson([id, r])
}
