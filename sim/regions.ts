// A latency matrix of regions, for network coordinates (#31): node i sits in region i mod R and
// has its own access link; two nodes in one region are a few ms apart, two regions tens to
// hundreds. The true round trip of a pair is fixed by the seed (the access links); each packet's
// one-way latency is half of it with a little jitter.

import { type Random, rng } from './rng.js'

/**
 * Round trips between four regions, ms: two coasts of one continent and two regions of another,
 * roughly as public clouds measure them (30 to 150 ms, and no shortcut through a third region).
 */
export const FOUR_REGIONS_MS: readonly (readonly number[])[] = [
  [0, 65, 75, 90],
  [65, 0, 135, 150],
  [75, 135, 0, 30],
  [90, 150, 30, 0],
]

export interface RegionSpec {
  /** Round trips between regions, ms (a square matrix, 0 on the diagonal). */
  matrixMs: readonly (readonly number[])[]
  /** Round trip between two nodes of one region, ms (from their access links alone). */
  intraMs: readonly [number, number]
  /** Each packet's latency varies by up to this fraction either way. */
  jitter: number
}

export const DEFAULT_REGIONS: Readonly<RegionSpec> = Object.freeze({
  matrixMs: FOUR_REGIONS_MS,
  intraMs: [1, 5] as const,
  jitter: 0.05,
})

export class RegionLatency {
  /** One-way access latency per node, ms: two of them make an intra-region round trip. */
  private readonly access: Float64Array

  constructor(
    nodes: number,
    seed: number,
    readonly spec: RegionSpec = DEFAULT_REGIONS,
  ) {
    const random = rng(seed, 7)
    const [lo, hi] = spec.intraMs
    this.access = Float64Array.from({ length: nodes }, () => (lo + random() * (hi - lo)) / 4)
  }

  region(i: number): number {
    return i % this.spec.matrixMs.length
  }

  /** The true round trip between nodes i and j, ms. */
  rttMs(i: number, j: number): number {
    return this.spec.matrixMs[this.region(i)]![this.region(j)]! + 2 * (this.access[i]! + this.access[j]!)
  }

  /** One packet's latency from i to j, ms. */
  oneWayMs(i: number, j: number, random: Random): number {
    return (this.rttMs(i, j) / 2) * (1 + this.spec.jitter * (2 * random() - 1))
  }
}
