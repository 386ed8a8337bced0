// How well network coordinates estimate round trips (#31): N members run the real Swim over a
// latency matrix of regions (regions.ts) for a few virtual minutes, and every pair's estimate,
// from the two members' own coordinates, is compared with its true round trip.

import { estimateRtt } from '../src/membership/coords.js'
import type { SwimOptions } from '../src/membership/swim-options.js'
import { Cluster, EPOCH_MS } from './cluster.js'
import { DEFAULT_REGIONS, RegionLatency, type RegionSpec } from './regions.js'
import type { Impl } from './scenario.js'

export interface CoordsSpec {
  nodes: number
  seed: number
  /** Virtual seconds of probing; a checkpoint is taken at each of `checkpointsS` too. */
  seconds: number
  checkpointsS: number[]
  regions: RegionSpec
  swim?: Partial<SwimOptions>
}

export interface CoordsCheckpoint {
  atS: number
  pairs: number
  /** Fraction of pairs whose estimate is within 25% of the true round trip. */
  within25: number
  /** Relative error of the estimates: median and 90th percentile. */
  median: number
  p90: number
  /** Pairs in one region / in two: fraction within 25% of each. */
  intraWithin25: number
  interWithin25: number
}

export interface CoordsResult {
  nodes: number
  seed: number
  regions: RegionSpec
  checkpoints: CoordsCheckpoint[]
  wallMs: number
}

export const DEFAULT_COORDS: Omit<CoordsSpec, 'nodes' | 'seed'> = {
  seconds: 600,
  checkpointsS: [60, 120, 300],
  regions: DEFAULT_REGIONS,
}

function measure(c: Cluster, lat: RegionLatency, atS: number): CoordsCheckpoint {
  const coords = c.running().map((i) => ({ i, coord: c.node(i).coordinate?.() }))
  const all: number[] = []
  const within = { intra: [0, 0], inter: [0, 0] }
  for (let x = 0; x < coords.length; x++)
    for (let y = x + 1; y < coords.length; y++) {
      const a = coords[x]!
      const b = coords[y]!
      if (!a.coord || !b.coord) throw new Error('this node keeps no coordinate')
      const truth = lat.rttMs(a.i, b.i)
      const err = Math.abs(estimateRtt(a.coord, b.coord) * 1000 - truth) / truth
      all.push(err)
      const k = lat.region(a.i) === lat.region(b.i) ? within.intra : within.inter
      k[0]! += err <= 0.25 ? 1 : 0
      k[1]!++
    }
  all.sort((p, q) => p - q)
  const at = (q: number): number => all[Math.floor(q * (all.length - 1))] ?? Number.NaN
  return {
    atS,
    pairs: all.length,
    within25: all.filter((e) => e <= 0.25).length / all.length,
    median: at(0.5),
    p90: at(0.9),
    intraWithin25: within.intra[0]! / Math.max(1, within.intra[1]!),
    interWithin25: within.inter[0]! / Math.max(1, within.inter[1]!),
  }
}

export function coordsRun(spec: CoordsSpec, impl: Impl): CoordsResult {
  const wall0 = performance.now()
  const lat = new RegionLatency(spec.nodes, spec.seed, spec.regions)
  const c = new Cluster({
    nodes: spec.nodes,
    spares: 0,
    seed: spec.seed,
    factory: impl.factory,
    sizeOf: impl.sizeOf,
    swim: spec.swim,
    network: { path: (from, to, random) => lat.oneWayMs(from, to, random) },
  })
  const checkpoints: CoordsCheckpoint[] = []
  for (const s of [...spec.checkpointsS.filter((t) => t < spec.seconds), spec.seconds]) {
    c.runUntil(EPOCH_MS + s * 1000)
    checkpoints.push(measure(c, lat, s))
  }
  return {
    nodes: spec.nodes,
    seed: spec.seed,
    regions: spec.regions,
    checkpoints,
    wallMs: performance.now() - wall0,
  }
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`

/** The report's table: one row per run and checkpoint. */
export function renderCoords(results: readonly CoordsResult[]): string {
  const rows = [
    '| N | seed | after | pairs | within 25% | in one region | across regions | median error | p90 error |',
    '|---|---|---|---|---|---|---|---|---|',
  ]
  for (const r of results)
    for (const c of r.checkpoints)
      rows.push(
        `| ${r.nodes} | ${r.seed} | ${c.atS} s | ${c.pairs} | ${pct(c.within25)} | ${pct(c.intraWithin25)} | ${pct(c.interWithin25)} | ${pct(c.median)} | ${pct(c.p90)} |`,
      )
  return rows.join('\n')
}
