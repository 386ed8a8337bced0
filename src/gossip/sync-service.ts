// Anti-entropy on the network: sessions of src/sync over /murmur/sync/6.0.0 streams, as
// initiator (picked by the SyncScheduler) and as responder (one inbound session per peer), with
// a per-peer byte budget on what a peer sends us. A peer on an older state wire is named in a
// warning, from its identify or its session, and refused.
import type { Connection, IdentifyResult, PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import type { Change, Replica } from '../crdt/index.js'
import { TooLargeError } from '../errors.js'
import { runSyncInitiator, runSyncResponder, type SyncLimits, SyncScheduler } from '../sync/index.js'
import type { Timers } from '../util/clock.js'
import type { Logger } from '../util/log.js'
import { RateLimiter } from '../util/rate-limit.js'
import type { ConnectionView, NodeEvents, Registrar } from './components.js'

export const SYNC_PROTOCOL = '/murmur/sync/6.0.0'
/** Earlier state wires (JSON records): such a peer cannot exchange state with us, and is told so. */
export const OLD_SYNC_PROTOCOLS = ['/murmur/sync/5.0.0'] as const
/** One warning per peer on the old wire per this long. */
const OLD_WIRE_WARN_MS = 10 * 60_000
/** Default of limits.syncBytesPerSecond. */
export const DEFAULT_SYNC_BYTES_PER_SECOND = 32 * 1024 * 1024
const SYNC_TIMEOUT_MS = 30_000
const REFUSALS = {
  running: 'a sync session with this peer is already running',
  'catching-up': 'catching up from another peer; try again later',
  busy: 'answering as many sessions as it takes at once; try again later',
} as const

export interface SyncServiceInit {
  replica: Replica
  intervalMs: number
  maxFrameBytes: number
  /** Anti-entropy bytes a second one peer may send us (burst: sixteen seconds' worth). */
  bytesPerSecond?: number
  /** Gate on answers: no own write leaves before it is on disk. */
  durable: NonNullable<SyncLimits['durable']>
  /** Peers a periodic session may pick from, and how many members the mesh has. */
  peers: () => string[]
  meshSize?: () => number
  /** A session ended, with the visible changes the peer's records made here. */
  onChanges: (changes: Change[], peer: string) => void
  onOverBudget: (peer: string, what: string) => void
}

export interface SyncServiceComponents {
  peerId: PeerId
  registrar: Registrar
  connections: Pick<ConnectionView, 'dialProtocol'>
  events: NodeEvents
  clock: Timers
  logger: Logger
}

export function syncService(init: SyncServiceInit): (components: SyncServiceComponents) => SyncService {
  return (components) => new SyncService(init, components)
}

type Run = typeof runSyncInitiator

/** Sessions and their bytes since start, for metrics. */
export interface SyncTraffic {
  sessions: { initiated: number; answered: number; failed: number; inSync: number; full: number }
  bytesSent: number
  bytesReceived: number
  recordsSent: number
  recordsReceived: number
  /** Epoch ms of the last session that completed, in either role; null before the first. */
  lastAt: number | null
}

export class SyncService {
  readonly traffic: SyncTraffic = {
    sessions: { initiated: 0, answered: 0, failed: 0, inSync: 0, full: 0 },
    bytesSent: 0,
    bytesReceived: 0,
    recordsSent: 0,
    recordsReceived: 0,
    lastAt: null,
  }
  private readonly scheduler: SyncScheduler
  private readonly budget: RateLimiter
  private stopTicks?: () => void
  private stopped = false
  /** Peers on an old state wire, and when we last said so. */
  private readonly warnedOld = new Map<string, number>()

  constructor(
    private readonly opts: SyncServiceInit,
    private readonly c: SyncServiceComponents,
  ) {
    this.scheduler = new SyncScheduler({ clock: c.clock, intervalMs: opts.intervalMs })
    const bytes = opts.bytesPerSecond ?? DEFAULT_SYNC_BYTES_PER_SECOND
    this.budget = new RateLimiter(bytes, 16 * bytes, c.clock)
  }

  async start(): Promise<void> {
    await this.c.registrar.handle(SYNC_PROTOCOL, (stream, conn) => this.respond(stream, conn), {
      maxInboundStreams: 8,
      // Two members behind NATs sync over a relay (docs/nat.md).
      runOnLimitedConnection: true,
    })
    for (const old of OLD_SYNC_PROTOCOLS)
      await this.c.registrar.handle(old, (stream, conn) => this.refuseOld(old, stream, conn), {
        maxInboundStreams: 1,
        runOnLimitedConnection: true,
      })
    this.c.events.addEventListener('peer:identify', this.onIdentify)
    this.stopTicks = this.c.clock.every(this.opts.intervalMs, () => this.tick())
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.stopTicks?.()
    this.c.events.removeEventListener('peer:identify', this.onIdentify)
    for (const p of [SYNC_PROTOCOL, ...OLD_SYNC_PROTOCOLS]) await this.c.registrar.unhandle(p).catch(() => {})
  }

  /** Says once in a while that `peer` speaks an older state wire (its records cannot reach us). */
  private warnOld(peer: string, protocol: string): void {
    const now = this.c.clock.now()
    const last = this.warnedOld.get(peer)
    if (last !== undefined && now - last < OLD_WIRE_WARN_MS) return
    if (this.warnedOld.size >= 1024) this.warnedOld.clear()
    this.warnedOld.set(peer, now)
    this.c.logger.warn('peer speaks an older state wire: upgrade it; no state is exchanged with it', {
      peer,
      protocol,
      ours: SYNC_PROTOCOL,
    })
  }

  private refuseOld(protocol: string, stream: Stream, conn: Connection): void {
    this.warnOld(conn.remotePeer.toString(), protocol)
    stream.abort(new Error(`state wire ${protocol} is not supported; this agent speaks ${SYNC_PROTOCOL}`))
  }

  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>) => {
    const peer = evt.detail.peerId.toString()
    if (!evt.detail.protocols.includes(SYNC_PROTOCOL)) {
      const old = OLD_SYNC_PROTOCOLS.find((p) => evt.detail.protocols.includes(p))
      if (old !== undefined) this.warnOld(peer, old)
      return
    }
    if (this.scheduler.onConnect(peer)) void this.syncWith(peer, true)
  }

  private tick(): void {
    const { skip, rest } = this.scheduler.unchanged(this.opts.peers(), this.opts.replica.digest())
    // Known in sync with them: as good as a session for `info.sync.lastAt` and doctor.
    if (skip.length > 0) this.traffic.lastAt = this.c.clock.now()
    for (const p of this.scheduler.pick(rest, this.opts.meshSize?.())) void this.syncWith(p)
  }

  /** One session with `peer`, as initiator; at most one at a time per peer. */
  async syncWith(peer: string, catchUp = false): Promise<void> {
    if (this.stopped || !this.scheduler.begin(peer, catchUp)) return
    const signal = AbortSignal.timeout(SYNC_TIMEOUT_MS)
    let stream: Stream | undefined
    try {
      stream = await this.c.connections.dialProtocol(peerIdFromString(peer), SYNC_PROTOCOL, {
        signal,
        runOnLimitedConnection: true,
      })
      const res = await this.session(peer, stream, signal, runSyncInitiator)
      this.traffic.sessions.initiated++
      this.c.logger.debug('synced', {
        peer,
        inSync: res.inSync,
        sent: res.sent,
        received: res.received,
        rounds: res.rounds,
        bytesSent: res.bytesSent,
        bytesReceived: res.bytesReceived,
        changes: res.changes.length,
      })
    } catch (err) {
      this.traffic.sessions.failed++
      stream?.abort(err as Error)
      this.c.logger.debug('sync failed', { peer, error: (err as Error).message })
      if (catchUp) this.retryCatchUp(peer)
    } finally {
      this.scheduler.end(peer)
    }
  }

  /** A catch-up refused (the peer is busy answering a crowd of joiners) or failed: again soon, jittered. */
  private retryCatchUp(peer: string): void {
    this.c.clock.after(this.scheduler.catchUpRetryMs(), () => {
      if (!this.stopped && this.scheduler.onConnect(peer)) void this.syncWith(peer, true)
    })
  }

  private async respond(stream: Stream, conn: Connection): Promise<void> {
    const peer = conn.remotePeer.toString()
    // One session at a time per peer: a peer opening many at once would only multiply our work.
    // Two agents that connect may both start a catch-up; the smaller peer id's goes on.
    const self = this.c.peerId.toString()
    if (this.scheduler.isRunning(peer) && self < peer) {
      stream.abort(new Error('a sync session with this peer is already running'))
      return
    }
    const verdict = this.scheduler.answer(peer)
    if (verdict !== 'ok') {
      stream.abort(new Error(REFUSALS[verdict]))
      return
    }
    const signal = AbortSignal.timeout(SYNC_TIMEOUT_MS)
    try {
      await this.session(peer, stream, signal, runSyncResponder)
      this.traffic.sessions.answered++
    } catch (err) {
      this.traffic.sessions.failed++
      stream.abort(err as Error)
      this.c.logger.debug('sync (responder) failed', { peer, error: (err as Error).message })
    } finally {
      this.scheduler.answered(peer)
    }
  }

  private async session(
    peer: string,
    stream: Stream,
    signal: AbortSignal,
    run: Run,
  ): Promise<Awaited<ReturnType<Run>>> {
    const lp = lpStream(stream, { maxDataLength: this.opts.maxFrameBytes })
    const { budget, opts, c } = this
    const over = (): never => {
      opts.onOverBudget(peer, 'anti-entropy bytes')
      throw new TooLargeError('peer over its anti-entropy byte budget')
    }
    async function* frames(): AsyncGenerator<Uint8Array> {
      for (;;) {
        const frame = (await lp.read({ signal })).subarray()
        if (!budget.take(peer, frame.length)) over()
        yield frame
      }
    }
    const before = opts.replica.digest()
    const res = await run(opts.replica, (f) => lp.write(f, { signal }), frames(), {
      maxFrameBytes: opts.maxFrameBytes,
      durable: opts.durable,
    })
    await stream.close({ signal }).catch(() => {})
    const t = this.traffic
    t.bytesSent += res.bytesSent
    t.bytesReceived += res.bytesReceived
    t.recordsSent += res.sent
    t.recordsReceived += res.received
    t.lastAt = c.clock.now()
    if (res.inSync) t.sessions.inSync++
    if (res.sentFull || res.receivedFull) {
      t.sessions.full++
      // Rare: a peer away past the tombstone horizon (or a joiner) got or gave the whole state.
      c.logger.info('full state transfer', { peer, sent: res.sentFull, received: res.receivedFull })
    }
    this.scheduler.completed(peer)
    if (res.inSync && opts.replica.digest() === before) this.scheduler.inSync(peer, before)
    opts.onChanges(res.changes, peer)
    return res
  }
}
