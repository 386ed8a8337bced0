// Queries (Serf's `serf query`): a request to the members that match a filter, each of which acks
// at once and answers with its `query:NAME` handler's output. This module is the protocol without
// the transport: the request (carried as the internal event QUERY_EVENT), the filter and how a
// receiver matches itself against it, and the origin's collector of acks and answers.
// src/events/query-wire.ts is the answers' wire; src/gossip/query-service.ts carries them.
import { randomBytes } from 'node:crypto'
import vm from 'node:vm'
import { z } from 'zod'
import { InvalidInputError, TooLargeError } from '../errors.js'
import { MAX_TAG_KEY_BYTES, MAX_TAGS } from '../membership/limits.js'
import { MAX_PATTERN_CHARS } from '../membership/member-filter.js'
import type { Timers } from '../util/clock.js'
import { eventNameSchema, INTERNAL_EVENT_PREFIX, MAX_EVENT_PAYLOAD_BYTES } from './user-events.js'

/** The internal event that carries a request over the mesh. */
export const QUERY_EVENT = `${INTERNAL_EVENT_PREFIX}query`
/** UTF-8 bytes of a request's payload; the whole request must also fit one event (8 KiB). */
export const MAX_QUERY_PAYLOAD_BYTES = 4096
/** Bytes of one answer: Serf's QueryResponseSizeLimit. A larger handler output is not sent. */
export const MAX_ANSWER_BYTES = 1024
/**
 * Serf's default is GossipInterval × 16 × ceil(log10(N+1)): 3.2 s below 10 members and 6.4 s below
 * 100 at murmur's 200 ms. One fixed value covers both and is easy to state; --timeout for more.
 */
export const DEFAULT_QUERY_TIMEOUT_MS = 5000
export const MIN_QUERY_TIMEOUT_MS = 100
export const MAX_QUERY_TIMEOUT_MS = 300_000
/** Queries one agent has open at once (each is an admin call, itself bounded per connection). */
export const MAX_OPEN_QUERIES = 64
/** Time a receiver spends matching a peer's patterns against itself before it gives up (no match). */
export const MATCH_BUDGET_MS = 50

const pattern = z.string().min(1).max(MAX_PATTERN_CHARS)
const payloadSchema = z
  .string()
  .refine(
    (s) => Buffer.byteLength(s, 'utf8') <= MAX_QUERY_PAYLOAD_BYTES,
    `payload over ${MAX_QUERY_PAYLOAD_BYTES} bytes`,
  )

/** Which members a query is for: a name pattern and tag patterns, each matching the whole value. */
export const queryFilterSchema = z.strictObject({
  node: pattern.optional(),
  tags: z
    .record(z.string().min(1).max(MAX_TAG_KEY_BYTES), pattern)
    .refine((t) => Object.keys(t).length <= MAX_TAGS, `at most ${MAX_TAGS} tag filters`)
    .optional(),
})
export type QueryFilter = z.output<typeof queryFilterSchema>

const requestSchema = queryFilterSchema.extend({
  v: z.literal(1),
  id: z.string().regex(/^[0-9a-f]{16}$/),
  name: eventNameSchema,
  payload: payloadSchema,
  timeoutMs: z.int().min(MIN_QUERY_TIMEOUT_MS).max(MAX_QUERY_TIMEOUT_MS),
})

/**
 * A request as it travels. The origin is not in it: it is the event's author, signed by gossipsub.
 * The timeout is relative (each receiver's deadline is its receipt plus it, as in Serf), so members
 * whose clocks disagree still agree on how long the origin waits.
 */
export type QueryRequest = Omit<z.output<typeof requestSchema>, 'v'>

export const newQueryId = (): string => randomBytes(8).toString('hex')

/** The request as an internal event's payload; TOO_LARGE past the payload's or the event's limit. */
export function encodeQueryRequest(q: QueryRequest): string {
  const bytes = Buffer.byteLength(q.payload, 'utf8')
  if (bytes > MAX_QUERY_PAYLOAD_BYTES)
    throw new TooLargeError(`query payload is ${bytes} bytes; the limit is ${MAX_QUERY_PAYLOAD_BYTES}`)
  const text = JSON.stringify({ v: 1, ...q })
  if (Buffer.byteLength(text, 'utf8') > MAX_EVENT_PAYLOAD_BYTES)
    throw new TooLargeError(
      `query (name, payload and filters, encoded) over ${MAX_EVENT_PAYLOAD_BYTES} bytes`,
    )
  return text
}

/** Parses a request from an internal event's payload; throws InvalidInputError on anything else. */
export function decodeQueryRequest(text: string): QueryRequest {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new InvalidInputError('query request is not JSON')
  }
  const r = requestSchema.safeParse(json)
  if (!r.success)
    throw new InvalidInputError(`invalid query request: ${r.error.issues[0]?.message ?? 'invalid'}`)
  const { v: _v, ...q } = r.data
  return q
}

/** A filter compiled: anchored patterns, as `murmur members` matches them. */
export interface CompiledFilter {
  node?: RegExp
  tags: Array<readonly [string, RegExp]>
}

function anchored(source: string, what: string): RegExp {
  if (source.length > MAX_PATTERN_CHARS)
    throw new InvalidInputError(`${what} is over ${MAX_PATTERN_CHARS} characters`)
  try {
    return new RegExp(`^(?:${source})$`, 'u')
  } catch (err) {
    throw new InvalidInputError(`${what} is not a valid regular expression: ${(err as Error).message}`)
  }
}

/** Compiles `f`; throws InvalidInputError naming a pattern that is too long or does not compile. */
export function compileFilter(f: QueryFilter): CompiledFilter {
  return {
    node: f.node === undefined ? undefined : anchored(f.node, `node pattern '${f.node}'`),
    tags: Object.entries(f.tags ?? {}).map(
      ([k, v]) => [k, anchored(v, `pattern '${v}' of tag '${k}'`)] as const,
    ),
  }
}

const matchContext = vm.createContext({})
const matchScript = new vm.Script('m()')

/**
 * Does a member with this name and these tags match? Every pattern must hold; a member without a
 * tag named does not match. The patterns are a peer's: a catastrophic one (`(a+)+$`) could hold
 * the event loop for minutes on a 512-byte tag value, so matching runs under a watchdog
 * (node:vm's timeout interrupts a running regular expression): past `budgetMs` it is no match
 * ('timeout'). The budget is wall-clock time, and a loaded machine may deschedule us past it, so
 * an attempt out of time that used less than half its budget of CPU is tried again (up to three
 * times); a catastrophic pattern burns its budget and is given up on at once.
 */
export function matchesMember(
  f: CompiledFilter,
  self: { name: string; tags: Record<string, string> },
  budgetMs = MATCH_BUDGET_MS,
): boolean | 'timeout' {
  if (f.node === undefined && f.tags.length === 0) return true
  const m = () =>
    (f.node === undefined || f.node.test(self.name)) &&
    f.tags.every(([k, re]) => Object.hasOwn(self.tags, k) && re.test(self.tags[k]!))
  for (let i = 0; i < 3; i++) {
    const before = process.cpuUsage()
    const r = attempt(m, budgetMs)
    if (r !== 'timeout') return r
    const used = process.cpuUsage(before)
    if ((used.user + used.system) / 1000 >= budgetMs / 2) break
  }
  return 'timeout'
}

function attempt(m: () => boolean, budgetMs: number): boolean | 'timeout' {
  matchContext.m = m
  try {
    return matchScript.runInContext(matchContext, { timeout: budgetMs }) === true
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return 'timeout'
    throw err
  } finally {
    matchContext.m = undefined
  }
}

/** An ack or an answer as the origin accepted it. */
export interface QueryResponse {
  kind: 'ack' | 'answer'
  /** The query's id. */
  id: string
  /** The responder's peer id. */
  from: string
  /** The answer (a handler's stdout), as text; absent on an ack. */
  payload?: string
}

export interface QuerySummary {
  id: string
  acks: number
  answers: number
}

export type ResponseVerdict = 'accepted' | 'unknown-query' | 'duplicate' | 'non-member'

interface Open {
  acks: Set<string>
  answers: Set<string>
  onResponse: (r: QueryResponse) => void
  finish: () => void
  cancelTimer: () => void
}

export interface QueryCollectorOptions {
  clock: Timers
  /** Only members answer: a stranger's response is dropped. */
  isMember: (id: string) => boolean
  maxOpen?: number
}

/**
 * The origin's side: the queries it has open, each until its deadline, and the responses it takes:
 * only for an open query, only from members, one ack and one answer per member per query. The sets
 * are bounded by the membership (only members count) and every query closes at its deadline.
 */
export class QueryCollector {
  private readonly open = new Map<string, Open>()
  private readonly maxOpen: number
  counts = { accepted: 0, unknown: 0, duplicate: 0, nonMember: 0 }

  constructor(private readonly opts: QueryCollectorOptions) {
    this.maxOpen = opts.maxOpen ?? MAX_OPEN_QUERIES
  }

  /** Opens query `id` for `timeoutMs`; resolves with the counts at the deadline (or at cancel). */
  collect(id: string, timeoutMs: number, onResponse: (r: QueryResponse) => void): Promise<QuerySummary> {
    if (this.open.has(id)) throw new InvalidInputError(`query ${id} is already open`)
    if (this.open.size >= this.maxOpen)
      throw new TooLargeError(`${this.open.size} queries are open; the limit is ${this.maxOpen}`)
    return new Promise((resolve) => {
      const q: Open = {
        acks: new Set(),
        answers: new Set(),
        onResponse,
        finish: () => {
          if (this.open.get(id) !== q) return
          this.open.delete(id)
          q.cancelTimer()
          resolve({ id, acks: q.acks.size, answers: q.answers.size })
        },
        cancelTimer: () => {},
      }
      this.open.set(id, q)
      q.cancelTimer = this.opts.clock.after(timeoutMs, q.finish)
    })
  }

  /** Ends query `id` now (its caller went away); its promise resolves with what it has. */
  cancel(id: string): void {
    this.open.get(id)?.finish()
  }

  /** Whether query `id` is open here: receivers ask before they verify a signature. */
  isOpen(id: string): boolean {
    return this.open.has(id)
  }

  /** Takes a response whose signature was checked by the transport. */
  receive(r: QueryResponse): ResponseVerdict {
    const q = this.open.get(r.id)
    if (!q) {
      this.counts.unknown++
      return 'unknown-query'
    }
    if (!this.opts.isMember(r.from)) {
      this.counts.nonMember++
      return 'non-member'
    }
    const seen = r.kind === 'ack' ? q.acks : q.answers
    if (seen.has(r.from)) {
      this.counts.duplicate++
      return 'duplicate'
    }
    seen.add(r.from)
    this.counts.accepted++
    try {
      q.onResponse(r)
    } catch {}
    return 'accepted'
  }

  /** Closes every open query (the agent stops). */
  close(): void {
    for (const q of [...this.open.values()]) q.finish()
  }
}
