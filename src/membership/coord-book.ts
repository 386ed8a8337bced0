// What one member knows of network coordinates: its own, moved by the round trips of its direct
// probes; first-hand ones, the latest each probed member sent on its ack (Serf's coordinate
// cache); and second-hand ones, heard on push-pull digests for members beyond the view. A
// first-hand coordinate is never replaced by a second-hand one, and second-hand ones never move
// ours. One entry per member in the table, dropped when the member is forgotten, so it is bounded
// by MAX_MEMBERS.

import { hashString } from '../util/hash.js'
import { mulberry32 } from '../util/prng.js'
import { fitsWire } from './coord-wire.js'
import { type Coordinate, CoordinateClient, estimateRtt } from './coords.js'
import { MAX_COORD_AGE_S } from './limits.js'
import type { CoordEntry } from './messages.js'

const copy = (c: Coordinate): Coordinate => ({ ...c, vec: [...c.vec] })

interface Held {
  coord: Coordinate
  /** Local time (ms) the coordinate was measured, by us or (second-hand) by whoever probed it. */
  at: number
  firstHand: boolean
}

export class CoordBook {
  private client: CoordinateClient
  private readonly random: () => number
  private readonly bySlot = new Map<number, Held>()
  /** Times our coordinate left the wire's range and started over (Serf's resets). */
  resets = 0

  constructor(selfId: string) {
    // Seeded from our id: the tie-breaking pushes draw from their own stream, so Swim's random
    // source (and with it every simulator run) is left as it was.
    this.random = mulberry32(hashString(selfId))
    this.client = new CoordinateClient(this.random)
  }

  /** Our own coordinate (a copy). */
  mine(): Coordinate {
    return this.client.get()
  }

  /** The coordinate we hold for member `slot` (a copy), if any. */
  of(slot: number): Coordinate | undefined {
    const h = this.bySlot.get(slot)
    return h === undefined ? undefined : copy(h.coord)
  }

  /** Did the coordinate we hold for `slot` come on an ack to our own probe? */
  firstHand(slot: number): boolean {
    return this.bySlot.get(slot)?.firstHand === true
  }

  /** A direct probe of `slot` was answered after `rttMs` with its coordinate (already validated). */
  measured(slot: number, rttMs: number, coord: Coordinate, now: number): void {
    this.bySlot.set(slot, { coord: copy(coord), at: now, firstHand: true })
    this.client.update(coord, rttMs / 1000)
    // A coordinate we could not send would stop our acks: start over instead, as Serf does.
    if (!fitsWire(this.client.get())) {
      this.client = new CoordinateClient(this.random)
      this.resets++
    }
  }

  /**
   * A digest said member `slot` had `coord`, measured `ageS` seconds ago (already validated). Kept
   * unless we hold a first-hand one or a fresher second-hand one; our own coordinate never moves.
   */
  heard(slot: number, coord: Coordinate, ageS: number, now: number): boolean {
    const held = this.bySlot.get(slot)
    const at = now - ageS * 1000
    if (held !== undefined && (held.firstHand || held.at >= at)) return false
    this.bySlot.set(slot, { coord: copy(coord), at, firstHand: false })
    return true
  }

  /**
   * What a digest carries: our own coordinate first, then the freshest we hold (first-hand or
   * not), `max` entries in all. Ages round up, so a relayed coordinate never looks fresher.
   * `idOf` names a slot, or undefined for one not to send.
   */
  toSend(selfId: string, now: number, max: number, idOf: (slot: number) => string | undefined): CoordEntry[] {
    const out: CoordEntry[] = [{ id: selfId, age: 0, coord: this.mine() }]
    const freshest = [...this.bySlot].sort((a, b) => b[1].at - a[1].at)
    for (const [slot, h] of freshest) {
      if (out.length >= max) break
      const id = idOf(slot)
      if (id === undefined || !fitsWire(h.coord)) continue
      const age = Math.min(MAX_COORD_AGE_S, Math.max(0, Math.ceil((now - h.at) / 1000)))
      out.push({ id, age, coord: copy(h.coord) })
    }
    return out
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
