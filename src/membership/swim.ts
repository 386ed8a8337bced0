// SWIM with Lifeguard as a pure state machine. Inputs: packets from peers, the clock reaching
// nextWakeAt(), and self updates. Outputs: packets through `send` and member events through
// `emit`. No I/O and no timers of its own, so the simulator runs thousands of these in one
// process and the tests drive one under a fake clock.
//
// Per period a member probes one neighbour (ping, then ping-req through k others, Lifeguard nacks),
// gossips queued changes to a few neighbours, and now and then does a digest-first push-pull.
// Only changes travel, each signed by its speaker and sent about λ·log N times.
//
// Probing lives in probes.ts, push-pull (periodic, joins, reconnects) in sync.ts, each behind a
// narrow host (host.ts); this core keeps the table, updates, suspicions, gossip and reaping.

import { InvalidInputError, MurmurError } from '../errors.js'
import { type Clock, systemClock } from '../util/clock.js'
import { isRelayedAddr } from '../util/relayed.js'
import { AccuserRecord } from './accusers.js'
import { BroadcastQueue } from './broadcasts.js'
import { type ClaimSigner, type ClaimVerifier, signUpdate, verifyUpdate } from './claims.js'
import { CoordBook } from './coord-book.js'
import type { Coordinate } from './coords.js'
import { ForcedLeaves } from './forced.js'
import { LocalHealth } from './health.js'
import { type DropReason, INF, MAX_TOLD, type SwimHost, shuffled } from './host.js'
import { MAX_INCARNATION, MAX_MEMBERS, MAX_SEQ, MAX_SYNC_COORDS } from './limits.js'
import type {
  Accusation,
  AliveClaim,
  CoordEntry,
  LeaveClaim,
  Packet,
  PacketType,
  Update,
} from './messages.js'
import { ActiveView, activeViewSize } from './overlay.js'
import { Probes } from './probes.js'
import { IdRegistry } from './registry.js'
import { Suspicion, suspicionBounds } from './suspicion.js'
import { DEFAULT_SWIM_OPTIONS, type SwimOptions } from './swim-options.js'
import { Sync } from './sync.js'
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
import { ViewAdmission } from './view-admission.js'
import { encodedUpdateSize, encodePacket } from './wire.js'

export interface SelfInfo {
  id: string
  name: string
  /** Must increase across restarts (the daemon persists it), or peers ignore the new life. */
  incarnation: number
  tags?: Record<string, string>
  addrs?: string[]
}

export type { DropReason } from './host.js'
export { bucketCountFor } from './sync.js'

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
  /**
   * The connections there are. With them, a member that would cost a dial joins the view only
   * after a jittered wait, connected members standing in meanwhile (view-admission.ts). Without
   * them (the simulator, unit tests) the drawn view is the view.
   */
  links?: { connected(id: string): boolean; connectedPeers(): Iterable<string> }
}

export interface ListFilter {
  status?: MemberStatus | readonly MemberStatus[]
}

/** Members that can be dialled directly which a member behind a NAT keeps in its view. */
const NAT_ANCHORS = 2

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
  private readonly admission?: ViewAdmission
  private readonly queue = new BroadcastQueue()
  private readonly health: LocalHealth
  private readonly suspicions = new Map<number, Suspicion>()
  private readonly accusers = new AccuserRecord()
  private readonly forced = new ForcedLeaves()
  private readonly coords: CoordBook
  private readonly lastHeard = new Map<number, number>()
  private readonly told = new Map<string, number>()
  private readonly probes: Probes
  private readonly sync: Sync
  private claim: AliveClaim
  private leaveClaim?: LeaveClaim
  private seq = 0
  /** Gossip walks the view in one shuffled order, so consecutive rounds reach distinct members. */
  private gossipView: readonly number[] = []
  private gossipOrder: number[] = []
  private gossipIndex = 0
  private nextGossipAt = INF
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
    this.coords = new CoordBook(id)
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
    const links = init.links
    if (links) {
      const { registry, table } = this
      this.admission = new ViewAdmission(
        {
          connected: (slot) => links.connected(registry.idAt(slot)),
          *connectedSlots() {
            for (const id of links.connectedPeers()) {
              const slot = registry.slotOf(id)
              if (slot !== undefined) yield slot
            }
          },
          eligible: (slot) => {
            const code = table.statusAt(slot)
            return (
              slot !== this.selfSlot && (code === ALIVE || code === SUSPECT) && !avoid?.(registry.idAt(slot))
            )
          },
          random: this.random,
        },
        this.options.probeIntervalMs,
      )
    }
    const host: SwimHost = {
      options: this.options,
      now: () => this.clock.now(),
      random: this.random,
      send: (to, packet) => this.send(to, packet),
      nextSeq: () => this.nextSeq(),
      dropped: (reason, from) => this.dropped(reason, from),
      idAt: (slot) => this.registry.idAt(slot),
      viewSlots: () => this.viewSlots(),
      left: () => this.leaveClaim !== undefined,
    }
    // Draws from random() in this order (probe phase, push-pull, reconnect, shuffle): same seed, same run.
    this.probes = new Probes(
      {
        ...host,
        selfId: id,
        table: this.table,
        health: this.health,
        piggyback: (to) => this.piggyback(to),
        suspect: (slot, at) => this.suspect(slot, at),
        onProbeRtt: init.onProbeRtt,
        measured: (slot, rtt, coord) => this.coords.measured(slot, rtt, coord, this.clock.now()),
      },
      now,
    )
    this.sync = new Sync(
      {
        ...host,
        selfId: id,
        table: this.table,
        applyAll: (u, from, at) => this.applyAll(u, from, at),
        coordsToSend: (at) => this.coords.toSend(id, at, MAX_SYNC_COORDS, (s) => this.liveId(s)),
        coordsHeard: (entries, at) => this.coordsHeard(entries, at),
      },
      now,
    )
    this.nextReapAt = now + Math.min(this.options.reapAfterMs, 60_000)
    this.shufflePhase = this.random() * this.options.shuffleIntervalMs
  }

  // ---- queries ----

  self(): Member {
    return this.snapshot(this.selfSlot)
  }

  /** We left (gracefully): our claim no longer changes. */
  hasLeft(): boolean {
    return this.leaveClaim !== undefined
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
      if (code !== NONE && (!wanted || wanted.has(STATUS_CODE[this.shownStatus(s)])))
        out.push(this.snapshot(s))
    }
    const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
    return out.sort((a, b) => cmp(a.name, b.name) || cmp(a.id, b.id))
  }

  counts(): Record<MemberStatus, number> {
    const forced = this.forced.leftCount((id, inc) => {
      const slot = this.registry.slotOf(id)
      return (
        slot !== undefined && this.table.statusAt(slot) === DEAD && this.table.incarnationAt(slot) === inc
      )
    })
    return {
      alive: this.table.count(ALIVE),
      suspect: this.table.count(SUSPECT),
      dead: this.table.count(DEAD) - forced,
      left: this.table.count(LEFT) + forced,
    }
  }

  /**
   * `murmur force-leave`: a member held dead here, at `incarnation` if given, is shown left from
   * now on (handlers get member-leave), or with `prune` forgotten at once (forced.ts).
   */
  forceLeave(id: string, prune: boolean, incarnation?: number): 'left' | 'pruned' | 'not-dead' | 'unknown' {
    const slot = this.registry.slotOf(id)
    if (slot === undefined || slot === this.selfSlot || this.table.statusAt(slot) === NONE) return 'unknown'
    const code = this.table.statusAt(slot)
    const inc = this.table.incarnationAt(slot)
    if ((code !== DEAD && code !== LEFT) || (incarnation !== undefined && incarnation !== inc))
      return 'not-dead'
    const now = this.clock.now()
    if (prune) {
      this.forget(slot)
      this.forced.prune(id, inc, now + this.options.reapAfterMs)
      return 'pruned'
    }
    if (code === DEAD && !this.forced.isLeft(id, inc)) {
      this.forced.markLeft(id, inc)
      this.event('leave', slot)
    }
    return 'left'
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

  /** Accusers muted here for accusing members that then refuted (accusers.ts). */
  mutedAccusers(): number {
    return this.accusers.mutedCount(this.clock.now())
  }

  /** This member's network coordinate (coords.ts), moved by the round trips of its probes. */
  coordinate(): Coordinate {
    return this.coords.mine()
  }

  /**
   * The coordinate we hold for a member (ours for self): the latest it sent on an ack to our probe,
   * else the freshest a push-pull digest carried; undefined if none.
   */
  coordinateOf(id: string): Coordinate | undefined {
    if (id === this.selfId) return this.coords.mine()
    const slot = this.registry.slotOf(id)
    return slot === undefined || this.table.statusAt(slot) === NONE ? undefined : this.coords.of(slot)
  }

  /** Did our coordinate for this member come on an ack to our own probe (not from a digest)? */
  coordinateFirstHand(id: string): boolean {
    const slot = this.registry.slotOf(id)
    return slot !== undefined && this.table.statusAt(slot) !== NONE && this.coords.firstHand(slot)
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
    return Math.min(
      this.sync.nextWakeAt(),
      this.probes.nextWakeAt(),
      this.nextGossipAt,
      this.nextReapAt,
      this.nextSuspicionAt,
    )
  }

  /** Runs every timer that is due. */
  tick(): void {
    const now = this.clock.now()
    this.sync.tickSeeds(now)
    this.probes.tick(now)
    if (now >= this.nextSuspicionAt) this.expireSuspicions(now)
    if (now >= this.nextGossipAt) this.gossipRound(now)
    this.sync.tick(now)
    if (now >= this.nextReapAt) this.reap(now)
    this.probes.tickHelps(now)
    for (const slot of this.admission?.takeAdmitted() ?? []) this.sync.exchange(this.registry.idAt(slot))
  }

  // ---- inputs ----

  /** A packet from peer `from` (the transport authenticated who sent it). */
  receive(from: string, p: Packet): void {
    if (from === this.selfId) return
    const now = this.clock.now()
    const fromSlot = this.registry.slotOf(from)
    if (fromSlot !== undefined && this.table.statusAt(fromSlot) !== NONE) this.lastHeard.set(fromSlot, now)
    else if (p.type !== 'sync-digest' && p.type !== 'sync-entries') this.sync.exchange(from)
    switch (p.type) {
      case 'ping':
        this.applyAll(p.updates, from, now)
        this.send(from, { type: 'ack', seq: p.seq, updates: this.piggyback(from), coord: this.coords.mine() })
        return
      case 'ack':
        this.applyAll(p.updates, from, now)
        this.probes.onAck(from, p.seq, p.coord)
        break
      case 'ping-req':
        this.applyAll(p.updates, from, now)
        this.probes.onPingReq(from, p, now)
        break
      case 'nack':
        this.probes.onNack(p.seq)
        break
      case 'gossip':
        this.applyAll(p.updates, from, now)
        break
      case 'sync-digest':
        this.sync.onDigest(from, p)
        break
      case 'sync-buckets':
        this.sync.onBuckets(from, p)
        break
      case 'sync-entries':
        this.sync.onEntries(from, p, now)
        break
    }
    this.tellIfAccused(from, now)
  }

  /** Starts a push-pull with a peer, retried with backoff until it answers: how a member joins. */
  join(to: string): void {
    this.sync.join(to)
  }

  /** Is a join through `to` still waiting for its push-pull answer? */
  joining(to: string): boolean {
    return this.sync.joining(to)
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
    if (this.forced.blocks(u.id, u.incarnation, now)) return this.dropped('pruned', from)
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
    if (code === SUSPECT) this.refuted(slot, now)
    this.table.set(slot, ALIVE, u.incarnation, now, u)
    this.clearSuspicion(slot)
    this.sync.forget(slot)
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

  /**
   * An accusation, `suspect` or `dead` alike, starts a suspicion here or confirms the open one:
   * one member's word never makes another dead. Only our own suspicion timing out does, and the
   * accused can refute until then (docs/membership.md, "Trust").
   */
  private applyAccusation(u: Accusation, slot: number, code: number, from: string, now: number): boolean {
    const claimed = this.table.claimAt(slot)?.incarnation ?? -1
    if (u.incarnation > claimed) return this.dropped('unclaimed-life', from)
    const cur = this.table.incarnationAt(slot)
    if (u.from === this.selfId) return this.dropped('stale', from)
    if (u.incarnation < cur || (u.incarnation === cur && code >= DEAD)) return this.dropped('stale', from)
    const open = this.suspicions.get(slot)
    const same = code === SUSPECT && u.incarnation === cur && open?.incarnation === cur
    const verdict = same && u.type === 'dead' && open!.wouldRecordVerdict(u.from)
    if (same && !verdict && !open!.wouldConfirm(u.from)) return this.dropped('stale', from)
    // The accuser must be a member we know, in any status: a verdict outlives its accuser, and a
    // member that learns it after the accuser left must still weigh it.
    if (!this.isKnown(u.from)) return this.dropped('unknown-accuser', from)
    if (this.accusers.muted(u.from, now)) return this.dropped('muted-accuser', from)
    if (!verifyUpdate(this.init.verifier, u)) return this.dropped('bad-signature', from)
    if (same) {
      open!.confirm(u.from)
      if (verdict) open!.recordVerdict(u.from)
      if (open!.decided) {
        this.declareDead(slot, open!.incarnation, now)
        return true
      }
      this.nextSuspicionAt = Math.min(this.nextSuspicionAt, open!.deadline)
      this.enqueue(slot * 2 + 1, u, now)
      return true
    }
    this.setAccused(slot, SUSPECT, u, now)
    return true
  }

  private setAccused(slot: number, next: typeof SUSPECT | typeof DEAD, u: Accusation, now: number): void {
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
      if (u.from === this.selfId) s.witness()
      else if (u.type === 'dead') s.recordVerdict(u.from)
      this.suspicions.set(slot, s)
      this.nextSuspicionAt = Math.min(this.nextSuspicionAt, s.deadline)
    } else {
      this.clearSuspicion(slot)
    }
    this.enqueue(slot * 2 + 1, u, now)
    this.view.touched(slot)
    this.event(next === SUSPECT ? 'suspect' : 'dead', slot)
  }

  /** The member refuted a suspicion still open here: its accusers were wrong (accusers.ts). */
  private refuted(slot: number, now: number): void {
    const open = this.suspicions.get(slot)
    if (!open) return
    for (const id of open.accuserIds) if (id !== this.selfId) this.accusers.strike(id, now)
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
    // Even a muted accuser is refuted: others may not have muted it yet.
    if (!verifyUpdate(this.init.verifier, u)) return this.dropped('bad-signature', from)
    this.health.apply(1)
    // We are alive, so the accusation was wrong; a member that keeps making it loses its voice.
    this.accusers.strike(u.from, now)
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

  /** Our own probe failed. On a member already suspect it counts as an independent confirmation. */
  private suspect(slot: number, now: number): void {
    const code = this.table.statusAt(slot)
    if (code !== ALIVE && code !== SUSPECT) return
    const incarnation = this.table.incarnationAt(slot)
    const existing = this.suspicions.get(slot)
    if (code === SUSPECT && existing?.incarnation === incarnation) {
      existing.witness()
      if (existing.decided) {
        this.declareDead(slot, incarnation, now)
        return
      }
    }
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
      this.setAccused(slot, SUSPECT, u, now)
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
      this.declareDead(slot, s.incarnation, now)
    }
    this.nextSuspicionAt = next
  }

  /** Our own verdict: the suspicion ended (timed out or decided) with no refutation. */
  private declareDead(slot: number, incarnation: number, now: number): void {
    const u = signUpdate<Accusation>(this.init.signer, {
      type: 'dead',
      id: this.registry.idAt(slot),
      incarnation,
      from: this.selfId,
    })
    this.setAccused(slot, DEAD, u, now)
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
      this.gossipOrder = shuffled(view, this.random)
      this.gossipIndex = 0
    }
    const n = this.gossipOrder.length
    const out: number[] = []
    for (let i = 0; i < Math.min(k, n); i++) out.push(this.gossipOrder[this.gossipIndex++ % n]!)
    if (this.gossipIndex >= n) this.gossipIndex -= n
    return out
  }

  private reap(now: number): void {
    this.nextReapAt = now + Math.min(this.options.reapAfterMs, 60_000)
    for (const [slot] of [...this.table.verdicts]) {
      const code = this.table.statusAt(slot)
      if ((code !== DEAD && code !== LEFT) || slot === this.selfSlot) continue
      if (now - this.table.sinceAt(slot) < this.options.reapAfterMs) continue
      this.forget(slot)
    }
    this.forced.expire(now)
  }

  /** Removes a member from the table at once (reaped, or pruned by an operator). */
  private forget(slot: number): void {
    const last = this.snapshot(slot)
    this.table.remove(slot)
    this.queue.delete(slot * 2)
    this.queue.delete(slot * 2 + 1)
    this.sync.forget(slot)
    this.lastHeard.delete(slot)
    this.coords.forget(slot)
    this.suspicions.delete(slot)
    this.forced.forget(last.id)
    this.registry.release(slot)
    this.init.emit?.({ type: 'reap', member: last })
  }

  // ---- helpers ----

  /** The id of a member whose coordinate is worth passing on: alive or suspect, not self. */
  private liveId(slot: number): string | undefined {
    const st = this.table.statusAt(slot)
    return slot !== this.selfSlot && (st === ALIVE || st === SUSPECT) ? this.registry.idAt(slot) : undefined
  }

  /** Second-hand coordinates: kept only for members we know, never for self. */
  private coordsHeard(entries: readonly CoordEntry[], now: number): void {
    for (const e of entries) {
      const slot = this.registry.slotOf(e.id)
      if (slot === undefined || slot === this.selfSlot || this.table.statusAt(slot) === NONE) continue
      this.coords.heard(slot, e.coord, e.age, now)
    }
  }

  private viewSlots(): readonly number[] {
    const now = this.clock.now()
    const drawn = this.view.members(Math.floor((now + this.shufflePhase) / this.options.shuffleIntervalMs))
    return this.admission ? this.admission.effective(drawn, now) : drawn
  }

  private send(to: string, packet: Packet): void {
    this.sent[packet.type]++
    this.init.send(to, packet)
  }

  private nextSeq(): number {
    this.seq = this.seq >= MAX_SEQ ? 0 : this.seq + 1
    return this.seq
  }

  /** Reports a refused input; returns false so callers can `return this.dropped(...)`. */
  private dropped(reason: DropReason, from: string): false {
    this.init.drop?.(reason, from)
    return false
  }

  private event(type: MemberEventType, slot: number): void {
    this.init.emit?.({ type, member: this.snapshot(slot) })
  }

  /** The table's status, but `left` for a member an operator forced out while held dead. */
  private shownStatus(slot: number): MemberStatus {
    const code = this.table.statusAt(slot) as StatusCode
    if (code === DEAD && this.forced.isLeft(this.registry.idAt(slot), this.table.incarnationAt(slot)))
      return 'left'
    return STATUS_NAME[code]
  }

  private snapshot(slot: number): Member {
    const claim = slot === this.selfSlot ? this.claim : this.table.claimAt(slot)
    const since = this.table.sinceAt(slot)
    return {
      id: this.registry.idAt(slot),
      name: claim?.name ?? '',
      status: this.shownStatus(slot),
      incarnation: this.table.incarnationAt(slot),
      tags: { ...(claim?.tags ?? {}) },
      addrs: [...(claim?.addrs ?? [])],
      lastSeen: slot === this.selfSlot ? this.clock.now() : (this.lastHeard.get(slot) ?? since),
      statusSince: since,
    }
  }
}
