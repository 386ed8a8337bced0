// Shared test helpers: record generators, canonical comparison and a direct (frameless) sync.
import fc from 'fast-check'
import type { CrdtRecord, JsonValue, Replica, SeqMap } from '../../../src/crdt/index.js'
import { canonicalJson } from '../../../src/crdt/index.js'

export const ORIGINS = ['A', 'B', 'C', 'D', 'E'] as const

export const canon = (v: unknown): string => canonicalJson(v)

const seqMap = (min: number, max: number, minKeys = 0): fc.Arbitrary<SeqMap> =>
  fc.dictionary(fc.constantFrom(...ORIGINS), fc.integer({ min, max }), { minKeys, noNullPrototype: true })

const dots = seqMap(1, 20, 1)
/** Few distinct signatures, so equal dots with different contents (an equivocating origin) occur. */
const sig = fc.constantFrom('sigA', 'sigB')
const sigsFor = (keys: readonly string[]): fc.Arbitrary<Record<string, string>> =>
  fc.tuple(...keys.map(() => sig)).map((ss) => Object.fromEntries(keys.map((k, i) => [k, ss[i]!])))

export const lwwArb: fc.Arbitrary<CrdtRecord> = fc
  .record({
    t: fc.constant('lww' as const),
    hlc: fc.record({ wall: fc.integer({ min: 0, max: 3 }), logical: fc.integer({ min: 0, max: 3 }) }),
    origin: fc.constantFrom(...ORIGINS),
    value: fc.oneof(fc.constant(null), fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<JsonValue>),
    seq: fc.integer({ min: 1, max: 20 }),
    sig,
  })
  .map(({ seq, ...r }) => ({ ...r, dots: { [r.origin]: seq } })) as fc.Arbitrary<CrdtRecord>

export const setArb: fc.Arbitrary<CrdtRecord> = fc
  .tuple(
    seqMap(1, 20, 1),
    fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 5, maxLength: 5 }),
    seqMap(1, 20),
  )
  .chain(([adds, cuts, extra]) => {
    // removed[O] <= adds[O] and adds[O] <= dots[O], as real writes guarantee.
    const removed: Record<string, number> = {}
    Object.keys(adds).forEach((o, i) => {
      const cut = Math.min(cuts[i] ?? 0, adds[o]!)
      if (cut > 0) removed[o] = cut
    })
    const d: Record<string, number> = {}
    for (const o of new Set([...Object.keys(adds), ...Object.keys(extra)]))
      d[o] = Math.max(adds[o] ?? 0, extra[o] ?? 0)
    const rkeys = Object.keys(removed)
    return fc
      .tuple(
        sigsFor(Object.keys(d)),
        fc.tuple(...rkeys.map(() => fc.tuple(fc.constantFrom(...ORIGINS), sig))),
      )
      .map(([sigs, rs]) => ({
        t: 'set' as const,
        adds,
        removed,
        dots: d,
        sigs,
        rsigs: Object.fromEntries(rkeys.map((k, i) => [k, rs[i]! as readonly [string, string]])),
      }))
  })

export const counterArb: fc.Arbitrary<CrdtRecord> = fc
  .tuple(dots, seqMap(0, 100), seqMap(0, 100))
  .chain(([d, p, n]) => {
    const only = (m: SeqMap) => Object.fromEntries(Object.entries(m).filter(([o]) => Object.hasOwn(d, o)))
    return sigsFor(Object.keys(d)).map((sigs) => ({
      t: 'counter' as const,
      p: only(p),
      n: only(n),
      dots: d,
      sigs,
    }))
  })

/** One anti-entropy session between two replicas without frames, in the same order as the wire one. */
export function syncPair(a: Replica, b: Replica): void {
  const reqA = a.versionVector()
  const diffB = b.diffFor(reqA)
  a.applyRecords(diffB, b.versionVector())
  const reqB = b.versionVector()
  const diffA = a.diffFor(reqB)
  b.applyRecords(diffA, a.versionVector())
}

/** Everything a user could read, for convergence checks. */
export function readAll(r: Replica, setNames: readonly string[], counterNames: readonly string[]): string {
  return canon({
    kv: r.kvList(),
    sets: setNames.map((n) => r.setMembers(n)),
    counters: counterNames.map((n) => r.counterGet(n)),
  })
}

/** Delivery schedules replay from a fast-check seed (the one mulberry32 of the test helpers). */
export { prng } from '../../helpers/prng.js'
