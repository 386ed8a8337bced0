// @libp2p/mdns with the recovery it lacks. Checked against @libp2p/mdns 12.0.32 / multicast-dns 7.2.5:
//
// 1. libp2p emits 'peer:discovery' only when a peer first enters the peer store. mDNS keeps finding the
//    peer on every query, but those later sightings are silent. Two agents that start together find
//    each other in the first few milliseconds, before the daemon's dialer listens for the event (it
//    starts after node.start()), and then never dial (issue #8: 'mDNS discovery, 2 agents' failed
//    about one run in five). A failed first dial is never retried either. Fix: while a peer that mDNS
//    still sees is not connected, announce it again as 'peer:discovery', with a per-peer backoff.
// 2. The service queries once at start, then every `interval`. Fix: extra queries soon after each
//    start (QUERY_BURST_MS), so a peer that answers a moment later is not left waiting a whole interval.
// 3. multicast-dns joins the group on the interfaces present at start and picks the outgoing interface
//    then (127.0.0.1 if nothing else is up); it re-checks only every 5 s, and never drops memberships of
//    addresses that went away. An agent started at boot, before its network is up, took 5-10 s to be
//    found. Fix: poll os.networkInterfaces() (cheap) and restart the service when the IPv4 set changes
//    or its socket reported an error.
import { networkInterfaces } from 'node:os'
import {
  type PeerDiscovery,
  type PeerInfo,
  peerDiscoverySymbol,
  serviceCapabilities,
  type Startable,
} from '@libp2p/interface'
import { mdns } from '@libp2p/mdns'
import type { Libp2pOptions } from 'libp2p'
import type { Logger } from '../util/log.js'

type Components = Parameters<NonNullable<Libp2pOptions['peerDiscovery']>[number]>[0]

/** The parts of @libp2p/mdns's MulticastDNS class used here (its factory is typed as PeerDiscovery only). */
type MdnsService = PeerDiscovery &
  Startable & {
    mdns?: {
      query(q: { questions: Array<{ name: string; type: 'PTR' }> }): void
      on(event: 'error', fn: (err: Error) => void): void
    }
  }

export interface RobustMdnsOptions {
  intervalMs: number
  serviceTag: string
  logger: Logger
  /** How often the interface set is checked. */
  watchIntervalMs?: number
  /** Clock for the re-announce backoff (tests). */
  now?: () => number
}

/** Extra queries after each (re)start, in ms after it; only those shorter than the interval are sent. */
export const QUERY_BURST_MS = [100, 500, 1000, 2000]
const WATCH_INTERVAL_MS = 1000
const REANNOUNCE_MIN_MS = 1000
const REANNOUNCE_MAX_MS = 30_000
/** After a socket error, do not restart more often than this. */
const ERROR_RESTART_MS = 5000
const FORGET_AFTER_MS = 10 * 60_000

/** Drop-in for `mdns({ interval, serviceTag })` in libp2p's peerDiscovery list. */
export function robustMdns(opts: RobustMdnsOptions): (components: Components) => PeerDiscovery {
  return (components) => new RobustMdns(components, opts)
}

/** Per-peer re-announce backoff: `next` is the earliest time of the next re-announce. */
interface Backoff {
  next: number
  delayMs: number
}

/** IPv4 addresses of the interfaces that are up and running (libuv lists only those), as one key. */
export function ipv4Key(ifaces = networkInterfaces()): string {
  const out: string[] = []
  for (const [name, addrs] of Object.entries(ifaces)) {
    for (const a of addrs ?? []) if (a.family === 'IPv4') out.push(`${name}=${a.address}`)
  }
  return out.sort().join(',')
}

class RobustMdns implements PeerDiscovery, Startable {
  readonly [peerDiscoverySymbol] = this
  readonly [Symbol.toStringTag] = 'murmur:robust-mdns'
  readonly [serviceCapabilities] = ['@libp2p/peer-discovery']

  // libp2p listens for 'peer' on this object: hand its listeners straight to the real service.
  readonly addEventListener: PeerDiscovery['addEventListener']
  readonly removeEventListener: PeerDiscovery['removeEventListener']
  readonly dispatchEvent: PeerDiscovery['dispatchEvent']
  readonly listenerCount: PeerDiscovery['listenerCount']
  readonly safeDispatchEvent: PeerDiscovery['safeDispatchEvent']

  private readonly inner: MdnsService
  private readonly backoff = new Map<string, Backoff>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private watch?: NodeJS.Timeout
  private key = ''
  private socketError = false
  private lastStart = 0
  private running = false
  private restarting?: Promise<void>

  constructor(
    private readonly components: Components,
    private readonly opts: RobustMdnsOptions,
  ) {
    this.inner = mdns({ interval: opts.intervalMs, serviceTag: opts.serviceTag })(components) as MdnsService
    this.addEventListener = this.inner.addEventListener.bind(this.inner)
    this.removeEventListener = this.inner.removeEventListener.bind(this.inner)
    this.dispatchEvent = this.inner.dispatchEvent.bind(this.inner)
    this.listenerCount = this.inner.listenerCount.bind(this.inner)
    this.safeDispatchEvent = this.inner.safeDispatchEvent.bind(this.inner)
    this.inner.addEventListener('peer', this.onPeer)
  }

  async start(): Promise<void> {
    if (this.running) return
    this.running = true
    await this.startInner()
    this.watch = setInterval(() => this.check(), this.opts.watchIntervalMs ?? WATCH_INTERVAL_MS)
    this.watch.unref()
  }

  async stop(): Promise<void> {
    this.running = false
    clearInterval(this.watch)
    this.clearBurst()
    await this.restarting
    await this.inner.stop()
    this.backoff.clear()
  }

  private async startInner(): Promise<void> {
    this.key = ipv4Key()
    this.socketError = false
    this.lastStart = Date.now()
    await this.inner.start()
    this.inner.mdns?.on('error', () => {
      this.socketError = true
    })
    this.clearBurst()
    for (const ms of QUERY_BURST_MS.filter((t) => t < this.opts.intervalMs)) {
      const t = setTimeout(() => {
        this.timers.delete(t)
        this.inner.mdns?.query({ questions: [{ name: this.opts.serviceTag, type: 'PTR' }] })
      }, ms)
      t.unref()
      this.timers.add(t)
    }
  }

  private clearBurst(): void {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }

  private check(): void {
    if (!this.running || this.restarting) return
    const now = Date.now()
    for (const [id, b] of this.backoff) if (b.next < now - FORGET_AFTER_MS) this.backoff.delete(id)
    const key = ipv4Key()
    const why =
      key !== this.key
        ? 'interfaces changed'
        : this.socketError && now - this.lastStart >= ERROR_RESTART_MS
          ? 'socket error'
          : ''
    if (!why) return
    this.opts.logger.info('restarting mDNS', { reason: why, ipv4: key || '(none)' })
    this.restarting = (async () => {
      try {
        await this.inner.stop()
        if (this.running) await this.startInner()
      } catch (err) {
        this.socketError = true
        this.opts.logger.warn('mDNS restart failed', {
          error: err instanceof Error ? err.message : String(err),
        })
      } finally {
        this.restarting = undefined
      }
    })()
  }

  private readonly onPeer = (evt: CustomEvent<PeerInfo>): void => {
    const peer = evt.detail
    const id = peer.id.toString()
    if (this.components.connectionManager.getConnections(peer.id).length > 0) {
      this.backoff.delete(id)
      return
    }
    const now = (this.opts.now ?? Date.now)()
    const b = this.backoff.get(id)
    if (b && now < b.next) return
    const delayMs = b ? Math.min(b.delayMs * 2, REANNOUNCE_MAX_MS) : REANNOUNCE_MIN_MS
    this.backoff.set(id, { next: now + delayMs, delayMs })
    // The first sighting of a new peer is also announced by libp2p itself once the peer store has it;
    // the dialer ignores a second event for a peer it is already dialling.
    this.components.events.safeDispatchEvent('peer:discovery', { detail: peer })
  }
}
