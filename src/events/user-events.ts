// User events (Serf's `serf event`): small fire-and-forget messages broadcast to the mesh. This
// module is the protocol without the transport: the wire format, the checks every received event
// passes, exactly-once delivery, and the local subscribers. src/gossip/event-topic.ts carries the
// bytes over gossipsub, whose StrictSign policy tells us the author.
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { InvalidInputError, TooLargeError } from '../errors.js'
import type { Clock } from '../util/clock.js'

/** First byte of every event message; a receiver refuses versions it does not know. */
export const EVENT_WIRE_VERSION = 1
/** UTF-8 bytes of a payload: 16 times Serf's 512, still one small gossip message. */
export const MAX_EVENT_PAYLOAD_BYTES = 8192
export const MAX_EVENT_NAME_CHARS = 128
export const EVENT_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/
/**
 * Names the agents use among themselves (e.g. `murmur:force-leave`): users cannot publish them,
 * and they reach `onInternal`, never subscribers, handlers or `murmur events`.
 */
export const INTERNAL_EVENT_PREFIX = 'murmur:'
/** An event older than this (by its author's clock, within the drift bound) is refused. */
export const DEFAULT_EVENT_MAX_AGE_MS = 60_000
/** Events remembered for exactly-once delivery; past it the oldest are forgotten (see docs/security.md). */
export const MAX_REMEMBERED_EVENTS = 100_000

export const eventNameSchema = z
  .string()
  .min(1)
  .max(MAX_EVENT_NAME_CHARS)
  .regex(EVENT_NAME_RE, 'event name: letters, digits and . _ : - (not first)')
export const eventPayloadSchema = z
  .string()
  .refine(
    (s) => Buffer.byteLength(s, 'utf8') <= MAX_EVENT_PAYLOAD_BYTES,
    `payload over ${MAX_EVENT_PAYLOAD_BYTES} bytes`,
  )

const wireSchema = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{16}$/),
  name: eventNameSchema,
  payload: eventPayloadSchema,
  ts: z
    .int()
    .min(0)
    .max(2 ** 47),
})

/** An event as subscribers see it. */
export interface UserEvent {
  id: string
  name: string
  payload: string
  /** Author's peer id (gossipsub's signed `from`). */
  origin: string
  /** Author's clock, epoch ms. */
  ts: number
}

export interface UserEventsOptions {
  selfId: string
  clock: Clock
  /** How far an author's clock may be ahead of ours (limits.maxClockDriftMs). */
  maxDriftMs: number
  maxAgeMs?: number
  maxRemembered?: number
  /**
   * Is this peer a member (alive or suspect)? Only members author events: identities are free,
   * so a limit per author means nothing for strangers. Without it every author is accepted.
   */
  isMember?: (id: string) => boolean
  /** An internal event (INTERNAL_EVENT_PREFIX) from a member, once. */
  onInternal?: (e: UserEvent) => void
  /** Hands an encoded event to the transport; resolves to the peers it went to. */
  broadcast: (bytes: Uint8Array) => Promise<number>
}

export type EventVerdict = 'accept' | 'ignore' | 'reject'

export function encodeEvent(e: Omit<UserEvent, 'origin'>): Uint8Array {
  const body = Buffer.from(JSON.stringify({ id: e.id, name: e.name, payload: e.payload, ts: e.ts }), 'utf8')
  return Buffer.concat([Uint8Array.of(EVENT_WIRE_VERSION), body])
}

/** Parses a received message; throws InvalidInputError on anything but a well-formed event. */
export function decodeEvent(bytes: Uint8Array): Omit<UserEvent, 'origin'> {
  if (bytes.length === 0 || bytes[0] !== EVENT_WIRE_VERSION) {
    throw new InvalidInputError(`event wire version ${bytes[0]} is not ${EVENT_WIRE_VERSION}`)
  }
  let json: unknown
  try {
    json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 1, bytes.length - 1).toString('utf8'))
  } catch {
    throw new InvalidInputError('event is not JSON')
  }
  const r = wireSchema.safeParse(json)
  if (!r.success) throw new InvalidInputError(`invalid event: ${r.error.issues[0]?.message ?? 'invalid'}`)
  return r.data
}

type Subscriber = { name?: string; cb: (e: UserEvent) => void }

export class UserEvents {
  /** `${origin} ${id}` of the events remembered, and the same in arrival order with when each may go. */
  private readonly seen = new Set<string>()
  private queue: Array<{ key: string; until: number }> = []
  private head = 0
  private readonly subscribers = new Set<Subscriber>()
  private readonly maxAgeMs: number
  private readonly maxRemembered: number
  counts = { sent: 0, received: 0, duplicate: 0, stale: 0, invalid: 0, nonMember: 0 }

  constructor(private readonly opts: UserEventsOptions) {
    this.maxAgeMs = opts.maxAgeMs ?? DEFAULT_EVENT_MAX_AGE_MS
    this.maxRemembered = opts.maxRemembered ?? MAX_REMEMBERED_EVENTS
  }

  /** Broadcasts an event (checked like any input) and delivers it here too. */
  async publish(name: string, payload = ''): Promise<{ id: string; recipients: number }> {
    const n = eventNameSchema.safeParse(name)
    if (!n.success) throw new InvalidInputError(`invalid event name '${name}': ${n.error.issues[0]?.message}`)
    if (name.startsWith(INTERNAL_EVENT_PREFIX))
      throw new InvalidInputError(`event names starting with '${INTERNAL_EVENT_PREFIX}' are the agents' own`)
    return this.send(name, payload)
  }

  /** Broadcasts an agents' own event (INTERNAL_EVENT_PREFIX); it is not delivered here. */
  async publishInternal(name: string, payload: string): Promise<{ id: string; recipients: number }> {
    if (!name.startsWith(INTERNAL_EVENT_PREFIX))
      throw new InvalidInputError(`'${name}' is not an internal event`)
    return this.send(name, payload)
  }

  private async send(name: string, payload: string): Promise<{ id: string; recipients: number }> {
    if (Buffer.byteLength(payload, 'utf8') > MAX_EVENT_PAYLOAD_BYTES) {
      throw new TooLargeError(`event payload over ${MAX_EVENT_PAYLOAD_BYTES} bytes`)
    }
    const e: UserEvent = {
      id: randomBytes(8).toString('hex'),
      name,
      payload,
      origin: this.opts.selfId,
      ts: this.opts.clock.now(),
    }
    this.remember(e)
    this.counts.sent++
    if (!name.startsWith(INTERNAL_EVENT_PREFIX)) this.deliver(e)
    return { id: e.id, recipients: await this.opts.broadcast(encodeEvent(e)) }
  }

  /**
   * A message from the mesh by `author`: 'accept' delivers it here and lets gossipsub forward it,
   * 'ignore' (a copy, too old, or by someone who is not a member) drops it quietly, 'reject'
   * (malformed) penalises the sender.
   */
  receive(bytes: Uint8Array, author: string): EventVerdict {
    // Not 'reject': its forwarder may be honest, and a member that just joined may not be known here yet.
    if (this.opts.isMember && !this.opts.isMember(author)) {
      this.counts.nonMember++
      return 'ignore'
    }
    let body: Omit<UserEvent, 'origin'>
    try {
      body = decodeEvent(bytes)
    } catch {
      this.counts.invalid++
      return 'reject'
    }
    const e: UserEvent = { ...body, origin: author }
    const now = this.opts.clock.now()
    // Old events are refused, so a replay after they were forgotten is refused too.
    if (e.ts < now - this.maxAgeMs || e.ts > now + this.opts.maxDriftMs) {
      this.counts.stale++
      return 'ignore'
    }
    if (this.seen.has(key(e))) {
      this.counts.duplicate++
      return 'ignore'
    }
    this.remember(e)
    this.counts.received++
    if (e.name.startsWith(INTERNAL_EVENT_PREFIX)) {
      try {
        this.opts.onInternal?.(e)
      } catch {}
    } else this.deliver(e)
    return 'accept'
  }

  /** Events remembered for exactly-once delivery now (bounded by maxRemembered). */
  get remembered(): number {
    return this.seen.size
  }

  /** Calls `cb` with every event (of `name`, if given) from now on; returns the unsubscribe. */
  subscribe(name: string | undefined, cb: (e: UserEvent) => void): () => void {
    const s = { name, cb }
    this.subscribers.add(s)
    return () => this.subscribers.delete(s)
  }

  private deliver(e: UserEvent): void {
    for (const s of this.subscribers) {
      if (s.name !== undefined && s.name !== e.name) continue
      try {
        s.cb(e)
      } catch {}
    }
  }

  /**
   * Remembers an event until it is too old to be accepted again (its ts plus the max age), or
   * until the cap forces the oldest out.
   */
  private remember(e: UserEvent): void {
    const now = this.opts.clock.now()
    const q = this.queue
    while (this.head < q.length && (q[this.head]!.until <= now || this.seen.size >= this.maxRemembered)) {
      this.seen.delete(q[this.head]!.key)
      this.head++
    }
    if (this.head > 1024 && this.head * 2 > q.length) {
      this.queue = q.slice(this.head)
      this.head = 0
    }
    this.seen.add(key(e))
    this.queue.push({ key: key(e), until: e.ts + this.maxAgeMs })
  }
}

const key = (e: { origin: string; id: string }): string => `${e.origin} ${e.id}`
