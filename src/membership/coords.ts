// Network coordinates (Vivaldi with height, as Serf's coordinate package): each member keeps a
// point in a small Euclidean space plus a height (its access link), moved a little toward or
// away from a peer after each measured round trip, so the distance between two members'
// coordinates estimates their round trip without ever measuring it. Pure: the probes that
// already run feed it samples (issue #31); this module only does the arithmetic.

export interface Coordinate {
  vec: number[]
  /** The member's own access latency (s), added to every distance from it. */
  height: number
  /** How unsure the member is of its coordinate (relative error, up to ERROR_MAX). */
  error: number
  /** Mean of (measured - estimated) over the last samples (s), added to estimates. */
  adjustment: number
}

/** Serf's defaults (coordinate.DefaultConfig), in seconds. */
export const COORD_DEFAULTS = {
  dimensionality: 8,
  errorMax: 1.5,
  ce: 0.25,
  cc: 0.25,
  adjustmentWindow: 20,
  heightMin: 10e-6,
  gravityRho: 150,
}

const ZERO = 1e-6

export function newCoordinate(dim = COORD_DEFAULTS.dimensionality): Coordinate {
  return {
    vec: new Array<number>(dim).fill(0),
    height: COORD_DEFAULTS.heightMin,
    error: COORD_DEFAULTS.errorMax,
    adjustment: 0,
  }
}

const magnitude = (v: readonly number[]): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0))

function rawDistance(a: Coordinate, b: Coordinate): number {
  return magnitude(a.vec.map((x, i) => x - b.vec[i]!)) + a.height + b.height
}

/** Estimated round trip (s) between two members from their coordinates. */
export function estimateRtt(a: Coordinate, b: Coordinate): number {
  const dist = rawDistance(a, b)
  const adjusted = dist + a.adjustment + b.adjustment
  return adjusted > 0 ? adjusted : dist
}

/** Is this a coordinate worth using (finite, right shape)? Peers' coordinates are input. */
export function validCoordinate(c: Coordinate, dim = COORD_DEFAULTS.dimensionality): boolean {
  const finite = (x: number) => Number.isFinite(x) && Math.abs(x) < 1e6
  return (
    c.vec.length === dim &&
    c.vec.every(finite) &&
    finite(c.height) &&
    c.height >= 0 &&
    finite(c.error) &&
    c.error >= 0 &&
    finite(c.adjustment)
  )
}

/**
 * One member's coordinate, updated with round trips measured to peers. `random` breaks ties when
 * two coordinates coincide (a push in a random direction), so a run replays from its seed.
 */
export class CoordinateClient {
  private coord: Coordinate
  private readonly samples: number[] = []
  private sampleIndex = 0

  constructor(
    private readonly random: () => number = Math.random,
    dim = COORD_DEFAULTS.dimensionality,
  ) {
    this.coord = newCoordinate(dim)
  }

  get(): Coordinate {
    return { ...this.coord, vec: [...this.coord.vec] }
  }

  /** A round trip of `rttS` seconds measured to a peer at `other`; invalid input is ignored. */
  update(other: Coordinate, rttS: number): void {
    if (!validCoordinate(other, this.coord.vec.length) || !(rttS > 0) || rttS > 10) return
    const c = COORD_DEFAULTS
    const me = this.coord
    const dist = rawDistance(me, other)
    const wrongness = Math.abs(dist - rttS) / rttS
    const total = Math.max(me.error + other.error, ZERO)
    const weight = me.error / total
    me.error = Math.min(c.errorMax, c.ce * weight * wrongness + me.error * (1 - c.ce * weight))
    // At most a quarter of the way (cc) toward what the sample says. Not capped further: a cap
    // by the round trip kept members of one region (1-5 ms) from ever closing in on each other.
    const force = c.cc * weight * (rttS - dist)
    this.applyForce(force, other, dist)
    // Adjustment: the window's mean error, which a Euclidean embedding cannot absorb. A sample
    // is bounded by the round trip we measured, so it counts for at most rtt / (2 * window).
    const unadjusted = estimateRtt({ ...me, adjustment: 0 }, { ...other, adjustment: 0 })
    this.samples[this.sampleIndex] = Math.max(rttS - unadjusted, -rttS)
    this.sampleIndex = (this.sampleIndex + 1) % c.adjustmentWindow
    me.adjustment = this.samples.reduce((s, x) => s + x, 0) / (2 * c.adjustmentWindow)
    // Gravity: a weak pull to the origin, so the whole system does not drift away over years.
    const mag = magnitude(me.vec)
    if (mag > ZERO) {
      const pull = -((mag / c.gravityRho) ** 2)
      me.vec = me.vec.map((x) => x + (x / mag) * pull)
    }
  }

  private applyForce(force: number, other: Coordinate, dist: number): void {
    const me = this.coord
    let diff = me.vec.map((x, i) => x - other.vec[i]!)
    let mag = magnitude(diff)
    if (mag < ZERO) {
      diff = diff.map(() => this.random() - 0.5)
      mag = magnitude(diff)
    }
    me.vec = me.vec.map((x, i) => x + (diff[i]! / mag) * force)
    if (dist > ZERO)
      me.height = Math.max(COORD_DEFAULTS.heightMin, me.height + ((me.height + other.height) * force) / dist)
  }
}
