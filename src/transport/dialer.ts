// Dials what membership asks for: join addresses, peers found by discovery that are not members
// yet, and the active view. Each peer has its own exponential backoff with jitter, so a member
// that is gone is not redialled every few seconds for a day.
import { peerIdFromString } from '@libp2p/peer-id'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { backoffDelay } from '../util/backoff.js'
import { systemClock } from '../util/clock.js'
import type { Logger } from '../util/log.js'
import { JOIN_RETRY_BASE_MS, type JoinResult, JoinRetry, type JoinStatus } from './join-retry.js'
import type { MurmurNode } from './node.js'

export type { JoinResult, JoinStatus } from './join-retry.js'

export interface KnownPeer {
  id: string
  addrs: string[]
}

export interface DialerOptions {
  node: MurmurNode
  logger: Logger
  /** Addresses from --join / config; retried while alone (join-retry.ts). */
  joinAddrs: string[]
  /** No other member is alive or suspect: joins given to us are retried. */
  alone: () => boolean
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
  /** The swarm key file we dial with (null: open), named when a peer refuses it. */
  swarmKeyFile?: () => string | null
  maxBackoffMs?: number
  dialTimeoutMs?: number
  random?: () => number
}

interface Backoff {
  failures: number
  nextAt: number
}

export class Dialer {
  private timer?: NodeJS.Timeout
  private readonly inFlight = new Set<string>()
  private readonly backoff = new Map<string, Backoff>()
  /** Joins given to us, retried with backoff while alone. */
  private readonly retry: JoinRetry
  private stopped = false

  constructor(private readonly opts: DialerOptions) {
    this.retry = new JoinRetry({
      attempt: (addrs) => this.joinOnce(addrs),
      alone: opts.alone,
      clock: systemClock,
      logger: opts.logger,
      random: opts.random,
    })
    this.retry.add(opts.joinAddrs.filter(parses))
  }

  start(): void {
    this.opts.node.addEventListener('peer:discovery', this.onDiscovery)
    void this.round()
    this.timer = setInterval(() => void this.round(), this.opts.intervalMs)
    this.timer.unref()
  }

  stop(): void {
    this.stopped = true
    this.retry.stop()
    clearInterval(this.timer)
    this.opts.node.removeEventListener('peer:discovery', this.onDiscovery)
  }

  /**
   * An admin join: dials each address, and while it reaches nobody and the agent is alone, tries
   * again with backoff for up to JOIN_CALL_BUDGET_MS; then, if still alone, the addresses join the
   * background retries (`retrying` in the result). `retry: false` (known peers after a restart)
   * makes one attempt and remembers nothing.
   */
  async join(addrs: string[], opts: { retry?: boolean } = {}): Promise<JoinResult> {
    const valid = addrs.filter(parses)
    let res = await this.joinOnce(addrs)
    if (opts.retry === false || valid.length === 0) return res
    const deadline = Date.now() + JOIN_CALL_BUDGET_MS
    for (let failures = 1; res.reached === 0 && this.opts.alone() && !this.stopped; failures++) {
      // A peer that refused our key, or refuses us by its peer lists, refuses us again until an
      // operator changes a file: the background retries take it from here.
      if (res.failed.every((f) => f.error.startsWith(KEY_REFUSED) || f.error === PEER_REFUSES)) break
      const wait = backoffDelay(
        failures,
        JOIN_RETRY_BASE_MS,
        JOIN_CALL_BUDGET_MS,
        this.opts.random ?? Math.random,
      )
      if (Date.now() + wait > deadline) break
      this.opts.logger.warn('join failed; trying again', {
        attempt: failures,
        failed: res.failed,
        retryInMs: Math.round(wait),
      })
      await new Promise((r) => setTimeout(r, wait))
      const again = await this.joinOnce(valid)
      res = { ...again, failed: [...again.failed, ...res.failed.filter((f) => !valid.includes(f.addr))] }
    }
    if (res.reached > 0 || this.stopped) return res
    this.retry.add(valid)
    this.retry.failed(res)
    return { ...res, retrying: this.retry.status().retrying }
  }

  /** Retries of joins while alone: what `info` shows. */
  joinStatus(): JoinStatus {
    return this.retry.status()
  }

  /** Dials each address once; reports how many answered. A malformed address is one failure. */
  private async joinOnce(addrs: string[]): Promise<JoinResult> {
    const results = await Promise.allSettled(addrs.map(async (a) => this.dialAddr(multiaddr(a))))
    const failed: JoinResult['failed'] = []
    results.forEach((r, i) => {
      if (r.status === 'rejected')
        failed.push({ addr: addrs[i] ?? '', error: errorText(r.reason, this.opts.swarmKeyFile?.()) })
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
    this.retry.poke()
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
      this.opts.logger.debug('dial failed', { peer: id, error: errorText(err, this.opts.swarmKeyFile?.()) })
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
    // A peer that refuses us (its peers.allow / peers.deny) completes the handshake, then hangs up:
    // say so then, rather than after onReached's wait for an answer that cannot come.
    const peer = conn.remotePeer
    let onClose: (() => void) | undefined
    const hungUp = new Promise<'hung-up'>((resolve) => {
      onClose = () => {
        if (this.opts.node.getConnections(peer).length === 0) resolve('hung-up')
      }
      this.opts.node.addEventListener('connection:close', onClose)
    })
    try {
      const reached = Promise.resolve(this.opts.onReached(peer.toString())).then(() => 'reached' as const)
      const outcome = await Promise.race([reached, hungUp])
      if (outcome === 'hung-up' || this.opts.node.getConnections(peer).length === 0)
        throw new Error(PEER_REFUSES)
    } finally {
      this.opts.node.removeEventListener('connection:close', onClose!)
    }
  }
}

/**
 * How long an admin join keeps retrying within the call before it hands the addresses to the
 * background retries: an attempt that starts by then ends within its dial (5 s) and push-pull
 * (5 s) timeouts, inside the CLI's 20 s.
 */
const JOIN_CALL_BUDGET_MS = 8000

function parses(addr: string): boolean {
  try {
    multiaddr(addr)
    return true
  } catch {
    return false
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

/** Why a join failed when the peer completed the handshake and hung up: its lists refuse us. */
export const PEER_REFUSES = 'the peer hung up: it refuses this agent (its peers.allow or peers.deny)'

/** How errorText begins when the peer refused our swarm key. */
export const KEY_REFUSED = 'the peer refused our swarm key'

/** One line saying why a dial failed, whatever libp2p rejected with. */
export function errorText(err: unknown, swarmKeyFile?: string | null): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'no answer within the dial timeout (5 s)'
  // The upgrader rewraps the private-mesh layer's SwarmKeyRefusedError as EncryptionFailedError(message).
  // An open agent has no such layer: a private peer resets it as the upgrade starts, or its
  // nonce reaches our noise first and reads as a frame length ("Message length too long").
  const openRefused =
    swarmKeyFile === null &&
    err instanceof Error &&
    err.name === 'EncryptionFailedError' &&
    /ECONNRESET|EPIPE|reset|length too long/i.test(err.message)
  if (openRefused || (err instanceof Error && /refused our swarm key/.test(err.message)))
    return swarmKeyFile
      ? `${KEY_REFUSED} (it holds a different key, or none): every agent of a mesh needs a copy of the same key file (ours: ${swarmKeyFile})`
      : `${KEY_REFUSED}: this agent runs an open mesh (--open) and the peer a private one; give this agent a copy of the mesh's key file (--swarm-key FILE)`
  if (err instanceof Error) return err.name === 'Error' ? err.message : `${err.name}: ${err.message}`
  // Sockets and abort signals can reject with a bare Event, which prints as "[object Event]".
  if (err instanceof Event) return `the connection failed (${err.type} event)`
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string')
    return (err as { message: string }).message
  return String(err)
}
