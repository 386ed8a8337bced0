// Keeps us connected: dials peers found by discovery, join addresses, and known members we lost.
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
  /** Members worth reconnecting to (not left, not reaped). */
  knownPeers: () => KnownPeer[]
  intervalMs: number
  dialTimeoutMs?: number
}

export interface JoinResult {
  reached: number
  failed: Array<{ addr: string; error: string }>
}

export class Dialer {
  private timer?: NodeJS.Timeout
  private readonly inFlight = new Set<string>()
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

  /** Dials each address once; reports how many answered. */
  async join(addrs: string[]): Promise<JoinResult> {
    const results = await Promise.allSettled(addrs.map((a) => this.dialAddr(multiaddr(a))))
    const failed: JoinResult['failed'] = []
    results.forEach((r, i) => {
      if (r.status === 'rejected') failed.push({ addr: addrs[i] ?? '', error: errorText(r.reason) })
    })
    return { reached: addrs.length - failed.length, failed }
  }

  private readonly onDiscovery = (evt: CustomEvent<{ id: { toString(): string }; multiaddrs: Multiaddr[] }>) => {
    const id = evt.detail.id.toString()
    if (this.isConnected(id)) return
    void this.dialPeer(id, evt.detail.multiaddrs.map((m) => m.toString()))
  }

  private async round(): Promise<void> {
    if (this.stopped) return
    const { node } = this.opts
    if (node.getConnections().length === 0 && this.opts.joinAddrs.length > 0) {
      await this.join(this.opts.joinAddrs)
    }
    for (const peer of this.opts.knownPeers()) {
      if (peer.id === node.peerId.toString() || this.isConnected(peer.id)) continue
      void this.dialPeer(peer.id, peer.addrs)
    }
  }

  private isConnected(id: string): boolean {
    return this.opts.node.getConnections(peerIdFromString(id)).length > 0
  }

  private async dialPeer(id: string, addrs: string[]): Promise<void> {
    if (this.inFlight.has(id) || this.stopped) return
    this.inFlight.add(id)
    try {
      const targets = addrs.map((a) => withPeerId(a, id)).filter((m): m is Multiaddr => m !== undefined)
      await this.opts.node.dial(targets.length > 0 ? targets : peerIdFromString(id), {
        signal: AbortSignal.timeout(this.opts.dialTimeoutMs ?? 5000),
      })
      this.opts.logger.debug('connected', { peer: id })
    } catch (err) {
      this.opts.logger.debug('dial failed', { peer: id, error: errorText(err) })
    } finally {
      this.inFlight.delete(id)
    }
  }

  private async dialAddr(ma: Multiaddr): Promise<void> {
    await this.opts.node.dial(ma, { signal: AbortSignal.timeout(this.opts.dialTimeoutMs ?? 5000) })
  }
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
