// The three record types and their joins. Every join is a least upper bound (commutative,
// associative, idempotent); records are immutable, and a join returns its first argument
// unchanged when the second adds nothing, so callers detect "no news" by identity.
import { compareHlc, type Hlc } from './hlc.js'
import { canonicalJson, type JsonValue } from './json.js'

/** origin (peer id) -> sequence number or amount. Keys are validated origins (never '__proto__'). */
export type SeqMap = Readonly<Record<string, number>>

/** vv[origin] = s: this state includes every write by origin with seq <= s. */
export type VersionVector = SeqMap

/** origin -> base64 Ed25519 signature by that origin of its contribution (see signing.ts). */
export type SigMap = Readonly<Record<string, string>>
/** adder X -> [remover R, R's signature of removed[X]]. */
export type RemoveSigMap = Readonly<Record<string, readonly [string, string]>>

export interface LwwRecord {
  readonly t: 'lww'
  readonly hlc: Hlc
  readonly origin: string
  /** null = deleted (tombstone). */
  readonly value: JsonValue | null
  readonly dots: SeqMap
  /** The origin's signature of (id, hlc, value, seq). */
  readonly sig: string
}

export interface SetRecord {
  readonly t: 'set'
  /** adds[O] = seq of O's latest add of this element. */
  readonly adds: SeqMap
  /** removed[O] = highest add-seq of O observed by any remove. */
  readonly removed: SeqMap
  readonly dots: SeqMap
  /** sigs[O]: O's signature of (id, adds[O] or 0, dots[O]). */
  readonly sigs: SigMap
  /** rsigs[X]: who removed X's adds up to removed[X], and its signature of that. */
  readonly rsigs: RemoveSigMap
}

export interface CounterRecord {
  readonly t: 'counter'
  readonly p: SeqMap
  readonly n: SeqMap
  readonly dots: SeqMap
  /** sigs[O]: O's signature of (id, p[O] or 0, n[O] or 0, dots[O]). */
  readonly sigs: SigMap
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
  if (a.dots !== b.dots) {
    const da = canonicalJson(a.dots)
    const db = canonicalJson(b.dots)
    if (da !== db) return da < db ? -1 : 1
  }
  return a.sig === b.sig ? 0 : a.sig < b.sig ? -1 : 1
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

const cmp = (x: number | string, y: number | string): number => (x === y ? 0 : x < y ? -1 : 1)

/**
 * Per origin, the contribution with the higher dot wins whole, with its signature: for an honest
 * origin that is the pointwise max of every field (its adds and totals only grow with its seqs);
 * equal dots (an origin that signed two contributions with one seq) fall to a fixed order.
 * `order` compares the rest of two contributions of one origin with equal dots.
 */
function winners(a: SeqMap, b: SeqMap, order: (o: string) => number): string[] | undefined {
  const fromB: string[] = []
  for (const o of Object.keys(b)) {
    const x = seqOf(a, o)
    const y = b[o]!
    if (x === undefined || y > x || (y === x && order(o) < 0)) fromB.push(o)
  }
  return fromB.length > 0 ? fromB : undefined
}

function take<V>(
  base: Readonly<Record<string, V>>,
  from: Readonly<Record<string, V>>,
  keys: readonly string[],
) {
  const out: Record<string, V> = { ...base }
  for (const k of keys) {
    if (Object.hasOwn(from, k)) out[k] = from[k]!
    else delete out[k]
  }
  return out
}

function mergeSet(a: SetRecord, b: SetRecord): SetRecord {
  const fromB = winners(
    a.dots,
    b.dots,
    (o) => cmp(seqOf(a.adds, o) ?? 0, seqOf(b.adds, o) ?? 0) || cmp(a.sigs[o]!, b.sigs[o]!),
  )
  // removed[X] is a max over removers; the remover of the higher value (then a fixed order) signs it.
  const rFromB = winners(
    a.removed,
    b.removed,
    (x) => cmp(a.rsigs[x]![0], b.rsigs[x]![0]) || cmp(a.rsigs[x]![1], b.rsigs[x]![1]),
  )
  if (fromB === undefined && rFromB === undefined) return a
  const o = fromB ?? []
  const r = rFromB ?? []
  return {
    t: 'set',
    adds: take(a.adds, b.adds, o),
    removed: take(a.removed, b.removed, r),
    dots: take(a.dots, b.dots, o),
    sigs: take(a.sigs, b.sigs, o),
    rsigs: take(a.rsigs, b.rsigs, r),
  }
}

function mergeCounter(a: CounterRecord, b: CounterRecord): CounterRecord {
  const fromB = winners(
    a.dots,
    b.dots,
    // An absent total sorts below 0: both sign the same body, so the order must tell them apart.
    (o) =>
      cmp(seqOf(a.p, o) ?? -1, seqOf(b.p, o) ?? -1) ||
      cmp(seqOf(a.n, o) ?? -1, seqOf(b.n, o) ?? -1) ||
      cmp(a.sigs[o]!, b.sigs[o]!),
  )
  if (fromB === undefined) return a
  return {
    t: 'counter',
    p: take(a.p, b.p, fromB),
    n: take(a.n, b.n, fromB),
    dots: take(a.dots, b.dots, fromB),
    sigs: take(a.sigs, b.sigs, fromB),
  }
}

/** Join of two records of the same id. Ids encode the type, so a type mismatch is a caller bug. */
export function mergeRecords(a: CrdtRecord, b: CrdtRecord): CrdtRecord {
  if (a.t === 'lww' && b.t === 'lww') return mergeLww(a, b)
  if (a.t === 'set' && b.t === 'set') return mergeSet(a, b)
  if (a.t === 'counter' && b.t === 'counter') return mergeCounter(a, b)
  throw new TypeError(`cannot merge a ${a.t} record with a ${b.t} record`)
}
