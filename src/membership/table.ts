// The member table of one agent, stored as typed arrays indexed by registry slot: a status byte,
// the incarnation, when it last changed, and references to the (shared, immutable) signed claim
// and verdict. It also keeps the push-pull digest up to date on every change.

import type { Accusation, AliveClaim, LeaveClaim } from './messages.js'
import { mix32 } from '../util/hash.js'
import type { IdRegistry } from './registry.js'
import type { MemberStatus } from './types.js'

/** Status codes; 0 means "not in the table". The order is the SWIM precedence at one incarnation. */
export const NONE = 0
export const ALIVE = 1
export const SUSPECT = 2
export const DEAD = 3
export const LEFT = 4
export type StatusCode = typeof ALIVE | typeof SUSPECT | typeof DEAD | typeof LEFT

export const STATUS_NAME: Record<StatusCode, MemberStatus> = {
  1: 'alive',
  2: 'suspect',
  3: 'dead',
  4: 'left',
}
export const STATUS_CODE: Record<MemberStatus, StatusCode> = {
  alive: ALIVE,
  suspect: SUSPECT,
  dead: DEAD,
  left: LEFT,
}

/** Fine digest buckets; push-pull folds them down to the bucket count a session uses. */
export const FINE_BUCKETS = 1024

export type Verdict = Accusation | LeaveClaim

export class MemberTable {
  private status = new Uint8Array(0)
  private inc = new Float64Array(0)
  private since = new Float64Array(0)
  private claims: (AliveClaim | undefined)[] = []
  /** Suspect, dead and left members: the signed statement behind the status. */
  readonly verdicts = new Map<number, Verdict>()
  private readonly fine = new Uint32Array(FINE_BUCKETS)
  private rootSum = 0
  private readonly byStatus = [0, 0, 0, 0, 0]

  constructor(readonly registry: IdRegistry) {
    this.grow()
  }

  get size(): number {
    return this.byStatus[ALIVE]! + this.byStatus[SUSPECT]! + this.byStatus[DEAD]! + this.byStatus[LEFT]!
  }

  /** Alive and suspect members: the N that timeouts and retransmits scale with. */
  get live(): number {
    return this.byStatus[ALIVE]! + this.byStatus[SUSPECT]!
  }

  count(code: StatusCode): number {
    return this.byStatus[code]!
  }

  /** Slots to scan: one past the highest slot the registry has handed out. */
  get span(): number {
    return Math.min(this.registry.capacity, this.status.length)
  }

  statusAt(slot: number): number {
    return this.status[slot] ?? NONE
  }

  incarnationAt(slot: number): number {
    return this.inc[slot] ?? 0
  }

  sinceAt(slot: number): number {
    return this.since[slot] ?? 0
  }

  claimAt(slot: number): AliveClaim | undefined {
    return this.claims[slot]
  }

  /** Sets a member's state; the caller has checked precedence and signatures. */
  set(
    slot: number,
    code: StatusCode,
    incarnation: number,
    now: number,
    claim?: AliveClaim,
    verdict?: Verdict,
  ): void {
    if (slot >= this.status.length) this.grow(slot)
    const before = this.status[slot]!
    if (before !== NONE) {
      this.unhash(slot)
      this.byStatus[before]!--
    }
    this.byStatus[code]!++
    this.status[slot] = code
    this.inc[slot] = incarnation
    this.since[slot] = now
    if (claim) this.claims[slot] = claim
    if (verdict) this.verdicts.set(slot, verdict)
    else if (this.verdicts.size > 0) this.verdicts.delete(slot)
    this.hash(slot)
  }

  remove(slot: number): void {
    const before = this.status[slot] ?? NONE
    if (before === NONE) return
    this.unhash(slot)
    this.byStatus[before]!--
    this.status[slot] = NONE
    this.claims[slot] = undefined
    this.verdicts.delete(slot)
  }

  /** Becomes a copy of `other` (same registry): typed arrays and shared claim references. */
  copyFrom(other: MemberTable): void {
    this.status = other.status.slice()
    this.inc = other.inc.slice()
    this.since = other.since.slice()
    this.claims = other.claims.slice()
    this.verdicts.clear()
    for (const [k, v] of other.verdicts) this.verdicts.set(k, v)
    this.fine.set(other.fine)
    this.rootSum = other.rootSum
    for (let i = 0; i < this.byStatus.length; i++) this.byStatus[i] = other.byStatus[i]!
  }

  /** Sum of every member's element hash: equal tables have equal roots. */
  get root(): number {
    return this.rootSum
  }

  /** Bucket digests folded to `count` buckets (a power of two dividing FINE_BUCKETS). */
  buckets(count: number): Uint32Array {
    const out = new Uint32Array(count)
    const mask = count - 1
    for (let i = 0; i < FINE_BUCKETS; i++) out[i & mask] = (out[i & mask]! + this.fine[i]!) >>> 0
    return out
  }

  bucketOf(slot: number, count: number): number {
    return this.registry.hashAt(slot) & (FINE_BUCKETS - 1) & (count - 1)
  }

  private element(slot: number): number {
    const inc = this.inc[slot]!
    const lo = inc % 0x1_0000_0000
    const hi = Math.floor(inc / 0x1_0000_0000)
    return mix32(
      this.registry.hashAt(slot) ^ mix32(lo ^ mix32(hi + Math.imul(this.status[slot]!, 0x9e3779b9))),
    )
  }

  private hash(slot: number): void {
    const e = this.element(slot)
    const b = this.registry.hashAt(slot) & (FINE_BUCKETS - 1)
    this.fine[b] = (this.fine[b]! + e) >>> 0
    this.rootSum = (this.rootSum + e) >>> 0
  }

  private unhash(slot: number): void {
    const e = this.element(slot)
    const b = this.registry.hashAt(slot) & (FINE_BUCKETS - 1)
    this.fine[b] = (this.fine[b]! - e) >>> 0
    this.rootSum = (this.rootSum - e) >>> 0
  }

  private grow(atLeast = 0): void {
    let n = Math.max(16, this.status.length)
    while (n <= Math.max(atLeast, this.registry.capacity - 1)) n *= 2
    if (n === this.status.length) return
    const status = new Uint8Array(n)
    status.set(this.status)
    const inc = new Float64Array(n)
    inc.set(this.inc)
    const since = new Float64Array(n)
    since.set(this.since)
    this.status = status
    this.inc = inc
    this.since = since
  }
}
