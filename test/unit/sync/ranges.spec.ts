import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  FINAL,
  FP,
  IDS,
  type Range,
  Reconciler,
  SKIP,
  type VersionEntry,
  VersionSet,
} from '../../../src/sync/index.js'

const origin = (i: number) => `peer${String(i).padStart(6, '0')}`

/** Runs the rounds between two reconcilers in memory; counts what travels. */
function reconcile(a: readonly VersionEntry[], b: readonly VersionEntry[]) {
  const ra = new Reconciler(new VersionSet(a))
  const rb = new Reconciler(new VersionSet(b))
  let msg: Range[] = ra.open()
  let entries = 0
  let ranges = 0
  let rounds = 0
  const count = (m: Range[]) => {
    ranges += m.length
    for (const r of m) if (r[1] === IDS || r[1] === FINAL) entries += r[2].length
  }
  count(msg)
  for (let side = 1; ; side ^= 1) {
    rounds++
    assert.ok(rounds < 20, 'terminates')
    const { reply, last } = (side === 1 ? rb : ra).answer(msg)
    if (!msg.some((r) => r[1] === FP || r[1] === IDS)) break
    count(reply)
    msg = reply // a last reply is still read by the other side, in the next turn
    void last
  }
  return { ra, rb, entries, ranges, rounds }
}

/** What each side must learn: the other's entry for every origin where the two differ. */
function assertLearned(
  a: readonly VersionEntry[],
  b: readonly VersionEntry[],
  ra: Reconciler,
  rb: Reconciler,
) {
  const ma = new Map(a.map((e) => [e[0], e]))
  const mb = new Map(b.map((e) => [e[0], e]))
  for (const o of new Set([...ma.keys(), ...mb.keys()])) {
    const x = ma.get(o)
    const y = mb.get(o)
    const differ = x === undefined || y === undefined || x[1] !== y[1] || x[2] !== y[2] || x[1] < x[2]
    if (!differ) continue
    if (y !== undefined) assert.equal(ra.theirs.get(o), y[1], `A learns B's ${o}`)
    if (x !== undefined) assert.equal(rb.theirs.get(o), x[1], `B learns A's ${o}`)
    if (x !== undefined) assert.ok(ra.ours.has(o), `A sends for ${o}`)
    if (y !== undefined) assert.ok(rb.ours.has(o), `B sends for ${o}`)
  }
}

const entriesArb = fc
  .dictionary(fc.integer({ min: 0, max: 5000 }).map(origin), fc.tuple(fc.nat(20), fc.nat(3)), {
    maxKeys: 300,
  })
  .map((d) => Object.entries(d).map(([o, [s, gap]]) => [o, s, s + gap] as VersionEntry))

describe('range reconciliation', () => {
  it('each side learns the other entry of every origin that differs, under any two sets', () => {
    fc.assert(
      fc.property(entriesArb, entriesArb, fc.nat(300), (x, y, common) => {
        // A shared part makes most ranges equal, as in a real mesh.
        const shared = Array.from({ length: common }, (_, i) => [`q${i}`, i + 1, i + 1] as VersionEntry)
        const a = [...shared, ...x]
        const b = [...shared, ...y]
        const { ra, rb } = reconcile(a, b)
        assertLearned(a, b, ra, rb)
      }),
      { numRuns: 200 },
    )
  })

  it('equal sets settle in one round of fingerprints, whatever their size', () => {
    const a = Array.from({ length: 10_000 }, (_, i) => [origin(i), i + 1, i + 1] as VersionEntry)
    const { entries, ranges, rounds, ra, rb } = reconcile(a, a)
    assert.equal(entries, 0)
    assert.equal(rounds, 2, 'fingerprints, then one skip')
    assert.ok(ranges <= 17, `${ranges} ranges`)
    assert.equal(ra.ours.size + rb.ours.size, 0)
  })

  it('sends entries in proportion to the difference, not to the set', () => {
    for (const d of [1, 10, 100]) {
      const a = Array.from({ length: 10_000 }, (_, i) => [origin(i), 5, 5] as VersionEntry)
      const b = a.map((e, i) => (i % Math.floor(10_000 / d) === 0 ? ([e[0], 6, 6] as VersionEntry) : e))
      const { entries, ranges, ra, rb } = reconcile(a, b)
      assertLearned(a, b, ra, rb)
      // Each differing origin costs at most two leaf ranges of IDS_THRESHOLD entries, both ways.
      assert.ok(entries <= d * 2 * 2 * 32, `d=${d}: ${entries} entries`)
      assert.ok(ranges <= d * 4 * 16 + 20, `d=${d}: ${ranges} ranges`)
    }
  })

  it('a gapped entry is exchanged even when both sides hold the same one', () => {
    const a = Array.from({ length: 500 }, (_, i) => [origin(i), 3, 3] as VersionEntry)
    a[200] = [origin(200), 3, 9]
    const { ra, rb } = reconcile(a, a)
    assert.equal(ra.theirs.get(origin(200)), 3)
    assert.ok(rb.ours.has(origin(200)))
  })

  it('refuses ranges out of order, short of the end, or holding entries outside them', () => {
    const r = new Reconciler(new VersionSet([['b', 1, 1]]))
    assert.throws(
      () =>
        r.answer([
          ['c', SKIP],
          ['b', SKIP],
          [null, SKIP],
        ]),
      /out of order/,
    )
    assert.throws(
      () =>
        r.answer([
          [null, SKIP],
          [null, SKIP],
        ]),
      /out of order/,
    )
    assert.throws(() => r.answer([['c', SKIP]]), /end of the origin space/)
    assert.throws(() => r.answer([]), /end of the origin space/)
    assert.throws(
      () =>
        r.answer([
          ['c', IDS, [['d', 1]]],
          [null, SKIP],
        ]),
      /outside/,
    )
    assert.throws(
      () =>
        r.answer([
          [
            null,
            IDS,
            [
              ['x', 1],
              ['a', 1],
            ],
          ],
        ]),
      /entries out of order/,
    )
    assert.throws(
      () =>
        r.answer([
          [
            null,
            IDS,
            [
              ['a', 1],
              ['a', 2],
            ],
          ],
        ]),
      /entries out of order/,
    )
    assert.deepEqual(r.answer([[null, IDS, [['b', 1]]]]), { reply: [[null, SKIP]], last: true })
  })
})
