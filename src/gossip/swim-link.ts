// The thin libp2p adapter of the pure Swim state machine: packets travel as length-prefixed
// frames on one long-lived outbound stream per peer (/murmur/swim/3.0.0), inbound frames are
// decoded and validated before Swim sees them, and one timer follows Swim's nextWakeAt().
// Every call into Swim is guarded: a bad packet is logged and dropped, never thrown. A peer that
// opens a stream of an older membership protocol is told no and named in a warning.
import type { Connection, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { type LengthPrefixedStream, lpStream } from '@libp2p/utils'
import { MAX_PACKET_BYTES, OLD_SWIM_PROTOCOLS, SWIM_PROTOCOL } from '../membership/limits.js'
import type { Packet } from '../membership/messages.js'
import type { Swim } from '../membership/swim.js'
import { decodePacket, encodePacket } from '../membership/wire.js'
import type { Logger } from '../util/log.js'
import { RateLimiter } from '../util/rate-limit.js'
import type { StreamServiceComponents } from './components.js'

/** Frames waiting for a peer's stream to open; beyond this the oldest are dropped (SWIM tolerates loss). */
const MAX_QUEUED_FRAMES = 64
const OPEN_TIMEOUT_MS = 5000
const WRITE_TIMEOUT_MS = 5000
const MIN_TIMER_MS = 5

interface Link {
  lp?: LengthPrefixedStream<Stream>
  stream?: Stream
  queue: Uint8Array[]
  writing: boolean
  /** When the write in progress began (0: none). */
  writeSince: number
}

export interface TrafficCounters {
  packetsSent: number
  packetsReceived: number
  bytesSent: number
  bytesReceived: number
  dropped: number
}

export interface SwimLinkInit {
  swim: () => Swim
  /** Peers whose membership traffic we saw last, for pruning idle connections. */
  onTraffic?: (peer: string) => void
  /** After Swim handled a packet from `peer`. */
  afterReceive?: (peer: string) => void
}

export type SwimLinkComponents = StreamServiceComponents

export class SwimLink {
  readonly counters: TrafficCounters = {
    packetsSent: 0,
    packetsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    dropped: 0,
  }
  private readonly links = new Map<string, Link>()
  private cancelTimer?: () => void
  private armedAt = Number.POSITIVE_INFINITY
  private stopped = false
  private readonly logLimiter = new RateLimiter(1, 10)

  private readonly log: Logger

  constructor(
    private readonly opts: SwimLinkInit,
    private readonly c: SwimLinkComponents,
  ) {
    this.log = c.logger
  }

  async start(): Promise<void> {
    await this.c.registrar.handle(SWIM_PROTOCOL, (stream, conn) => void this.readLoop(stream, conn), {
      maxInboundStreams: 4,
      maxOutboundStreams: 4,
      runOnLimitedConnection: true,
    })
    for (const old of OLD_SWIM_PROTOCOLS)
      await this.c.registrar.handle(old, (stream, conn) => this.refuseOld(old, stream, conn), {
        maxInboundStreams: 1,
        runOnLimitedConnection: true,
      })
    this.arm()
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.cancelTimer?.()
    for (const p of [SWIM_PROTOCOL, ...OLD_SWIM_PROTOCOLS]) await this.c.registrar.unhandle(p).catch(() => {})
    for (const link of this.links.values()) link.stream?.abort(new Error('stopping'))
    this.links.clear()
  }

  /** Runs `fn` against Swim, contained, then re-arms the timer: use for every call into Swim. */
  call(what: string, fn: (swim: Swim) => void): void {
    try {
      fn(this.opts.swim())
    } catch (err) {
      this.warn(`membership ${what} failed`, { error: (err as Error).message })
    }
    this.arm()
  }

  /** Swim's `send`: encode now (a bad packet is our bug, caught here), write when the stream is up. */
  send(to: string, packet: Packet): void {
    if (this.stopped) return
    let frame: Uint8Array
    try {
      frame = encodePacket(packet)
    } catch (err) {
      this.warn('membership packet not sent', { peer: to, type: packet.type, error: (err as Error).message })
      return
    }
    let link = this.links.get(to)
    if (link?.writing && this.c.clock.now() - link.writeSince > WRITE_TIMEOUT_MS) {
      // Checked here rather than with a timeout signal per write: that would leave a timer per packet.
      link.stream?.abort(new Error(`membership write stalled for ${WRITE_TIMEOUT_MS} ms`))
      this.forget(to, link)
      link = undefined
    }
    if (!link) {
      link = { queue: [], writing: false, writeSince: 0 }
      this.links.set(to, link)
      void this.open(to, link)
    }
    if (link.queue.length >= MAX_QUEUED_FRAMES) {
      link.queue.shift()
      this.counters.dropped++
    }
    link.queue.push(frame)
    this.counters.packetsSent++
    this.counters.bytesSent += frame.length
    this.opts.onTraffic?.(to)
    if (link.lp) void this.flush(to, link)
  }

  /**
   * Opens the stream to a neighbour before Swim probes it, so a first probe does not wait for a
   * dial and a protocol negotiation (and fail for it on a busy machine).
   */
  warm(to: string): void {
    if (this.stopped || this.links.has(to)) return
    const link: Link = { queue: [], writing: false, writeSince: 0 }
    this.links.set(to, link)
    void this.open(to, link)
  }

  /** Resolves once every queued frame was handed to its stream, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = this.c.clock.now() + timeoutMs
    while (
      this.c.clock.now() < deadline &&
      [...this.links.values()].some((l) => l.queue.length > 0 || l.writing)
    ) {
      await new Promise((r) => this.c.clock.after(20, () => r(undefined)))
    }
  }

  private async open(to: string, link: Link): Promise<void> {
    try {
      const stream = await this.c.connections.dialProtocol(peerIdFromString(to), SWIM_PROTOCOL, {
        signal: AbortSignal.timeout(OPEN_TIMEOUT_MS),
        runOnLimitedConnection: true,
      })
      if (this.stopped || this.links.get(to) !== link) {
        stream.abort(new Error('unused'))
        return
      }
      link.stream = stream
      link.lp = lpStream(stream, { maxDataLength: MAX_PACKET_BYTES })
      stream.addEventListener('close', () => this.forget(to, link), { once: true })
      void this.flush(to, link)
    } catch (err) {
      // Unreachable: Swim sees it as loss, its probes and backoff decide what that means.
      this.log.debug('membership stream failed', { peer: to, error: (err as Error).message })
      this.counters.dropped += link.queue.length
      this.forget(to, link)
    }
  }

  private async flush(to: string, link: Link): Promise<void> {
    if (link.writing || !link.lp) return
    link.writing = true
    try {
      while (link.queue.length > 0) {
        const batch = link.queue.splice(0)
        link.writeSince = this.c.clock.now()
        await link.lp.writeV(batch)
      }
    } catch (err) {
      this.log.debug('membership write failed', { peer: to, error: (err as Error).message })
      link.stream?.abort(err as Error)
      this.forget(to, link)
    } finally {
      link.writing = false
      link.writeSince = 0
    }
  }

  private forget(to: string, link: Link): void {
    if (this.links.get(to) === link) this.links.delete(to)
  }

  private async readLoop(stream: Stream, conn: Connection): Promise<void> {
    const from = conn.remotePeer.toString()
    const lp = lpStream(stream, { maxDataLength: MAX_PACKET_BYTES })
    try {
      while (!this.stopped) {
        const frame = (await lp.read()).subarray()
        this.counters.packetsReceived++
        this.counters.bytesReceived += frame.length
        let packet: Packet
        try {
          packet = decodePacket(frame)
        } catch (err) {
          // Garbage from this peer: drop the frame and the stream; a well-behaved peer reopens it.
          this.warn('malformed membership packet', { peer: from, error: (err as Error).message })
          stream.abort(err as Error)
          return
        }
        this.opts.onTraffic?.(from)
        this.call('receive', (swim) => swim.receive(from, packet))
        this.opts.afterReceive?.(from)
      }
    } catch (err) {
      this.log.debug('membership stream ended', { peer: from, error: (err as Error).message })
      // Our side too: a half-closed stream would hold one of the peer's four inbound slots.
      if (stream.status === 'open') stream.abort(err as Error)
    }
  }

  /** An agent of an older version: its membership cannot work with ours, so say so and hang up. */
  private refuseOld(protocol: string, stream: Stream, conn: Connection): void {
    this.warn('peer speaks an older membership protocol: upgrade it', {
      peer: conn.remotePeer.toString(),
      protocol,
      ours: SWIM_PROTOCOL,
    })
    stream.abort(
      new Error(`membership protocol ${protocol} is not supported; this agent speaks ${SWIM_PROTOCOL}`),
    )
  }

  private arm(): void {
    if (this.stopped) return
    const at = this.opts.swim().nextWakeAt()
    if (at >= this.armedAt && this.cancelTimer) return
    this.cancelTimer?.()
    this.cancelTimer = undefined
    this.armedAt = at
    if (!Number.isFinite(at)) return
    const delay = Math.min(2 ** 31 - 1, Math.max(MIN_TIMER_MS, at - this.c.clock.now()))
    this.cancelTimer = this.c.clock.after(delay, () => {
      this.cancelTimer = undefined
      this.armedAt = Number.POSITIVE_INFINITY
      this.call('tick', (swim) => swim.tick())
    })
  }

  private warn(msg: string, fields: Record<string, unknown>): void {
    if (this.logLimiter.take('warn')) this.log.warn(msg, fields)
  }
}
