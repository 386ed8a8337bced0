// Joining across NATs as libp2p can on Node (docs/nat.md): AutoNAT tells whether this agent is
// publicly reachable; a reachable agent serves as a circuit relay (v2), and one that is not keeps
// reservations on relays it is connected to and announces the relayed addresses. No hole punching:
// no js-libp2p transport can do it on Node today.
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import type { Libp2pEvents, Startable, TypedEventTarget } from '@libp2p/interface'
import { isLoopback, isPrivate } from '@libp2p/utils'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import type { Logger } from '../util/log.js'
import { isRelayedAddr as isRelayed } from '../util/relayed.js'

export type ReachabilitySetting = 'auto' | 'public' | 'private'
export type Reachability = 'public' | 'private' | 'unknown'

export interface NatOptions {
  /** `auto`: AutoNAT decides; `public` (a server, port forwarding) and `private` say it outright. */
  reachability: ReachabilitySetting
  autonat: boolean
  /** Relays to keep a reservation on while not publicly reachable (0: none). */
  reservations: number
  /** Ask the router for a port mapping (UPnP IGD); off by default. */
  upnp: boolean
  relay: {
    /** `auto`: serve while publicly reachable. */
    serve: 'auto' | 'on' | 'off'
    maxReservations: number
    reservationTtlMs: number
    /** Per relayed connection; 0 means no limit (murmur's traffic is small and bounded already). */
    maxDurationMs: number
    maxDataBytes: number
  }
}

/** Listen addresses that ask for relay reservations: one `/p2p-circuit` per relay to hold. */
export function reservationListens(nat: NatOptions): string[] {
  if (nat.reachability === 'public') return []
  return Array.from({ length: nat.reservations }, () => '/p2p-circuit')
}

export { isRelayedAddr as isRelayed } from '../util/relayed.js'

/** The relay's peer id in a relayed address `/.../p2p/RELAY/p2p-circuit/p2p/US`. */
export function relayOf(addr: Multiaddr | string): string | undefined {
  const parts = addr.toString().split('/p2p-circuit')[0]!.split('/')
  const i = parts.lastIndexOf('p2p')
  return i >= 0 ? parts[i + 1] : undefined
}

/**
 * The addresses a member advertises, in the order to dial them: direct ones first (public before
 * private), relayed ones after. Loopback only when it has nothing else: a peer on another machine
 * cannot use it, and one on the same machine can use the others.
 */
export function advertisedAddrs(addrs: readonly (Multiaddr | string)[]): string[] {
  const all = addrs.map((a) => (typeof a === 'string' ? multiaddr(a) : a))
  const relayed = all.filter(isRelayed)
  const direct = all.filter((a) => !isRelayed(a))
  const usable = direct.filter((a) => !isLoopback(a))
  const kept = usable.length > 0 || relayed.length > 0 ? usable : direct
  const rank = (a: Multiaddr) => (isPrivate(a) ? 1 : 0)
  return [...kept.sort((x, y) => rank(x) - rank(y)), ...relayed].map(String)
}

type RelayComponents = Parameters<ReturnType<typeof circuitRelayServer>>[0]
type RelayServer = ReturnType<ReturnType<typeof circuitRelayServer>> & Startable

/**
 * The relay server as a service that serves only while switched on (libp2p starts services once,
 * at node start; reachability is known later). A server cannot start again once stopped, so each
 * switch-on makes a new one.
 */
export class SwitchableRelay implements Startable {
  private server: RelayServer | undefined
  private started = false

  constructor(
    private readonly components: RelayComponents,
    private readonly init: Parameters<typeof circuitRelayServer>[0],
  ) {}

  async start(): Promise<void> {
    this.started = true
  }

  async stop(): Promise<void> {
    this.started = false
    await this.set(false)
  }

  async set(on: boolean): Promise<void> {
    if (on && this.server === undefined && this.started) {
      this.server = circuitRelayServer(this.init)(this.components) as RelayServer
      await this.server.start()
    } else if (!on && this.server !== undefined) {
      const s = this.server
      this.server = undefined
      await s.stop()
    }
  }

  get serving(): boolean {
    return this.server !== undefined
  }

  /**
   * Ends `peer`'s reservation, if it holds one: libp2p keeps a reservation for its whole TTL (an
   * hour by default) after its holder disconnected, left or died, so squatters would keep slots.
   */
  release(peer: string): boolean {
    if (this.server === undefined) return false
    for (const p of this.server.reservations.keys()) {
      if (p.toString() === peer) return this.server.reservations.delete(p)
    }
    return false
  }

  /** Peers holding a reservation on this agent. */
  clients(): string[] {
    return this.server === undefined ? [] : [...this.server.reservations.keys()].map((p) => p.toString())
  }
}

function relayInit(nat: NatOptions): Parameters<typeof circuitRelayServer>[0] {
  const { maxDurationMs, maxDataBytes } = nat.relay
  return {
    reservations: {
      maxReservations: nat.relay.maxReservations,
      reservationTtl: nat.relay.reservationTtlMs,
      applyDefaultLimit: maxDurationMs > 0 || maxDataBytes > 0,
      ...(maxDurationMs > 0 ? { defaultDurationLimit: maxDurationMs } : {}),
      ...(maxDataBytes > 0 ? { defaultDataLimit: BigInt(maxDataBytes) } : {}),
    },
  }
}

export interface NatInfo {
  reachability: Reachability
  /** Relays this agent holds a reservation on (from its relayed addresses). */
  reservations: string[]
  /** Whether this agent serves as a relay, and for whom. */
  relay: { serving: boolean; clients: string[] }
}

type NatComponents = RelayComponents & { events: TypedEventTarget<Libp2pEvents> }
type DisconnectEvent = CustomEvent<{ toString(): string }>

/**
 * Reachability and the relay server that follows it (a libp2p service, so that it sees the
 * address manager and the node's events).
 */
export class NatService implements Startable {
  readonly relay: SwitchableRelay | undefined
  // A relay server that fails to start or stop is logged, never fatal: the agent goes on without.
  private readonly onUpdate = () =>
    void this.update().catch((err: Error) =>
      this.log.warn('relay server switch failed', { error: err.message }),
    )

  constructor(
    private readonly components: NatComponents,
    private readonly nat: NatOptions,
    private readonly log: Logger,
  ) {
    this.relay = nat.relay.serve === 'off' ? undefined : new SwitchableRelay(components, relayInit(nat))
  }

  // A reservation lives on its holder's connection to us: with the last one gone, so is the slot.
  private readonly onDisconnect = (evt: DisconnectEvent): void => {
    this.release(evt.detail.toString())
  }

  async start(): Promise<void> {
    await this.relay?.start()
    this.components.events.addEventListener('self:peer:update', this.onUpdate)
    this.components.events.addEventListener('peer:disconnect', this.onDisconnect)
  }

  afterStart(): void {
    this.onUpdate()
  }

  async stop(): Promise<void> {
    this.components.events.removeEventListener('self:peer:update', this.onUpdate)
    this.components.events.removeEventListener('peer:disconnect', this.onDisconnect)
    await this.relay?.stop()
  }

  /**
   * Said outright in the config, else public once AutoNAT has verified a public address, private
   * while every address this agent has is a private one (behind a NAT, or on a LAN only), unknown
   * while a public one waits to be verified.
   */
  reachability(): Reachability {
    if (this.nat.reachability !== 'auto') return this.nat.reachability
    const addrs = this.components.addressManager
      .getAddressesWithMetadata()
      .filter((a) => !isRelayed(a.multiaddr) && !isPrivate(a.multiaddr))
    if (addrs.some((a) => a.verified)) return 'public'
    return addrs.length === 0 ? 'private' : 'unknown'
  }

  /** Serves as a relay when told to, or in `auto` while publicly reachable. */
  async update(): Promise<void> {
    const serve = this.nat.relay.serve
    const was = this.relay?.serving
    await this.relay?.set(serve === 'on' || (serve === 'auto' && this.reachability() === 'public'))
    if (this.relay !== undefined && this.relay.serving !== was)
      this.log.info(this.relay.serving ? 'serving as a relay' : 'no longer serving as a relay')
  }

  /** Ends a peer's reservation on us (it disconnected, left or died); true if it held one. */
  release(peer: string): boolean {
    const released = this.relay?.release(peer) ?? false
    if (released) this.log.info('relay reservation released', { peer })
    return released
  }

  info(addrs: readonly Multiaddr[]): NatInfo {
    const reservations = new Set<string>()
    for (const a of addrs) {
      const r = isRelayed(a) ? relayOf(a) : undefined
      if (r !== undefined) reservations.add(r)
    }
    return {
      reachability: this.reachability(),
      reservations: [...reservations].sort(),
      relay: { serving: this.relay?.serving ?? false, clients: this.relay?.clients().sort() ?? [] },
    }
  }
}

export const natService =
  (nat: NatOptions, log: Logger) =>
  (components: NatComponents): NatService =>
    new NatService(components, nat, log)

/** No AutoNAT, no relay served, no reservation: for nodes that only ever talk on a LAN or loopback. */
export const NO_NAT: NatOptions = {
  reachability: 'private',
  autonat: false,
  reservations: 0,
  upnp: false,
  relay: { serve: 'off', maxReservations: 1, reservationTtlMs: 10_000, maxDurationMs: 0, maxDataBytes: 0 },
}
