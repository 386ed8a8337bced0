// Query responses on the network: a member sends its ack and its answer straight to the query's
// origin, each as one signed frame on a short stream of /murmur/query/1.0.0 (src/events/query-wire.ts).
// The origin reads one frame per stream, checks it is for a query it has open, verifies the
// signature against the peer id at the other end of the connection, and hands it to the
// collector. Inbound streams are few per connection and rate limited per peer.
import type { Connection, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import type { QueryResponse, ResponseVerdict } from '../events/query.js'
import {
  decodeResponse,
  encodeResponse,
  MAX_QUERY_FRAME_BYTES,
  QUERY_PROTOCOL,
  type ResponseKind,
  responseBody,
} from '../events/query-wire.js'
import type { Logger } from '../util/log.js'
import { RateLimiter } from '../util/rate-limit.js'
import type { StreamServiceComponents } from './components.js'

/** Responses a second one peer may send us (burst: ten queries' worth of ack and answer). */
export const QUERY_RESPONSES_PER_PEER_PER_SECOND = 10
const BURST = 20
/** A stream's one frame must come (or a response be written) within this. */
const STREAM_TIMEOUT_MS = 5000

export interface QueryServiceInit {
  selfId: string
  sign: (body: Uint8Array) => Uint8Array
  /** True only if `sig` is `peer`'s signature of `body`; never throws. */
  verify: (peer: string, body: Uint8Array, sig: Uint8Array) => boolean
  /** Asked before a signature is checked: a response to no open query costs us nothing more. */
  isOpen: (id: string) => boolean
  /** A response whose signature holds: the collector decides the rest. */
  onResponse: (r: QueryResponse, payload: Uint8Array) => ResponseVerdict
}

export type QueryServiceComponents = StreamServiceComponents

export function queryService(init: QueryServiceInit): (components: QueryServiceComponents) => QueryService {
  return (components) => new QueryService(init, components)
}

export class QueryService {
  counts = { sent: 0, sendFailed: 0, received: 0, malformed: 0, forged: 0, overBudget: 0 }
  private readonly budget: RateLimiter
  private readonly logLimiter = new RateLimiter(1, 10)
  private readonly log: Logger
  private stopped = false

  constructor(
    private readonly init: QueryServiceInit,
    private readonly c: QueryServiceComponents,
  ) {
    this.log = c.logger
    this.budget = new RateLimiter(QUERY_RESPONSES_PER_PEER_PER_SECOND, BURST, c.clock)
  }

  async start(): Promise<void> {
    await this.c.registrar.handle(QUERY_PROTOCOL, (stream, conn) => void this.receive(stream, conn), {
      maxInboundStreams: 4,
      maxOutboundStreams: 4,
      // A member behind a NAT answers over a relay (docs/nat.md).
      runOnLimitedConnection: true,
    })
  }

  async stop(): Promise<void> {
    this.stopped = true
    await this.c.registrar.unhandle(QUERY_PROTOCOL).catch(() => {})
  }

  /** Sends our ack or answer to query `id` of `origin`; false if it could not be delivered. */
  async respond(origin: string, kind: ResponseKind, id: string, payload: Uint8Array): Promise<boolean> {
    if (this.stopped) return false
    const sig = this.init.sign(responseBody(kind, id, origin, this.init.selfId, payload))
    const frame = encodeResponse({ kind, id, payload, sig })
    let stream: Stream | undefined
    try {
      const signal = AbortSignal.timeout(STREAM_TIMEOUT_MS)
      stream = await this.c.connections.dialProtocol(peerIdFromString(origin), QUERY_PROTOCOL, {
        signal,
        runOnLimitedConnection: true,
      })
      await lpStream(stream, { maxDataLength: MAX_QUERY_FRAME_BYTES }).write(frame, { signal })
      await stream.close({ signal })
      this.counts.sent++
      return true
    } catch (err) {
      this.counts.sendFailed++
      stream?.abort(err as Error)
      this.log.debug('query response not delivered', { peer: origin, kind, error: (err as Error).message })
      return false
    }
  }

  private async receive(stream: Stream, conn: Connection): Promise<void> {
    const from = conn.remotePeer.toString()
    if (!this.budget.take(from)) {
      this.counts.overBudget++
      this.warn('query responses over budget; stream refused', { peer: from })
      stream.abort(new Error('over budget'))
      return
    }
    try {
      const lp = lpStream(stream, { maxDataLength: MAX_QUERY_FRAME_BYTES })
      const bytes = (await lp.read({ signal: AbortSignal.timeout(STREAM_TIMEOUT_MS) })).subarray()
      this.handle(from, bytes)
      await stream.close().catch(() => {})
    } catch (err) {
      this.log.debug('query response stream failed', { peer: from, error: (err as Error).message })
      if (stream.status === 'open') stream.abort(err as Error)
    }
  }

  /** One frame from `from`, contained: whatever it holds, nothing throws. */
  handle(from: string, bytes: Uint8Array): ResponseVerdict | 'malformed' | 'forged' {
    this.counts.received++
    let f: ReturnType<typeof decodeResponse>
    try {
      f = decodeResponse(bytes)
    } catch (err) {
      this.counts.malformed++
      this.warn('malformed query response', { peer: from, error: (err as Error).message })
      return 'malformed'
    }
    if (!this.init.isOpen(f.id)) return 'unknown-query'
    if (!this.init.verify(from, responseBody(f.kind, f.id, this.init.selfId, from, f.payload), f.sig)) {
      this.counts.forged++
      this.warn('query response with a bad signature', { peer: from })
      return 'forged'
    }
    const r: QueryResponse = { kind: f.kind, id: f.id, from }
    if (f.kind === 'answer') r.payload = answerText(f.payload)
    return this.init.onResponse(r, f.payload)
  }

  private warn(msg: string, fields: Record<string, unknown>): void {
    if (this.logLimiter.take('warn')) this.log.warn(msg, fields)
  }
}

/** Answers are text (a handler's stdout); bytes that are not UTF-8 read as U+FFFD. */
export const answerText = (b: Uint8Array): string => new TextDecoder().decode(b)
