// Membership on the network: the pure Swim state machine, its packet link, and the upkeep of a
// bounded set of connections (the active view, plus whatever others opened to us, pruned
// least recently used first when there are too many).
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { CODE_P2P, multiaddr } from '@multiformats/multiaddr'
import { ed25519Signer, ed25519Verifier } from '../membership/claims.js'
import { type SelfInfo, Swim } from '../membership/swim.js'
import type { SwimOptions } from '../membership/swim-options.js'
import type { Member, MemberEvent } from '../membership/types.js'
import type { KnownPeer } from '../transport/dialer.js'
import { advertisedAddrs } from '../transport/nat.js'
import type { Logger } from '../util/log.js'
import type { GossipComponents } from './components.js'
import { type DuplicateConnections, duplicateConnections } from './duplicate-connections.js'
import { surplusIdleMs, surplusPeers } from './surplus-connections.js'
import { SwimLink, type TrafficCounters } from './swim-link.js'

const UPKEEP_MS = 2000
/** How long join() waits for the seed's push-pull answer before it resolves anyway (Swim retries on). */
const JOIN_WAIT_MS = 5000

export interface MembershipServiceInit {
  privateKey: PrivateKey
  self: SelfInfo
  options?: Partial<SwimOptions>
  onEvent?: (event: MemberEvent) => void
  /** Peers we refuse to connect to: never our neighbours (see SwimInit.avoid). */
  avoid?: (id: string) => boolean
  /** A probe was answered, after this many ms (metrics). */
  onProbeRtt?: (ms: number) => void
}

/** Everything but pubsub: membership travels on its own streams. */
export type MembershipServiceComponents = Omit<GossipComponents, 'pubsub'>

export function membershipService(
  init: MembershipServiceInit,
): (components: MembershipServiceComponents) => MembershipService {
  return (components) => new MembershipService(init, components)
}

export interface MembershipStats extends TrafficCounters {
  activeView: number
  connections: number
  healthScore: number
  queued: number
  /** Duplicate connections (two to one peer, from simultaneous dials) closed since start. */
  duplicatesClosed: number
}

export class MembershipService {
  readonly swim: Swim
  private readonly link: SwimLink
  private readonly lastTraffic = new Map<string, number>()
  /** join() calls waiting for a seed's push-pull answer. */
  private readonly joinWaiters = new Map<string, Set<() => void>>()
  private stopUpkeep?: () => void
  private readonly log: Logger
  private readonly duplicates: DuplicateConnections

  constructor(
    private readonly opts: MembershipServiceInit,
    private readonly c: MembershipServiceComponents,
  ) {
    this.log = c.logger.child('membership')
    const components = { ...c, logger: this.log }
    this.link = new SwimLink(
      {
        swim: () => this.swim,
        onTraffic: (peer) => this.lastTraffic.set(peer, c.clock.now()),
        afterReceive: (peer) => this.settleJoin(peer),
      },
      components,
    )
    this.duplicates = duplicateConnections()(components)
    this.swim = new Swim({
      self: opts.self,
      clock: c.clock,
      signer: ed25519Signer(opts.privateKey),
      verifier: ed25519Verifier(),
      options: opts.options,
      send: (to, p) => this.link.send(to, p),
      emit: (ev) => this.onEvent(ev),
      drop: (reason, from) => this.log.debug('membership input dropped', { reason, peer: from }),
      avoid: opts.avoid,
      onProbeRtt: opts.onProbeRtt,
      links: {
        connected: (id) => c.connections.getConnections(peerIdFromString(id)).length > 0,
        connectedPeers: () => c.connections.getConnections().map((conn) => conn.remotePeer.toString()),
      },
    })
  }

  async start(): Promise<void> {
    await this.link.start()
    this.duplicates.start()
    this.c.events.addEventListener('self:peer:update', this.onSelfUpdate)
    this.stopUpkeep = this.c.clock.every(UPKEEP_MS, () => this.upkeep())
  }

  async stop(): Promise<void> {
    this.stopUpkeep?.()
    this.duplicates.stop()
    for (const waiters of [...this.joinWaiters.values()]) for (const done of waiters) done()
    this.c.events.removeEventListener('self:peer:update', this.onSelfUpdate)
    await this.link.stop()
  }

  /**
   * Push-pull with a peer we just reached (join address, discovery, a known peer after restart),
   * retried by Swim until it answers. `addrs` (what we remember of it) go to the peer store
   * first: the membership stream dials by peer id, and after a restart that store is empty.
   * Resolves once the seed answered, so `murmur join` returns knowing the mesh (memberlist's
   * Join does the same), or after JOIN_WAIT_MS; it never rejects.
   */
  async join(id: string, addrs: string[] = []): Promise<void> {
    await this.rememberAddrs({ id, addrs })
    this.link.call('join', (s) => s.join(id))
    if (!this.swim.joining(id)) return
    const waiters = this.joinWaiters.get(id) ?? new Set()
    this.joinWaiters.set(id, waiters)
    await new Promise<void>((resolve) => {
      const done = (): void => {
        cancel()
        waiters.delete(done)
        if (waiters.size === 0) this.joinWaiters.delete(id)
        resolve()
      }
      const cancel = this.c.clock.after(JOIN_WAIT_MS, done)
      waiters.add(done)
    })
  }

  /** Runs after every received packet: the common case is no join waiting at all. */
  private settleJoin(peer: string): void {
    const waiters = this.joinWaiters.get(peer)
    if (!waiters || this.swim.joining(peer)) return
    for (const done of waiters) done()
  }

  /**
   * Is a peer that discovery found worth a dial and a push-pull? Strangers (they may be joining
   * us), and members we hold dead: being discovered again means the partition healed.
   */
  wantsDiscovered(id: string): boolean {
    const m = this.swim.get(id)
    return !m || m.status === 'dead' || this.swim.counts().alive <= 1
  }

  /**
   * Whom periodic state sync may pick: alive members of the active view, which are connected
   * already. Any alive member instead would dial a new connection (noise, identify, gossipsub)
   * to a random member every interval, a cost that grows with N; the view is a connected
   * overlay, so syncing along it still reaches everyone. Falls back to any alive member.
   */
  syncPeers(): string[] {
    const inView = this.swim.activeView().filter((id) => this.swim.get(id)?.status === 'alive')
    if (inView.length > 0) return inView
    return this.swim
      .list({ status: 'alive' })
      .map((m) => m.id)
      .filter((id) => id !== this.swim.selfId)
  }

  /** The active view with the addresses its members announced: what the dialer keeps up. */
  wanted(): KnownPeer[] {
    return this.swim.activeView().map((id) => ({ id, addrs: this.swim.get(id)?.addrs ?? [] }))
  }

  setTags(set: Record<string, string>, del: string[]): void {
    // Self updates throw on bad input: that is the client's error, so let it reach the admin call.
    this.swim.setTags(set, del)
    this.link.call('update', () => {})
  }

  list(): Member[] {
    return this.swim.list()
  }

  stats(): MembershipStats {
    return {
      ...this.link.counters,
      activeView: this.swim.activeView().length,
      connections: this.c.connections.getConnections().length,
      healthScore: this.swim.healthScore(),
      queued: this.swim.pendingBroadcasts(),
      duplicatesClosed: this.duplicates.count,
    }
  }

  /** Announces our leave to the active view; resolves once it was written, or after the timeout. */
  async leave(timeoutMs = 2000): Promise<void> {
    this.link.call('leave', (s) => s.leave())
    await this.link.drain(timeoutMs)
  }

  private onEvent(ev: MemberEvent): void {
    const m = ev.member
    const fields = { peer: m.id, name: m.name, status: m.status, incarnation: m.incarnation }
    if (ev.type === 'update') this.log.debug('member updated', fields)
    else this.log.info(`member ${ev.type}`, fields)
    // A connection to a dead member is likely stalled (a partition): close it so a healed network
    // gets a fresh one. Suspicion alone never hangs up: someone else's doubt is not proof.
    if (ev.type === 'dead' && m.id !== this.swim.selfId) {
      void this.c.connections.hangUp(peerIdFromString(m.id)).catch(() => {})
    }
    if (m.id !== this.swim.selfId && (ev.type === 'join' || ev.type === 'alive' || ev.type === 'update')) {
      // The claim's addresses go to libp2p's peer store, so a member learned from gossip is
      // reachable at once by peer id (membership frames, state sync), not only once dialled.
      void this.rememberAddrs(m).then(() => {
        if (this.swim.activeView().includes(m.id)) this.link.warm(m.id)
      })
    }
    this.opts.onEvent?.(ev)
  }

  private async rememberAddrs(m: Pick<Member, 'id' | 'addrs'>): Promise<void> {
    const multiaddrs = m.addrs.flatMap((a) => {
      try {
        const ma = multiaddr(a)
        return ma.getComponents().some((c) => c.name === 'p2p') ? [ma.decapsulateCode(CODE_P2P)] : [ma]
      } catch {
        return []
      }
    })
    if (multiaddrs.length === 0) return
    await this.c.peerStore.merge(peerIdFromString(m.id), { multiaddrs }).catch(() => {})
  }

  private readonly onSelfUpdate = (): void => {
    // Listeners closing as the agent stops after a leave change the addresses: nothing to claim.
    if (this.swim.hasLeft()) return
    const addrs = advertisedAddrs(this.c.addresses.getMultiaddrs())
    this.link.call('addresses', (s) => s.setAddrs(addrs))
  }

  private upkeep(): void {
    // libp2p signals address changes it makes, not an interface coming up under a 0.0.0.0
    // listener: its addresses are listed afresh here (no change, no claim).
    this.onSelfUpdate()
    for (const id of this.swim.activeView()) this.link.warm(id)
    this.prune()
  }

  /**
   * Closes connections in neither our view nor the peer's (see surplus-connections.ts). Those to
   * the relays we hold a reservation on, and from the members we relay for, stay: the reservation
   * lives on that connection (docs/nat.md).
   */
  private prune(): void {
    const view = new Set([...this.swim.activeView(), ...this.c.relays.relayPeers()])
    const idleMs = surplusIdleMs(view.size, this.swim.options.probeIntervalMs)
    // Active since its last frame, or since it opened: a peer that just dialled us may probe later.
    const active = new Map<string, number>()
    for (const c of this.c.connections.getConnections()) {
      const p = c.remotePeer.toString()
      active.set(p, Math.max(active.get(p) ?? this.lastTraffic.get(p) ?? 0, c.timeline.open))
    }
    const now = this.c.clock.now()
    for (const p of surplusPeers([...active.keys()], view, active, now, idleMs)) {
      this.log.debug('closing surplus connection', { peer: p })
      void this.c.connections.hangUp(peerIdFromString(p)).catch(() => {})
    }
    for (const [p, t] of this.lastTraffic) if (now - t > 10 * idleMs) this.lastTraffic.delete(p)
  }
}
