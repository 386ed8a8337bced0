// SWIM with Lifeguard as a pure state machine. Inputs: packets from peers, the clock reaching
// nextWakeAt(), and self updates. Outputs: packets through `send` and member events through
// `emit`. No I/O and no timers of its own, so the simulator runs thousands of these in one
// process and the tests drive one under a fake clock.
//
// Per period a member probes one neighbour (ping, then ping-req through k others, Lifeguard nacks),
// gossips queued changes to a few neighbours, and now and then does a digest-first push-pull.
// Only changes travel, each signed by its speaker and sent about λ·log N times.

import { InvalidInputError, MurmurError } from '../errors.js'
import { type Clock, systemClock } from '../util/clock.js'
import { isRelayedAddr } from '../util/relayed.js'
import { BroadcastQueue } from './broadcasts.js'
import { type ClaimSigner, type ClaimVerifier, signUpdate, verifyUpdate } from './claims.js'
import { LocalHealth } from './health.js'
import { MAX_BUCKETS, MAX_INCARNATION, MAX_MEMBERS, MAX_PACKET_BYTES, MAX_SEQ } from './limits.js'
import type {
  Accusation,
  AliveClaim,
  LeaveClaim,
  Packet,
  PacketType,
  PingReqPacket,
  SyncBucketsPacket,
  SyncDigestPacket,
  SyncEntriesPacket,
  Update,
} from './messages.js'
import { ActiveView, activeViewSize } from './overlay.js'
import { IdRegistry } from './registry.js'
import { Suspicion, suspicionBounds } from './suspicion.js'
import { DEFAULT_SWIM_OPTIONS, type SwimOptions } from './swim-options.js'
import {
  ALIVE,
  DEAD,
  LEFT,
  MemberTable,
  NONE,
  STATUS_CODE,
  STATUS_NAME,
  type StatusCode,
  SUSPECT,
} from './table.js'
import type { Member, MemberEvent, MemberEventType, MemberStatus } from './types.js'
import { encodedUpdateSize, encodePacket } from './wire.js'

export interface SelfInfo {
  id: string
  name: string
  /** Must increase across restarts (the daemon persists it), or peers ignore the new life. */
  incarnation: number
  tags?: Record<string, string>
  addrs?: string[]
}

/** Why an input changed nothing. Stable strings: adapters count or log them. */
export type DropReason =
  | 'stale'
  | 'unknown-member'
  | 'unknown-accuser'
  | 'bad-signature'
  | 'unclaimed-life'
  | 'table-full'
  | 'about-self'
  | 'self-left'
  | 'unexpected-ack'
  | 'unexpected-sync'
  | 'incarnation-exhausted'
  | 'busy'

export interface SwimInit {
  self: SelfInfo
  signer: ClaimSigner
  verifier: ClaimVerifier
  send: (to: string, packet: Packet) => void
  emit?: (event: MemberEvent) => void
  drop?: (reason: DropReason, from: string) => void
  clock?: Clock
  random?: () => number
  registry?: IdRegistry
  options?: Partial<SwimOptions>
  /** A probe was answered: ms from the ping to its ack, direct or through helpers. */
  onProbeRtt?: (ms: number) => void
  /**
   * Members this node must not pick as neighbours (peers it refuses to connect to): they stay
   * members, probed by others, rather than being suspected for our refusal. Call viewChanged()
   * when the answer changes.
   */
  avoid?: (id: string) => boolean
}

export interface ListFilter {
  status?: MemberStatus | readonly MemberStatus[]
}

interface Probe {
  seq: number
  sentAt: number
  slot: number
  id: string
  directAt: number
  finalAt: number
  expectedNacks: number
  nacks: number
  indirectSent: boolean
}

/** A ping-req we run for another member. */
interface Help {
  requester: string
  seq: number
  target: string
  nackAt: number
  expireAt: number
}

const MAX_HELPS = 64
/** Members that can be dialled directly which a member behind a NAT keeps in its view. */
const NAT_ANCHORS = 2
const MAX_SYNCS = 32
const MAX_TOLD = 4096
const INF = Number.POSITIVE_INFINITY
/** Bytes of one sync-entries packet's updates; the rest of MAX_PACKET_BYTES is headroom. */
const SYNC_PACKET_BUDGET = MAX_PACKET_BYTES - 4096

export function bucketCountFor(n: number): number {
  let c = 1
  while (c < Math.ceil(n / 8) && c < MAX_BUCKETS) c *= 2
  return c
}

/** memberlist's pushPullScale: beyond 32 members the interval grows with log2 N. */
function pushPullScale(intervalMs: number, n: number): number {
  if (n <= 32) return intervalMs
  return (Math.ceil(Math.log2(n) - Math.log2(32)) + 1) * intervalMs
}

function checkOptions(o: SwimOptions): void {
  for (const [k, v] of Object.entries(o)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new InvalidInputError(`membership option ${k} must be a positive number`)
    }
  }
}

const sameTags = (a: Record<string, string>, b: Record<string, string>): boolean => {
  const ka = Object.keys(a)
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k])
}
const sameClaimFields = (a: AliveClaim, b: AliveClaim): boolean =>
  a.name === b.name &&
  sameTags(a.tags, b.tags) &&
  a.addrs.length === b.addrs.length &&
  a.addrs.every((x, i) => x === b.addrs[i])

export class Swim {
  readonly options: Readonly<SwimOptions>
  readonly selfId: string
  private readonly clock: Clock
  private readonly random: () => number
  private readonly registry: IdRegistry
  private readonly table: MemberTable
  private readonly selfSlot: number
  private readonly view: ActiveView
  private readonly queue = new BroadcastQueue()
  private readonly health: LocalHealth
  private readonly suspicions = new Map<number, Suspicion>()
  private readonly helps = new Map<number, Help>()
  private readonly syncs = new Map<number, { to: string; at: number }>()
  private readonly lastHeard = new Map<number, number>()
  private readonly told = new Map<string, number>()
  private readonly answered = new Map<string, number>()
  private readonly retry = new Map<number, { attempts: number; nextAt: number }>()
  /** Seeds given to join(): retried with backoff until one answers a push-pull. */
  private readonly seeds = new Map<string, { attempts: number; nextAt: number }>()
  private claim: AliveClaim
  private leaveClaim?: LeaveClaim
  private seq = 0
  private probe?: Probe
  private probeOrder: number[] = []
  private probeIndex = 0
  /** Gossip walks the view in one shuffled order, so consecutive rounds reach distinct members. */
  private gossipView: readonly number[] = []
  private gossipOrder: number[] = []
  private gossipIndex = 0
  private nextProbeAt: number
  private nextGossipAt = INF
  private nextPushPullAt: number
  private nextReconnectAt: number
  private nextReapAt: number
  private nextSuspicionAt = INF
  private readonly shufflePhase: number
  readonly sent: Record<PacketType, number> = {
    ping: 0,
    ack: 0,
    'ping-req': 0,
    nack: 0,
    gossip: 0,
    'sync-digest': 0,
    'sync-buckets': 0,
    'sync-entries': 0,
  }

  constructor(private readonly init: SwimInit) {
    this.clock = init.clock ?? systemClock
    this.random = init.random ?? Math.random
    const given = Object.entries(init.options ?? {}).filter(([, v]) => v !== undefined)
    this.options = Object.freeze({ ...DEFAULT_SWIM_OPTIONS, ...Object.fromEntries(given) })
    checkOptions(this.options)
    this.health = new LocalHealth(this.options.maxHealthScore)
    this.registry = init.registry ?? new IdRegistry()
    this.table = new MemberTable(this.registry)
    const { id, name, incarnation, tags = {}, addrs = [] } = init.self
    if (init.signer.id !== id) throw new InvalidInputError('signer is not self')
    if (!Number.isInteger(incarnation) || incarnation < 0 || incarnation >= MAX_INCARNATION) {
      throw new InvalidInputError(`incarnation must be an integer in [0, ${MAX_INCARNATION})`)
    }
    this.selfId = id
    this.selfSlot = this.registry.intern(id)
    this.claim = this.signClaim({ name, tags, addrs }, incarnation)
    const now = this.clock.now()
    this.table.set(this.selfSlot, ALIVE, incarnation, now, this.claim)
    const avoid = init.avoid
    this.view = new ActiveView(
      this.table,
      this.selfSlot,
      this.options.ringNeighbours,
      avoid ? (slot) => avoid(this.registry.idAt(slot)) : undefined,
      {
        // Behind a NAT (we advertise relayed addresses): keep members that can be dialled directly.
        wanted: () => (this.claim.addrs.some(isRelayedAddr) ? NAT_ANCHORS : 0),
        is: (slot) => {
          const addrs = this.table.claimAt(slot)?.addrs ?? []
          return addrs.length > 0 && !addrs.some(isRelayedAddr)
        },
      },
    )
    const o = this.options
    // Random phases, so members that start together do not probe and sync in lockstep.
    this.nextProbeAt = now + this.random() * o.probeIntervalMs
    this.nextPushPullAt = now + this.random() * o.pushPullIntervalMs
    this.nextReconnectAt = now + o.reconnectIntervalMs * (0.5 + this.random())
    this.nextReapAt = now + Math.min(o.reapAfterMs, 60_000)
    this.shufflePhase = this.random() * o.shuffleIntervalMs
  }

  // ---- queries ----

  self(): Member {
    return this.snapshot(this.selfSlot)
  }

  selfClaim(): AliveClaim {
    return this.claim
  }

  get(id: string): Member | undefined {
    const slot = this.registry.slotOf(id)
    return slot === undefined || this.table.statusAt(slot) === NONE ? undefined : this.snapshot(slot)
  }

  /** Members including self, sorted by name then id (code-unit order, not locale). */
  list(filter: ListFilter = {}): Member[] {
    const wanted =
      filter.status === undefined ? undefined : new Set([filter.status].flat().map((s) => STATUS_CODE[s]))
    const out: Member[] = []
    for (let s = 0; s < this.table.span; s++) {
      const code = this.table.statusAt(s)
      if (code !== NONE && (!wanted || wanted.has(code as StatusCode))) out.push(this.snapshot(s))
    }
    const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
    return out.sort((a, b) => cmp(a.name, b.name) || cmp(a.id, b.id))
  }

  counts(): Record<MemberStatus, number> {
    return {
      alive: this.table.count(ALIVE),
      suspect: this.table.count(SUSPECT),
      dead: this.table.count(DEAD),
      left: this.table.count(LEFT),
    }
  }

  /** The neighbours this member keeps connections to, probes and gossips with. */
  activeView(): string[] {
    return this.viewSlots().map((s) => this.registry.idAt(s))
  }

  /** The `avoid` answer changed for some member: the view is drawn again. */
  viewChanged(): void {
    this.view.invalidate()
  }

  /** The push-pull digest: equal for two members that hold the same table. */
  digest(): { count: number; root: number } {
    return { count: this.table.size, root: this.table.root }
  }

  healthScore(): number {
    return this.health.score
  }

  /** Queued changes still to be sent (0 when idle: nothing travels). */
  pendingBroadcasts(): number {
    return this.queue.length
  }

  // ---- time ----

  nextWakeAt(): number {
    let t = Math.min(
      this.nextSeedAt(),
      this.nextGossipAt,
      this.nextPushPullAt,
      this.nextReconnectAt,
      this.nextReapAt,
      this.nextSuspicionAt,
    )
    if (!this.leaveClaim) t = Math.min(t, this.nextProbeAt)
    const p = this.probe
    if (p) t = Math.min(t, p.indirectSent ? p.finalAt : p.directAt)
    for (const h of this.helps.values()) t = Math.min(t, h.nackAt > 0 ? h.nackAt : h.expireAt)
    return t
  }

  private nextSeedAt(): number {
    let t = INF
    for (const r of this.seeds.values()) t = Math.min(t, r.nextAt)
    return t
  }

  /** Runs every timer that is due. */
  tick(): void {
    const now = this.clock.now()
    if (this.seeds.size > 0) this.retrySeeds(now)
    this.probeTimers(now)
    if (!this.leaveClaim && now >= this.nextProbeAt) this.startProbe(now)
    if (now >= this.nextSuspicionAt) this.expireSuspicions(now)
    if (now >= this.nextGossipAt) this.gossipRound(now)
    if (now >= this.nextPushPullAt) {
      const peers = this.viewSlots()
      const pick = peers[Math.floor(this.random() * peers.length)]
      if (pick !== undefined && !this.leaveClaim) this.startSync(this.registry.idAt(pick))
      this.nextPushPullAt =
        now + pushPullScale(this.options.pushPullIntervalMs, this.table.live) * (0.75 + this.random() / 2)
    }
    if (now >= this.nextReconnectAt) this.reconnectRound(now)
    if (now >= this.nextReapAt) this.reap(now)
    this.helpTimers(now)
  }

  // ---- inputs ----

  /** A packet from peer `from` (the transport authenticated who sent it). */
  receive(from: string, p: Packet): void {
    if (from === this.selfId) return
    const now = this.clock.now()
    const fromSlot = this.registry.slotOf(from)
    if (fromSlot !== undefined && this.table.statusAt(fromSlot) !== NONE) this.lastHeard.set(fromSlot, now)
    else if (p.type !== 'sync-digest' && p.type !== 'sync-entries') this.syncWithStranger(from)
    switch (p.type) {
      case 'ping':
        this.applyAll(p.updates, from, now)
        this.send(from, { type: 'ack', seq: p.seq, updates: this.piggyback(from) })
        return
      case 'ack':
        this.applyAll(p.updates, from, now)
        this.onAck(from, p.seq)
        break
      case 'ping-req':
        this.applyAll(p.updates, from, now)
        this.onPingReq(from, p, now)
        break
      case 'nack':
        if (this.probe?.seq === p.seq) this.probe.nacks++
        break
      case 'gossip':
        this.applyAll(p.updates, from, now)
        break
      case 'sync-digest':
        this.onSyncDigest(from, p)
        break
      case 'sync-buckets':
        this.onSyncBuckets(from, p)
        break
      case 'sync-entries':
        // A seed's entries mean the join went through; until then join() keeps retrying.
        if (!p.reply) this.seeds.delete(from)
        this.applyAll(p.entries, from, now)
        // A reply can be the whole table: at most one per peer per probe period (no amplifier).
        if (p.reply && this.mayAnswer(from, now))
          this.sendEntries(from, p.seq, p.bucketCount, new Set(p.buckets), false)
        break
    }
    this.tellIfAccused(from, now)
  }

  private mayAnswer(from: string, now: number): boolean {
    const last = this.answered.get(from) ?? Number.NEGATIVE_INFINITY
    if (now - last < this.options.probeIntervalMs) return false
    if (this.answered.size >= MAX_TOLD) this.answered.clear()
    this.answered.set(from, now)
    return true
  }

  /** Starts a push-pull with a peer, retried with backoff until it answers: how a member joins. */
  join(to: string): void {
    if (to === this.selfId || this.seeds.size >= MAX_SYNCS) return
    this.seeds.set(to, { attempts: 0, nextAt: this.clock.now() })
    this.retrySeeds(this.clock.now())
  }

  /** Is a join through `to` still waiting for its push-pull answer? */
  joining(to: string): boolean {
    return this.seeds.has(to)
  }

  private retrySeeds(now: number): void {
    for (const [to, r] of this.seeds) {
      if (r.nextAt > now) continue
      r.attempts++
      r.nextAt =
        now +
        Math.min(30_000, this.options.probeIntervalMs * 2 ** Math.min(r.attempts, 10)) * (0.5 + this.random())
      this.startSync(to)
    }
  }

  /**
   * Bootstrap from another member's table (simulator): a copy of its arrays, no events, nothing
   * queued. Both must share one registry; self's own entry is then set from its claim.
   */
  seedFrom(template: Swim): void {
    if (template.registry !== this.registry) throw new InvalidInputError('seedFrom needs a shared registry')
    this.table.copyFrom(template.table)
    this.table.set(this.selfSlot, ALIVE, this.claim.incarnation, this.clock.now(), this.claim)
    this.view.invalidate()
  }

  /** Bootstrap from a trusted snapshot (simulator, tests): members known alive, no events, nothing queued. */
  seed(claims: readonly AliveClaim[]): void {
    const now = this.clock.now()
    for (const c of claims) {
      if (c.id === this.selfId) continue
      const slot = this.registry.intern(c.id)
      if (this.table.statusAt(slot) !== NONE && this.table.incarnationAt(slot) >= c.incarnation) continue
      this.table.set(slot, ALIVE, c.incarnation, now, c)
      this.view.touched(slot)
    }
  }

  // ---- self ----

  /** Graceful leave: the signed leave goes to every neighbour at once, then through gossip. */
  leave(): void {
    if (this.leaveClaim) return
    const now = this.clock.now()
    const leave = signUpdate<LeaveClaim>(this.init.signer, {
      type: 'leave',
      id: this.selfId,
      incarnation: this.claim.incarnation,
    })
    this.leaveClaim = leave
    this.table.set(this.selfSlot, LEFT, leave.incarnation, now, undefined, leave)
    this.enqueue(this.selfSlot * 2, leave, now)
    for (const s of this.viewSlots()) this.send(this.registry.idAt(s), { type: 'gossip', updates: [leave] })
    this.event('leave', this.selfSlot)
  }

  setTags(set: Record<string, string>, del: readonly string[] = []): void {
    const tags = Object.fromEntries(
      Object.entries({ ...this.claim.tags, ...set }).filter(([k]) => !del.includes(k)),
    )
    this.updateSelf({ tags })
  }

  setAddrs(addrs: readonly string[]): void {
    const relayed = this.claim.addrs.some(isRelayedAddr)
    this.updateSelf({ addrs: [...addrs] })
    // Relayed addresses came or went: whether the view wants anchors changed.
    if (this.claim.addrs.some(isRelayedAddr) !== relayed) this.view.invalidate()
  }

  setName(name: string): void {
    this.updateSelf({ name })
  }

  private updateSelf(patch: Partial<Pick<AliveClaim, 'name' | 'tags' | 'addrs'>>): void {
    if (this.leaveClaim) throw new MurmurError('SHUTTING_DOWN', 'self has left the mesh')
    const { name, tags, addrs } = { ...this.claim, ...patch }
    const candidate = { ...this.claim, name, tags, addrs }
    if (sameClaimFields(this.claim, candidate)) return
    if (this.claim.incarnation + 1 >= MAX_INCARNATION) throw new InvalidInputError('incarnation exhausted')
    this.announce(this.signClaim({ name, tags, addrs }, this.claim.incarnation + 1), 'update')
  }

  private signClaim(fields: Pick<AliveClaim, 'name' | 'tags' | 'addrs'>, incarnation: number): AliveClaim {
    const claim = signUpdate<AliveClaim>(this.init.signer, {
      type: 'alive',
      id: this.selfId,
      incarnation,
      name: fields.name,
      tags: { ...fields.tags },
      addrs: [...fields.addrs],
    })
    // What self cannot send it must not hold: the wire limits apply to self updates too.
    encodePacket({ type: 'gossip', updates: [claim] })
    if (encodedUpdateSize(claim) > this.options.gossipBytes)
      throw new InvalidInputError('self claim too large')
    return claim
  }

  private announce(claim: AliveClaim, type: MemberEventType): void {
    const now = this.clock.now()
    this.claim = claim
    this.table.set(this.selfSlot, ALIVE, claim.incarnation, now, claim)
    this.enqueue(this.selfSlot * 2, claim, now)
    this.event(type, this.selfSlot)
  }

  // ---- applying updates ----

  /** Claims first, then verdicts: a verdict's accuser may be introduced by the same packet. */
  private applyAll(updates: readonly Update[], from: string, now: number): void {
    for (const u of updates) if (u.type === 'alive' || u.type === 'leave') this.apply(u, from, now)
    for (const u of updates) if (u.type === 'suspect' || u.type === 'dead') this.apply(u, from, now)
  }

  private apply(u: Update, from: string, now: number): boolean {
    if (u.id === this.selfId) return this.aboutSelf(u, from, now)
    const slot = this.registry.slotOf(u.id)
    const code = slot === undefined ? NONE : this.table.statusAt(slot)
    if (u.type === 'alive') return this.applyAlive(u, slot, code, from, now)
    if (slot === undefined || code === NONE) return this.dropped('unknown-member', from)
    if (u.type === 'leave') return this.applyLeave(u, slot, code, from, now)
    return this.applyAccusation(u, slot, code, from, now)
  }

  private applyAlive(
    u: AliveClaim,
    known: number | undefined,
    code: number,
    from: string,
    now: number,
  ): boolean {
    if (code !== NONE && u.incarnation <= this.table.incarnationAt(known!)) return this.dropped('stale', from)
    if (code === NONE && this.table.size >= MAX_MEMBERS) return this.dropped('table-full', from)
    if (!verifyUpdate(this.init.verifier, u)) return this.dropped('bad-signature', from)
    const slot = known ?? this.registry.intern(u.id)
    const prev = code === NONE ? undefined : this.table.claimAt(slot)
    this.table.set(slot, ALIVE, u.incarnation, now, u)
    this.clearSuspicion(slot)
    this.retry.delete(slot)
    this.queue.delete(slot * 2 + 1)
    this.enqueue(slot * 2, u, now)
    this.view.touched(slot)
    if (code === NONE) this.event('join', slot)
    else if (code !== ALIVE) this.event('alive', slot)
    else if (!prev || !sameClaimFields(prev, u)) this.event('update', slot)
    return true
  }

  private applyLeave(u: LeaveClaim, slot: number, code: number, from: string, now: number): boolean {
    const cur = this.table.incarnationAt(slot)
    if (u.incarnation < cur || (u.incarnation === cur && code === LEFT)) return this.dropped('stale', from)
    if (!verifyUpdate(this.init.verifier, u)) return this.dropped('bad-signature', from)
    this.table.set(slot, LEFT, u.incarnation, now, undefined, u)
    this.clearSuspicion(slot)
    this.queue.delete(slot * 2 + 1)
    this.enqueue(slot * 2, u, now)
    this.view.touched(slot)
    this.event('leave', slot)
    return true
  }

  private applyAccusation(u: Accusation, slot: number, code: number, from: string, now: number): boolean {
    const claimed = this.table.claimAt(slot)?.incarnation ?? -1
    if (u.incarnation > claimed) return this.dropped('unclaimed-life', from)
    const cur = this.table.incarnationAt(slot)
    const next: StatusCode = u.type === 'suspect' ? SUSPECT : DEAD
    const wins = u.incarnation > cur || (u.incarnation === cur && next > code)
    const confirming = !wins && next === SUSPECT && code === SUSPECT && u.incarnation === cur
    if (!wins && !confirming) return this.dropped('stale', from)
    if (u.from === this.selfId) return this.dropped('stale', from)
    // The accuser must be a member we know, in any status: a verdict outlives its accuser, and a
    // member that learns it after the accuser left must still believe it.
    if (!this.isKnown(u.from)) return this.dropped('unknown-accuser', from)
    if (confirming) {
      const s = this.suspicions.get(slot)
      if (!s || s.incarnation !== u.incarnation || !s.wouldConfirm(u.from)) return this.dropped('stale', from)
      if (!verifyUpdate(this.init.verifier, u)) return this.dropped('bad-signature', from)
      s.confirm(u.from)
      this.nextSuspicionAt = Math.min(this.nextSuspicionAt, s.deadline)
      this.enqueue(slot * 2 + 1, u, now)
      return true
    }
    if (!verifyUpdate(this.init.verifier, u)) return this.dropped('bad-signature', from)
    this.setAccused(slot, u, now)
    return true
  }

  private setAccused(slot: number, u: Accusation, now: number): void {
    const next: StatusCode = u.type === 'suspect' ? SUSPECT : DEAD
    this.table.set(slot, next, u.incarnation, now, undefined, u)
    if (next === SUSPECT) {
      const o = this.options
      const bounds = suspicionBounds(
        this.table.live,
        o.probeIntervalMs,
        o.suspicionMult,
        o.suspicionMaxTimeoutMult,
      )
      const s = new Suspicion(now, u.incarnation, u.from, bounds)
      this.suspicions.set(slot, s)
      this.nextSuspicionAt = Math.min(this.nextSuspicionAt, s.deadline)
    } else {
      this.clearSuspicion(slot)
    }
    this.enqueue(slot * 2 + 1, u, now)
    this.view.touched(slot)
    this.event(next === SUSPECT ? 'suspect' : 'dead', slot)
  }

  /** Self never accepts suspect, dead or left about itself: it refutes with a new incarnation. */
  private aboutSelf(u: Update, from: string, now: number): boolean {
    if (this.leaveClaim) return this.dropped('self-left', from)
    const mine = this.claim.incarnation
    if (u.type === 'alive' || u.type === 'leave') {
      // Our own words from an earlier life we no longer remember (a lost data dir): outrank them.
      if (u.incarnation < mine || (u.type === 'alive' && u.incarnation === mine))
        return this.dropped('about-self', from)
      if (!verifyUpdate(this.init.verifier, u)) return this.dropped('bad-signature', from)
      return this.refute(u.incarnation, from)
    }
    if (u.incarnation > mine) return this.dropped('unclaimed-life', from)
    // Any member we know may accuse us, even one we hold dead: after a partition that is the
    // only voice telling us what the other side believes.
    if (!this.isKnown(u.from)) return this.dropped('unknown-accuser', from)
    if (u.incarnation < mine) {
      // The accuser missed our refutation: send it around again.
      this.enqueue(this.selfSlot * 2, this.claim, now)
      return this.dropped('stale', from)
    }
    if (!verifyUpdate(this.init.verifier, u)) return this.dropped('bad-signature', from)
    this.health.apply(1)
    this.refute(u.incarnation, from)
    return true
  }

  private refute(over: number, from: string): boolean {
    if (over + 1 >= MAX_INCARNATION) return this.dropped('incarnation-exhausted', from)
    this.announce(this.signClaim(this.claim, over + 1), 'refute')
    return true
  }

  private isKnown(id: string): boolean {
    const slot = this.registry.slotOf(id)
    return slot !== undefined && this.table.statusAt(slot) !== NONE
  }

  private clearSuspicion(slot: number): void {
    this.suspicions.delete(slot)
  }

  // ---- failure detection ----

  private startProbe(now: number): void {
    const o = this.options
    this.nextProbeAt = now + this.health.scale(o.probeIntervalMs)
    const slot = this.nextProbeTarget()
    if (slot === undefined) return
    const id = this.registry.idAt(slot)
    const seq = this.nextSeq()
    this.probe = {
      seq,
      sentAt: now,
      slot,
      id,
      directAt: now + this.health.scale(o.probeTimeoutMs),
      finalAt: now + this.health.scale(o.probeIntervalMs),
      expectedNacks: 0,
      nacks: 0,
      indirectSent: false,
    }
    this.send(id, { type: 'ping', seq, updates: this.piggyback(id) })
  }

  /** Round-robin over the active view in a shuffled order, as SWIM does over all members. */
  private nextProbeTarget(): number | undefined {
    const view = this.viewSlots()
    if (view.length === 0) return undefined
    if (this.probeIndex >= this.probeOrder.length || this.probeOrder.length !== view.length) {
      this.probeOrder = this.shuffled(view)
      this.probeIndex = 0
    }
    for (let i = 0; i < this.probeOrder.length; i++) {
      const slot = this.probeOrder[this.probeIndex++ % this.probeOrder.length]!
      const code = this.table.statusAt(slot)
      if (code === ALIVE || code === SUSPECT) return slot
    }
    return undefined
  }

  private probeTimers(now: number): void {
    const p = this.probe
    if (!p) return
    if (!p.indirectSent && now >= p.directAt) {
      p.indirectSent = true
      const helpers = this.shuffled(
        this.viewSlots().filter((s) => s !== p.slot && this.table.statusAt(s) === ALIVE),
      )
      for (const h of helpers.slice(0, this.options.indirectChecks)) {
        const to = this.registry.idAt(h)
        this.send(to, { type: 'ping-req', seq: p.seq, target: p.id, updates: this.piggyback(to) })
        p.expectedNacks++
      }
    }
    if (now >= p.finalAt) {
      this.probe = undefined
      // Lifeguard: missing nacks mean we are the slow one; with no helpers, any failure counts.
      this.health.apply(p.expectedNacks > 0 ? p.expectedNacks - p.nacks : 1)
      this.suspect(p.slot, now)
    }
  }

  private onAck(from: string, seq: number): void {
    const help = this.helps.get(seq)
    if (help && help.target === from) {
      this.helps.delete(seq)
      this.send(help.requester, { type: 'ack', seq: help.seq, updates: this.piggyback(help.requester) })
      return
    }
    if (this.probe?.seq === seq) {
      this.init.onProbeRtt?.(this.clock.now() - this.probe.sentAt)
      this.probe = undefined
      this.health.apply(-1)
      return
    }
    this.dropped('unexpected-ack', from)
  }

  private onPingReq(from: string, p: PingReqPacket, now: number): boolean {
    if (p.target === this.selfId) {
      this.send(from, { type: 'ack', seq: p.seq, updates: this.piggyback(from) })
      return true
    }
    if (this.helps.size >= MAX_HELPS) return this.dropped('busy', from)
    const seq = this.nextSeq()
    const timeout = this.options.probeTimeoutMs
    this.helps.set(seq, {
      requester: from,
      seq: p.seq,
      target: p.target,
      nackAt: now + timeout * 0.8,
      expireAt: now + timeout * 2,
    })
    this.send(p.target, { type: 'ping', seq, updates: this.piggyback(p.target) })
    return true
  }

  private helpTimers(now: number): void {
    for (const [seq, h] of this.helps) {
      if (h.nackAt > 0 && now >= h.nackAt) {
        h.nackAt = 0
        this.send(h.requester, { type: 'nack', seq: h.seq })
      }
      if (now >= h.expireAt) this.helps.delete(seq)
    }
  }

  /** Our own probe failed. On a member already suspect it counts as an independent confirmation. */
  private suspect(slot: number, now: number): void {
    const code = this.table.statusAt(slot)
    if (code !== ALIVE && code !== SUSPECT) return
    const incarnation = this.table.incarnationAt(slot)
    const existing = this.suspicions.get(slot)
    if (
      code === SUSPECT &&
      (!existing || existing.incarnation !== incarnation || !existing.wouldConfirm(this.selfId))
    )
      return
    const u = signUpdate<Accusation>(this.init.signer, {
      type: 'suspect',
      id: this.registry.idAt(slot),
      incarnation,
      from: this.selfId,
    })
    if (code === ALIVE) {
      this.setAccused(slot, u, now)
      return
    }
    existing!.confirm(this.selfId)
    this.nextSuspicionAt = Math.min(this.nextSuspicionAt, existing!.deadline)
    this.enqueue(slot * 2 + 1, u, now)
  }

  private expireSuspicions(now: number): void {
    let next = INF
    for (const [slot, s] of [...this.suspicions]) {
      if (s.deadline > now) {
        next = Math.min(next, s.deadline)
        continue
      }
      this.suspicions.delete(slot)
      if (this.table.statusAt(slot) !== SUSPECT || this.table.incarnationAt(slot) !== s.incarnation) continue
      const u = signUpdate<Accusation>(this.init.signer, {
        type: 'dead',
        id: this.registry.idAt(slot),
        incarnation: s.incarnation,
        from: this.selfId,
      })
      this.setAccused(slot, u, now)
    }
    this.nextSuspicionAt = next
  }

  /**
   * A member that talks to us while we hold it suspect or dead may never have heard (a partition):
   * tell it, at most once per probe period, so it can refute.
   */
  private tellIfAccused(from: string, now: number): void {
    const slot = this.registry.slotOf(from)
    if (slot === undefined) return
    const code = this.table.statusAt(slot)
    if (code !== SUSPECT && code !== DEAD) return
    const last = this.told.get(from) ?? Number.NEGATIVE_INFINITY
    if (now - last < this.options.probeIntervalMs) return
    if (this.told.size >= MAX_TOLD) this.told.clear()
    this.told.set(from, now)
    const verdict = this.table.verdicts.get(slot)
    if (verdict) this.send(from, { type: 'gossip', updates: [verdict] })
  }

  // ---- dissemination ----

  private retransmitLimit(): number {
    const live = this.table.live
    return Math.max(this.options.retransmitMult * Math.ceil(Math.log10(live + 1)), activeViewSize(live))
  }

  private enqueue(key: number, u: Update, now: number): void {
    this.queue.push(key, u)
    if (this.nextGossipAt === INF) this.nextGossipAt = now + this.random() * this.options.gossipIntervalMs
  }

  /** Changes to carry on a packet to `to`; an accusation about `to` itself goes first (buddy rule). */
  private piggyback(to: string): Update[] {
    const slot = this.registry.slotOf(to)
    const code = slot === undefined ? NONE : this.table.statusAt(slot)
    const first = code === SUSPECT || code === DEAD ? this.table.verdicts.get(slot!) : undefined
    // Free riders: only gossip rounds count transmissions, so they alone decide coverage.
    return this.queue.take(this.options.piggybackBytes, this.retransmitLimit(), first, false)
  }

  private gossipRound(now: number): void {
    const o = this.options
    if (this.queue.length > 0) {
      const limit = this.retransmitLimit()
      for (const s of this.nextGossipTargets(o.gossipFanout)) {
        const updates = this.queue.take(o.gossipBytes, limit)
        if (updates.length > 0) this.send(this.registry.idAt(s), { type: 'gossip', updates })
      }
    }
    this.nextGossipAt = this.queue.length > 0 ? now + o.gossipIntervalMs : INF
  }

  /**
   * The next `k` members of the view in a fixed shuffled order. A change is sent about
   * log N times, at least once per view member, so walking the view (rather than drawing each
   * round afresh) has it reach every neighbour, not ~3/4 of them.
   */
  private nextGossipTargets(k: number): number[] {
    const view = this.viewSlots()
    if (view !== this.gossipView) {
      this.gossipView = view
      this.gossipOrder = this.shuffled(view)
      this.gossipIndex = 0
    }
    const n = this.gossipOrder.length
    const out: number[] = []
    for (let i = 0; i < Math.min(k, n); i++) out.push(this.gossipOrder[this.gossipIndex++ % n]!)
    if (this.gossipIndex >= n) this.gossipIndex -= n
    return out
  }

  // ---- push-pull ----

  private startSync(to: string): void {
    const seq = this.nextSeq()
    if (this.syncs.size >= MAX_SYNCS) this.syncs.delete(this.syncs.keys().next().value!)
    this.syncs.set(seq, { to, at: this.clock.now() })
    this.send(to, { type: 'sync-digest', seq, count: this.table.size, root: this.table.root })
  }

  /** A stranger talking to us knows members we do not: one push-pull at a time fetches them. */
  private syncWithStranger(from: string): void {
    if (this.leaveClaim) return
    for (const s of this.syncs.values()) if (s.to === from) return
    this.startSync(from)
  }

  private onSyncDigest(from: string, p: SyncDigestPacket): void {
    if (p.root === this.table.root && p.count === this.table.size) {
      this.send(from, { type: 'sync-buckets', seq: p.seq, bucketCount: 0, hashes: new Uint32Array(0) })
      return
    }
    const count = bucketCountFor(Math.max(p.count, this.table.size))
    this.send(from, {
      type: 'sync-buckets',
      seq: p.seq,
      bucketCount: count,
      hashes: this.table.buckets(count),
    })
  }

  private onSyncBuckets(from: string, p: SyncBucketsPacket): boolean {
    const pending = this.syncs.get(p.seq)
    if (!pending || pending.to !== from) return this.dropped('unexpected-sync', from)
    this.syncs.delete(p.seq)
    if (p.bucketCount === 0) {
      this.seeds.delete(from)
      return true
    }
    const mine = this.table.buckets(p.bucketCount)
    const differ = new Set<number>()
    for (let i = 0; i < p.bucketCount; i++) if (mine[i] !== p.hashes[i]) differ.add(i)
    if (differ.size > 0) this.sendEntries(from, p.seq, p.bucketCount, differ, true)
    return true
  }

  /** Our entries of the given buckets: each member's claim, then the verdict on it. */
  private sendEntries(
    to: string,
    seq: number,
    bucketCount: number,
    buckets: Set<number>,
    reply: boolean,
  ): void {
    const packets: Update[][] = [[]]
    let used = 0
    const add = (u: Update): void => {
      const size = encodedUpdateSize(u)
      if (used + size > SYNC_PACKET_BUDGET) {
        packets.push([])
        used = 0
      }
      packets[packets.length - 1]!.push(u)
      used += size
    }
    for (let s = 0; s < this.table.span; s++) {
      if (this.table.statusAt(s) === NONE || !buckets.has(this.table.bucketOf(s, bucketCount))) continue
      const claim = this.table.claimAt(s)
      if (claim) add(claim)
      const verdict = this.table.verdicts.get(s)
      if (verdict) add(verdict)
    }
    const list = [...buckets]
    packets.forEach((entries, i) => {
      const last = i === packets.length - 1
      this.send(to, {
        type: 'sync-entries',
        seq,
        bucketCount,
        buckets: list,
        entries,
        reply: reply && last,
      } satisfies SyncEntriesPacket)
    })
  }

  /** One dead member per interval gets a push-pull, with per-member exponential backoff. */
  private reconnectRound(now: number): void {
    const o = this.options
    this.nextReconnectAt = now + o.reconnectIntervalMs * (0.75 + this.random() / 2)
    if (this.leaveClaim) return
    let pick: number | undefined
    let seen = 0
    for (const [slot, v] of this.table.verdicts) {
      if (v.type !== 'dead') continue
      const r = this.retry.get(slot)
      if (r && r.nextAt > now) continue
      if (this.random() * ++seen < 1) pick = slot
    }
    if (pick === undefined) return
    const r = this.retry.get(pick) ?? { attempts: 0, nextAt: 0 }
    r.attempts++
    const backoff = Math.min(o.reconnectMaxBackoffMs, o.reconnectIntervalMs * 2 ** Math.min(r.attempts, 20))
    r.nextAt = now + backoff * (0.5 + this.random())
    this.retry.set(pick, r)
    this.startSync(this.registry.idAt(pick))
  }

  private reap(now: number): void {
    this.nextReapAt = now + Math.min(this.options.reapAfterMs, 60_000)
    for (const [slot] of [...this.table.verdicts]) {
      const code = this.table.statusAt(slot)
      if ((code !== DEAD && code !== LEFT) || slot === this.selfSlot) continue
      if (now - this.table.sinceAt(slot) < this.options.reapAfterMs) continue
      const last = this.snapshot(slot)
      this.table.remove(slot)
      this.queue.delete(slot * 2)
      this.queue.delete(slot * 2 + 1)
      this.retry.delete(slot)
      this.lastHeard.delete(slot)
      this.registry.release(slot)
      this.init.emit?.({ type: 'reap', member: last })
    }
  }

  // ---- helpers ----

  private viewSlots(): readonly number[] {
    const now = this.clock.now()
    return this.view.members(Math.floor((now + this.shufflePhase) / this.options.shuffleIntervalMs))
  }

  private send(to: string, packet: Packet): void {
    this.sent[packet.type]++
    this.init.send(to, packet)
  }

  private nextSeq(): number {
    this.seq = this.seq >= MAX_SEQ ? 0 : this.seq + 1
    return this.seq
  }

  private shuffled(list: readonly number[]): number[] {
    const out = [...list]
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1))
      const t = out[i]!
      out[i] = out[j]!
      out[j] = t
    }
    return out
  }

  /** Reports a refused input; returns false so callers can `return this.dropped(...)`. */
  private dropped(reason: DropReason, from: string): false {
    this.init.drop?.(reason, from)
    return false
  }

  private event(type: MemberEventType, slot: number): void {
    this.init.emit?.({ type, member: this.snapshot(slot) })
  }

  private snapshot(slot: number): Member {
    const claim = slot === this.selfSlot ? this.claim : this.table.claimAt(slot)
    const since = this.table.sinceAt(slot)
    return {
      id: this.registry.idAt(slot),
      name: claim?.name ?? '',
      status: STATUS_NAME[this.table.statusAt(slot) as StatusCode],
      incarnation: this.table.incarnationAt(slot),
      tags: { ...(claim?.tags ?? {}) },
      addrs: [...(claim?.addrs ?? [])],
      lastSeen: slot === this.selfSlot ? this.clock.now() : (this.lastHeard.get(slot) ?? since),
      statusSince: since,
    }
  }
}
