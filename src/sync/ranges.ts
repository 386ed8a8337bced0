// Range-based reconciliation of two version vectors (after Negentropy): each side holds its vv
// as entries sorted by origin; ranges of origins are compared by fingerprint, equal ranges are
// dropped, differing ones split until they are small enough to send outright. Pure, no I/O.
//
// A message is a list of ranges that together cover the whole origin space in order; each says:
//   skip          nothing to do here
//   fp            my fingerprint of this range (and count): compare
//   ids           my entries here; send me yours
//   final         my entries here, in answer to yours; no reply
// A message with neither fp nor ids is the last one. Afterwards each side knows the other's
// entries in every range where the two differ, and nothing else: bytes grow with the difference.

import { InvalidInputError } from '../errors.js'
import { mix32 } from '../util/hash.js'

/** One origin as reconciled: its vv entry and the highest seq of it ever held (gaps show there). */
export type VersionEntry = readonly [origin: string, seq: number, maxSeen: number]

export const SKIP = 0
export const FP = 1
export const IDS = 2
export const FINAL = 3

/** Upper bound (exclusive) of a range; null is the end of the origin space. */
export type Upper = string | null
export type WireEntry = [string, number] | [string, number, number]
export type Range =
  | [Upper, typeof SKIP]
  | [Upper, typeof FP, string, number]
  | [Upper, typeof IDS | typeof FINAL, WireEntry[]]

/** Ranges with at most this many entries are sent outright rather than split. */
export const IDS_THRESHOLD = 32
/** A differing range with more entries is split into this many. */
export const BRANCHING = 16
/** A final answer longer than this is cut into consecutive ranges (the wire's bound per range). */
export const FINAL_CHUNK = 1024

const entryOnWire = ([o, s, m]: VersionEntry): WireEntry => (m === s ? [o, s] : [o, s, m])
const entryFromWire = ([o, s, m]: WireEntry): VersionEntry => [o, s, m ?? s]

/** Two independent 32-bit lanes of one entry's hash (FNV-1a with murmur3's finaliser). */
function entryHash(o: string, s: number, m: number, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0
  const text = `${o}\u0000${s}\u0000${m}`
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return mix32(h)
}

const hex8 = (n: number): string => n.toString(16).padStart(8, '0')

/** An entry with writes held beyond a gap: two such can be equal and still hold different writes. */
const gapped = (e: VersionEntry): boolean => e[1] < e[2]

/**
 * One side's entries, sorted, with prefix sums of their hashes so any range's fingerprint is two
 * binary searches. Collisions are only accidental (2^-64): a peer that forges them can only
 * keep its own sync from working. A gapped entry hashes with a salt of this set's own, so a range
 * holding one always differs and the writes beyond the gap are exchanged.
 */
export class VersionSet {
  readonly entries: readonly VersionEntry[]
  private readonly sumA: Uint32Array
  private readonly sumB: Uint32Array

  constructor(entries: readonly VersionEntry[], salt = (Math.random() * 2 ** 32) >>> 0) {
    this.entries = [...entries].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
    const n = this.entries.length
    this.sumA = new Uint32Array(n + 1)
    this.sumB = new Uint32Array(n + 1)
    for (let i = 0; i < n; i++) {
      const e = this.entries[i]!
      const [o, s, m] = e
      const x = gapped(e) ? salt : 0
      this.sumA[i + 1] = (this.sumA[i]! + entryHash(o, s, m, 0x9e3779b9 ^ x)) >>> 0
      this.sumB[i + 1] = (this.sumB[i]! + entryHash(o, s, m, 0x7f4a7c15 ^ x)) >>> 0
    }
  }

  /** Index of the first entry with origin >= bound (null: the end). */
  index(bound: Upper): number {
    if (bound === null) return this.entries.length
    let lo = 0
    let hi = this.entries.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.entries[mid]![0] < bound) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  fingerprint(i: number, j: number): string {
    return hex8((this.sumA[j]! - this.sumA[i]!) >>> 0) + hex8((this.sumB[j]! - this.sumB[i]!) >>> 0)
  }
}

/** What one side learns: the other's entries in every range where the two differ. */
export class Reconciler {
  /** The other side's entries in the ranges where we differ, by origin. */
  readonly theirs = new Map<string, number>()
  /** Our origins in those ranges (their entry for one that is not in `theirs` is 0). */
  readonly ours = new Set<string>()
  /** Entries the peer has sent us so far (bounded by the caller). */
  received = 0

  constructor(readonly mine: VersionSet) {}

  /** The opening message: the whole space as one range, split as if it differed. */
  open(): Range[] {
    return this.differs(0, this.mine.entries.length, null)
  }

  /**
   * The answer to `msg`, and whether it ends the exchange (it asks nothing). InvalidInputError
   * if the ranges do not cover the origin space in order, or an entry lies outside its range.
   */
  answer(msg: readonly Range[]): { reply: Range[]; last: boolean } {
    const reply: Range[] = []
    let lower: Upper = ''
    for (const r of msg) {
      const upper = r[0]
      if (lower === null || (upper !== null && upper <= lower))
        throw new InvalidInputError('sync ranges out of order')
      const i = this.mine.index(lower)
      const j = this.mine.index(upper)
      if (r[1] === SKIP) reply.push([upper, SKIP])
      else if (r[1] === FP) {
        if (r[2] === this.mine.fingerprint(i, j) && r[3] === j - i) reply.push([upper, SKIP])
        else reply.push(...this.differs(i, j, upper))
      } else {
        const theirs = r[2].map(entryFromWire)
        let prev: string | undefined
        for (const [o] of theirs) {
          if (o < lower || (upper !== null && o >= upper))
            throw new InvalidInputError('sync range holds an origin outside it')
          if (prev !== undefined && o <= prev) throw new InvalidInputError('sync range entries out of order')
          prev = o
        }
        this.learn(theirs, i, j)
        if (r[1] === FINAL) reply.push([upper, SKIP])
        else if (sameEntries(this.mine.entries.slice(i, j), theirs)) reply.push([upper, SKIP])
        else reply.push(...this.finalAnswer(i, j, upper))
      }
      lower = upper
    }
    if (lower !== null) throw new InvalidInputError('sync ranges do not reach the end of the origin space')
    return { reply: coalesce(reply), last: reply.every((r) => r[1] === SKIP || r[1] === FINAL) }
  }

  /** Our entries in [.., upper), as consecutive final ranges of at most FINAL_CHUNK. */
  private finalAnswer(i: number, j: number, upper: Upper): Range[] {
    const out: Range[] = []
    for (let from = i; ; from += FINAL_CHUNK) {
      const to = Math.min(j, from + FINAL_CHUNK)
      const bound: Upper = to === j ? upper : this.mine.entries[to]![0]
      out.push([bound, FINAL, this.mine.entries.slice(from, to).map(entryOnWire)])
      if (to === j) return out
    }
  }

  private learn(theirs: readonly VersionEntry[], i: number, j: number): void {
    this.received += theirs.length
    for (const [o, s] of theirs) this.theirs.set(o, s)
    for (let k = i; k < j; k++) this.ours.add(this.mine.entries[k]![0])
  }

  /** Our entries i..j of a range that differs: sent outright if few, else split in BRANCHING. */
  private differs(i: number, j: number, upper: Upper): Range[] {
    const n = j - i
    if (n <= IDS_THRESHOLD) return [[upper, IDS, this.mine.entries.slice(i, j).map(entryOnWire)]]
    const out: Range[] = []
    for (let b = 1; b <= BRANCHING; b++) {
      const from = i + Math.floor(((b - 1) * n) / BRANCHING)
      const to = i + Math.floor((b * n) / BRANCHING)
      const bound: Upper = b === BRANCHING ? upper : this.mine.entries[to]![0]
      out.push([bound, FP, this.mine.fingerprint(from, to), to - from])
    }
    return out
  }
}

/** Both sorted by origin (checked on the way in). */
function sameEntries(a: readonly VersionEntry[], b: readonly VersionEntry[]): boolean {
  if (a.length !== b.length) return false
  return a.every((e, k) => !gapped(e) && e[0] === b[k]![0] && e[1] === b[k]![1] && e[2] === b[k]![2])
}

/** Adjacent skips merge into one: the reply names only what still differs. */
function coalesce(ranges: Range[]): Range[] {
  const out: Range[] = []
  for (const r of ranges) {
    const prev = out[out.length - 1]
    if (prev !== undefined && prev[1] === SKIP && r[1] === SKIP) prev[0] = r[0]
    else out.push(r)
  }
  return out
}
