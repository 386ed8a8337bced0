// What one member knows of network coordinates: its own, moved by the round trips of its direct
// probes, and the latest coordinate each probed member sent on its ack (Serf's coordinate cache).
// One entry per member in the table, dropped when the member is forgotten, so it is bounded by
// MAX_MEMBERS.

import { hashString } from '../util/hash.js'
import { fitsWire } from './coord-wire.js'
import { type Coordinate, CoordinateClient, estimateRtt } from './coords.js'

/**
 * mulberry32 seeded from the member id: the coordinate's tie-breaking pushes draw from their own
 * stream, so Swim's random source (and with it every simulator run) is left as it was.
 */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const copy = (c: Coordinate): Coordinate => ({ ...c, vec: [...c.vec] })

export class CoordBook {
  private client: CoordinateClient
  private readonly random: () => number
  private readonly bySlot = new Map<number, Coordinate>()
  /** Times our coordinate left the wire's range and started over (Serf's resets). */
  resets = 0

  constructor(selfId: string) {
    this.random = seededRandom(hashString(selfId))
    this.client = new CoordinateClient(this.random)
  }

  /** Our own coordinate (a copy). */
  mine(): Coordinate {
    return this.client.get()
  }

  /** The latest coordinate member `slot` sent us (a copy), if any. */
  of(slot: number): Coordinate | undefined {
    const c = this.bySlot.get(slot)
    return c === undefined ? undefined : copy(c)
  }

  /** A direct probe of `slot` was answered after `rttMs` with its coordinate (already validated). */
  measured(slot: number, rttMs: number, coord: Coordinate): void {
    this.bySlot.set(slot, copy(coord))
    this.client.update(coord, rttMs / 1000)
    // A coordinate we could not send would stop our acks: start over instead, as Serf does.
    if (!fitsWire(this.client.get())) {
      this.client = new CoordinateClient(this.random)
      this.resets++
    }
  }

  forget(slot: number): void {
    this.bySlot.delete(slot)
  }

  get size(): number {
    return this.bySlot.size
  }
}

/** Estimated round trip in ms between two coordinates. */
export const estimateRttMs = (a: Coordinate, b: Coordinate): number => estimateRtt(a, b) * 1000
