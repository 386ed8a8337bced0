// Queries in the agent: the origin's side (publish the request as the internal event QUERY_EVENT,
// answer it here too if this member matches, collect until the deadline) and a member's side (a
// request from a member that matches us: ack at once, run the `query:NAME` handlers, send the
// first answer). The protocol is src/events/query.ts; answers travel by src/gossip/query-service.ts.

import {
  compileFilter,
  DEFAULT_QUERY_TIMEOUT_MS,
  decodeQueryRequest,
  encodeQueryRequest,
  MAX_ANSWER_BYTES,
  matchesMember,
  newQueryId,
  QUERY_EVENT,
  QueryCollector,
  type QueryFilter,
  type QueryRequest,
  type QueryResponse,
  type QuerySummary,
} from '../events/query.js'
import type { UserEvent } from '../events/user-events.js'
import {
  answerText,
  type QueryService,
  type QueryServiceComponents,
  queryService,
} from '../gossip/query-service.js'
import type { ClaimSigner, ClaimVerifier } from '../membership/claims.js'
import type { Logger } from '../util/log.js'
import { RateLimiter } from '../util/rate-limit.js'
import { queryHandlerEvent } from './handler-events.js'
import type { HandlerEvent } from './handlers.js'

/** Requests a second one member may have us match against ourselves (burst: twice that). */
const QUERIES_PER_AUTHOR_PER_SECOND = 10
/** A member whose patterns ran out of matching time is not heard for this long. */
const MUTE_AFTER_TIMEOUT_MS = 60_000
const MAX_MUTED = 1024

export interface QueriesHost {
  selfId: string
  /** This member as the filters see it. */
  self(): { name: string; tags: Record<string, string> }
  nameOf(id: string): string | undefined
  /** Alive or suspect: only members' requests are heard and only their responses counted. */
  isMember(id: string): boolean
  /** Broadcasts an internal event; resolves to the peers it went to. */
  publish(name: string, payload: string): Promise<{ recipients: number }>
  /** Queues a handler event; returns how many handlers it selected. */
  dispatch(ev: HandlerEvent): number
  signer: ClaimSigner
  verifier: ClaimVerifier
}

export interface QueryParams extends QueryFilter {
  name: string
  payload?: string
  timeoutMs?: number
}

export class Queries {
  readonly collector: QueryCollector
  readonly service: QueryService
  private readonly perAuthor: RateLimiter
  private readonly muted = new Map<string, number>()
  private readonly logLimiter = new RateLimiter(1, 10)
  private readonly log: Logger

  constructor(
    private readonly host: QueriesHost,
    private readonly c: QueryServiceComponents,
  ) {
    this.log = c.logger
    const isMember = (id: string) => id === host.selfId || host.isMember(id)
    this.collector = new QueryCollector({ clock: c.clock, isMember })
    this.perAuthor = new RateLimiter(
      QUERIES_PER_AUTHOR_PER_SECOND,
      2 * QUERIES_PER_AUTHOR_PER_SECOND,
      c.clock,
    )
    this.service = queryService({
      selfId: host.selfId,
      sign: (body) => host.signer.sign(body),
      verify: (peer, body, sig) => host.verifier.verify(peer, body, sig),
      isOpen: (id) => this.collector.isOpen(id),
      onResponse: (r) => this.collector.receive(r),
    })(c)
  }

  start(): Promise<void> {
    return this.service.start()
  }

  async stop(): Promise<void> {
    this.collector.close()
    await this.service.stop()
  }

  /**
   * Runs a query from this agent: `onResponse` gets each ack and answer as it is accepted, and the
   * promise the counts at the deadline. Bad patterns are INVALID_INPUT before anything is sent.
   */
  async run(
    p: QueryParams,
    onResponse: (r: QueryResponse) => void,
    signal?: AbortSignal,
  ): Promise<QuerySummary & { recipients: number }> {
    const filter = compileFilter({ node: p.node, tags: p.tags })
    const q: QueryRequest = {
      id: newQueryId(),
      name: p.name,
      payload: p.payload ?? '',
      timeoutMs: p.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
      ...(p.node === undefined ? {} : { node: p.node }),
      ...(p.tags === undefined ? {} : { tags: p.tags }),
    }
    const text = encodeQueryRequest(q)
    // Open before sending: a near member's ack may come back before publish resolves.
    const summary = this.collector.collect(q.id, q.timeoutMs, onResponse)
    signal?.addEventListener('abort', () => this.collector.cancel(q.id), { once: true })
    let recipients = 0
    try {
      recipients = (await this.host.publish(QUERY_EVENT, text)).recipients
    } catch (err) {
      this.collector.cancel(q.id)
      await summary
      throw err
    }
    // Serf's origin answers its own query when it matches, as any member does.
    if (matchesMember(filter, this.host.self()) === true)
      this.answer(q, this.host.selfId, (kind, payload) => {
        const r: QueryResponse = { kind, id: q.id, from: this.host.selfId }
        if (kind === 'answer') r.payload = answerText(payload)
        this.collector.receive(r)
      })
    return { ...(await summary), recipients }
  }

  /** An internal event from a member (UserEvents checked its author, age and uniqueness). */
  onInternalEvent(e: UserEvent): void {
    if (e.name !== QUERY_EVENT || e.origin === this.host.selfId) return
    let q: QueryRequest
    let filter: ReturnType<typeof compileFilter>
    try {
      q = decodeQueryRequest(e.payload)
      filter = compileFilter(q)
    } catch (err) {
      this.log.debug('query request dropped', { peer: e.origin, error: (err as Error).message })
      return
    }
    const now = this.c.clock.now()
    if ((this.muted.get(e.origin) ?? 0) > now) return
    if (!this.perAuthor.take(e.origin)) {
      this.warn('query requests over budget; dropped', { peer: e.origin })
      return
    }
    const match = matchesMember(filter, this.host.self())
    if (match === 'timeout') {
      if (this.muted.size >= MAX_MUTED) this.muted.delete(this.muted.keys().next().value!)
      this.muted.set(e.origin, now + MUTE_AFTER_TIMEOUT_MS)
      this.warn('query patterns took too long to match; ignoring its author for a minute', {
        peer: e.origin,
      })
      return
    }
    if (!match) return
    this.answer(q, e.origin, (kind, payload) => void this.service.respond(e.origin, kind, q.id, payload))
  }

  /** A matching member's part: ack now, then the first answer of its handlers, if any. */
  private answer(
    q: QueryRequest,
    origin: string,
    send: (kind: 'ack' | 'answer', payload: Uint8Array) => void,
  ): void {
    send('ack', new Uint8Array(0))
    const deadline = Date.now() + q.timeoutMs
    let answered = false
    const ev = queryHandlerEvent({ ...q, origin }, this.host.nameOf(origin), {
      maxReplyBytes: MAX_ANSWER_BYTES,
      deadline,
      reply: (stdout) => {
        if (answered || Date.now() > deadline) return
        answered = true
        send('answer', stdout)
      },
    })
    this.host.dispatch(ev)
  }

  private warn(msg: string, fields: Record<string, unknown>): void {
    if (this.logLimiter.take('warn')) this.log.warn(msg, fields)
  }
}
