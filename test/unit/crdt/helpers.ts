// Shared test helpers: record generators, canonical comparison and a direct (frameless) sync.
import fc from 'fast-check'
import type { CrdtRecord, JsonValue, Replica, SeqMap } from '../../../src/crdt/index.js'
import { canonicalJson } from '../../../src/crdt/index.js'

export const ORIGINS = ['A', 'B', 'C', 'D', 'E'] as const

export const canon = (v: unknown): string => canonicalJson(v)

const seqMap = (min: number, max: number, minKeys = 0): fc.Arbitrary<SeqMap> =>
  fc.dictionary(fc.constantFrom(...ORIGINS), fc.integer({ min, max }), { minKeys, noNullPrototype: true })

const dots = seqMap(1, 20, 1)

export const lwwArb: fc.Arbitrary<CrdtRecord> = fc.record({
  t: fc.constant('lww' as const),
  hlc: fc.record({ wall: fc.integer({ min: 0, max: 3 }), logical: fc.integer({ min: 0, max: 3 }) }),
  origin: fc.constantFrom(...ORIGINS),
  value: fc.oneof(fc.constant(null), fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<JsonValue>),
  dots,
}) as fc.Arbitrary<CrdtRecord>

export const setArb: fc.Arbitrary<CrdtRecord> = fc
  .tuple(seqMap(1, 20, 1), fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 4, maxLength: 4 }), dots)
  .map(([adds, cuts, d]) => {
    // removed[O] <= adds[O], as real removes guarantee.
    const removed: Record<string, number> = {}
    Object.keys(adds).forEach((o, i) => {
      const cut = Math.min(cuts[i] ?? 0, adds[o]!)
      if (cut > 0) removed[o] = cut
    })
    return { t: 'set' as const, adds, removed, dots: d }
  })

export const counterArb: fc.Arbitrary<CrdtRecord> = fc.record({
  t: fc.constant('counter' as const),
  p: seqMap(0, 100),
  n: seqMap(0, 100),
  dots,
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
