// Vivaldi coordinates (coords.ts) on a latency matrix of several regions, as the simulator sees a
// mesh: members update from round trips to random peers, and the estimates between any two
// members come within 25% of the true round trip for most pairs (issue #31).
import assert from 'node:assert/strict'
import {
  COORD_DEFAULTS,
  CoordinateClient,
  estimateRtt,
  newCoordinate,
  validCoordinate,
} from '../../../src/membership/coords.js'
import { prng } from '../../helpers/prng.js'

/** Round trips between regions (ms): a continent each, roughly as public clouds measure them. */
const REGIONS_MS = [
  [1, 70, 140, 90, 160],
  [70, 1, 80, 150, 200],
  [140, 80, 1, 190, 120],
  [90, 150, 190, 1, 230],
  [160, 200, 120, 230, 1],
]

function mesh(perRegion: number, seed: number) {
  const random = prng(seed)
  const nodes = REGIONS_MS.flatMap((_, r) =>
    Array.from({ length: perRegion }, () => ({
      region: r,
      // The member's own access link, a few ms each way.
      accessMs: 0.5 + random() * 3,
      client: new CoordinateClient(random),
    })),
  )
  const trueRtt = (a: number, b: number): number =>
    (REGIONS_MS[nodes[a]!.region]![nodes[b]!.region]! + nodes[a]!.accessMs + nodes[b]!.accessMs) / 1000
  return { nodes, trueRtt, random }
}

/** Relative errors of the estimates over every pair. */
function errors(m: ReturnType<typeof mesh>): number[] {
  const out: number[] = []
  for (let a = 0; a < m.nodes.length; a++) {
    for (let b = a + 1; b < m.nodes.length; b++) {
      const est = estimateRtt(m.nodes[a]!.client.get(), m.nodes[b]!.client.get())
      out.push(Math.abs(est - m.trueRtt(a, b)) / m.trueRtt(a, b))
    }
  }
  return out.sort((x, y) => x - y)
}

describe('network coordinates (Vivaldi)', () => {
  it('estimate the round trip between any two members within 25% for most pairs, from probes to random peers', () => {
    const m = mesh(8, 1)
    const n = m.nodes.length
    // 200 probe periods: each member probes one random peer per period, with 5% jitter.
    for (let round = 0; round < 200; round++) {
      for (let a = 0; a < n; a++) {
        let b = Math.floor(m.random() * (n - 1))
        if (b >= a) b++
        const measured = m.trueRtt(a, b) * (0.95 + m.random() * 0.1)
        m.nodes[a]!.client.update(m.nodes[b]!.client.get(), measured)
      }
    }
    const e = errors(m)
    const pct = (p: number) => e[Math.floor(p * (e.length - 1))]!
    assert.ok(pct(0.5) < 0.1, `median relative error ${pct(0.5).toFixed(3)}`)
    assert.ok(pct(0.8) < 0.25, `80th percentile ${pct(0.8).toFixed(3)}: most pairs within 25%`)
    for (const x of m.nodes) assert.ok(validCoordinate(x.client.get()), 'finite and bounded')
  })

  it('a peer lying about its coordinate moves ours at most a quarter of the way per sample, the adjustment by rtt / window', () => {
    const c = new CoordinateClient(prng(3))
    const far = { ...newCoordinate(), vec: [9, -9, 9, -9, 9, -9, 9, -9], error: 0 }
    const near = { ...newCoordinate(), vec: [1e-3, 0, 0, 0, 0, 0, 0, 0], error: 0 }
    const rtt = 0.02
    for (const liar of [far, near, far, far, near]) {
      const before = c.get()
      const gap = Math.abs(rtt - estimateRtt({ ...before, adjustment: 0 }, { ...liar, adjustment: 0 }))
      c.update(liar, rtt)
      const after = c.get()
      const moved = Math.hypot(...after.vec.map((x, i) => x - before.vec[i]!))
      // Plus gravity's small pull toward the origin.
      const gravity = (Math.hypot(...before.vec) / COORD_DEFAULTS.gravityRho) ** 2
      assert.ok(moved <= COORD_DEFAULTS.cc * gap + gravity + 1e-9, `moved ${moved} s of ${gap}`)
      assert.ok(Math.abs(after.adjustment - before.adjustment) <= rtt / COORD_DEFAULTS.adjustmentWindow)
      assert.ok(validCoordinate(after))
    }
  })

  it('stay put under nonsense: a coordinate or round trip that is not finite and in range is ignored', () => {
    const c = new CoordinateClient(prng(2))
    const before = c.get()
    const bad = { ...newCoordinate(), vec: [Number.NaN, 0, 0, 0, 0, 0, 0, 0] }
    c.update(bad, 0.05)
    c.update(newCoordinate(3), 0.05)
    c.update(newCoordinate(), Number.POSITIVE_INFINITY)
    c.update(newCoordinate(), -1)
    c.update(newCoordinate(), 0)
    assert.deepEqual(c.get(), before)
  })
})
