// Dials what membership asks for: join addresses, peers found by discovery that are not members
// yet, and the active view. Each peer has its own exponential backoff with jitter, so a member
// that is gone is not redialled every few seconds for a day.
import { peerIdFromString } from '@libp2p/peer-id'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import type { Logger } from '../util/log.js'
import type { MurmurNode } from './node.js'

export interface KnownPeer {
  id: string
  addrs: string[]
}

export interface DialerOptions {
  node: MurmurNode
  logger: Logger
  /** Addresses from --join / config; retried while we have no connection at all. */
  joinAddrs: string[]
  /** Peers to stay connected to (the active view), with the addresses they announced. */
  wanted: () => KnownPeer[]
  /** A peer discovery found: true to dial it (e.g. it is not a member yet). */
  wantsDiscovered: (id: string) => boolean
  /**
   * A connection to a peer reached by join address or discovery: membership joins through it.
   * join() waits for what it returns (the push-pull), so a join call returns knowing the mesh.
   */
  onReached: (id: string) => void | Promise<void>
  intervalMs: number
  maxBackoffMs?: number
  dialTimeoutMs?: number
  random?: () => number
}

export interface JoinResult {
  reached: number
  failed: Array<{ addr: string; error: string }>
}

interface Backoff {
  failures: number
  nextAt: number
}

export class Dialer {
  private timer?: NodeJS.Timeout
  private readonly inFlight = new Set<string>()
  private readonly backoff = new Map<string, Backoff>()
  /** Join attempts while alone back off too, or a crowd of agents whose seed is down dials it in step. */
  private readonly joinBackoff: Backoff = { failures: 0, nextAt: 0 }
  private stopped = false

  constructor(private readonly opts: DialerOptions) {}

  start(): void {
    this.opts.node.addEventListener('peer:discovery', this.onDiscovery)
    void this.round()
    this.timer = setInterval(() => void this.round(), this.opts.intervalMs)
    this.timer.unref()
  }

  stop(): void {
    this.stopped = true
    clearInterval(this.timer)
    this.opts.node.removeEventListener('peer:discovery', this.onDiscovery)
  }

  /** Dials each address once; reports how many answered. A malformed address is one failure. */
  async join(addrs: string[]): Promise<JoinResult> {
    const results = await Promise.allSettled(addrs.map(async (a) => this.dialAddr(multiaddr(a))))
    const failed: JoinResult['failed'] = []
    results.forEach((r, i) => {
      if (r.status === 'rejected') failed.push({ addr: addrs[i] ?? '', error: errorText(r.reason) })
    })
    return { reached: addrs.length - failed.length, failed }
  }

  private readonly onDiscovery = (
    evt: CustomEvent<{ id: { toString(): string }; multiaddrs: Multiaddr[] }>,
  ) => {
    const id = evt.detail.id.toString()
    if (this.isConnected(id) || !this.opts.wantsDiscovered(id)) return
    void this.dialPeer(
      id,
      evt.detail.multiaddrs.map((m) => m.toString()),
      true,
    )
  }

  private async round(): Promise<void> {
    if (this.stopped) return
    const { node } = this.opts
    const alone = node.getConnections().length === 0
    if (alone && this.opts.joinAddrs.length > 0 && Date.now() >= this.joinBackoff.nextAt) {
      const { reached } = await this.join(this.opts.joinAddrs)
      if (reached > 0) this.joinBackoff.failures = 0
      else this.schedule(this.joinBackoff, JOIN_MAX_BACKOFF_MS)
    }
    if (!alone) this.joinBackoff.failures = this.joinBackoff.nextAt = 0
    const now = Date.now()
    for (const peer of this.opts.wanted()) {
      if (peer.id === node.peerId.toString() || this.isConnected(peer.id)) continue
      if ((this.backoff.get(peer.id)?.nextAt ?? 0) > now) continue
      void this.dialPeer(peer.id, peer.addrs, false)
    }
  }

  private isConnected(id: string): boolean {
    try {
      return this.opts.node.getConnections(peerIdFromString(id)).length > 0
    } catch {
      return false
    }
  }

  private async dialPeer(id: string, addrs: string[], reached: boolean): Promise<void> {
    if (this.inFlight.has(id) || this.stopped) return
    this.inFlight.add(id)
    try {
      const targets = addrs.map((a) => withPeerId(a, id)).filter((m): m is Multiaddr => m !== undefined)
      await this.opts.node.dial(targets.length > 0 ? targets : peerIdFromString(id), {
        signal: AbortSignal.timeout(this.opts.dialTimeoutMs ?? 5000),
      })
      this.backoff.delete(id)
      this.opts.logger.debug('connected', { peer: id })
      if (reached) void this.opts.onReached(id)
    } catch (err) {
      this.failed(id)
      this.opts.logger.debug('dial failed', { peer: id, error: errorText(err) })
    } finally {
      this.inFlight.delete(id)
    }
  }

  private failed(id: string): void {
    const b = this.backoff.get(id) ?? { failures: 0, nextAt: 0 }
    this.schedule(b, this.opts.maxBackoffMs ?? 300_000)
    this.backoff.set(id, b)
    if (this.backoff.size > 10_000) this.backoff.delete(this.backoff.keys().next().value!)
  }

  /** One more failure: the next attempt waits base × 2^failures (at most `max`), ± 50 % jitter. */
  private schedule(b: Backoff, max: number): void {
    b.failures++
    b.nextAt =
      Date.now() + backoffDelay(b.failures, this.opts.intervalMs, max, this.opts.random ?? Math.random)
  }

  private async dialAddr(ma: Multiaddr): Promise<void> {
    const conn = await this.opts.node.dial(ma, {
      signal: AbortSignal.timeout(this.opts.dialTimeoutMs ?? 5000),
    })
    await this.opts.onReached(conn.remotePeer.toString())
    // A peer that refuses us (its peers.allow / peers.deny) completes the handshake, then hangs up.
    if (this.opts.node.getConnections(conn.remotePeer).length === 0) {
      throw new Error('the peer hung up: it refuses this agent (its peers.allow or peers.deny)')
    }
  }
}

/** Join addresses are retried at most this far apart while alone: a seed that comes back is found soon. */
const JOIN_MAX_BACKOFF_MS = 60_000

/** The wait after the `failures`-th failure in a row: base × 2^failures, capped, times 0.5 to 1.5. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number, random: () => number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures, 20)) * (0.5 + random())
}

function withPeerId(addr: string, id: string): Multiaddr | undefined {
  try {
    const ma = multiaddr(addr)
    return ma.getComponents().some((c) => c.name === 'p2p') ? ma : ma.encapsulate(`/p2p/${id}`)
  } catch {
    return undefined
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.name === 'Error' ? err.message : `${err.name}: ${err.message}`
  return String(err)
}
