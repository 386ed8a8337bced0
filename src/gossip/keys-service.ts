// Keyring operations across the mesh (`murmur keys`, like Serf's): the agent asked by the CLI
// applies one to itself, then asks every alive member on /murmur/keys/1.0.0, one request and one
// answer per stream, each member applying it to its own keyring. The connection is inside the
// private mesh and noise already; only members are answered, and each at a bounded rate.
import type { Connection, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { z } from 'zod'
import { type ErrorCode, InvalidInputError, MurmurError } from '../errors.js'
import { fingerprint, fingerprintSchema, keyHexSchema } from '../transport/keyring.js'
import { RateLimiter } from '../util/rate-limit.js'
import type { StreamServiceComponents } from './components.js'

export const KEYS_PROTOCOL = '/murmur/keys/1.0.0'
/** A request holds at most one key in hex; an answer at most 16 fingerprints and a short message. */
export const MAX_KEYS_FRAME_BYTES = 2048
/** How long a member has to answer one request. */
export const KEYS_TIMEOUT_MS = 5000
/** Requests one member may make of us: key operations are rare, operator-driven. */
const REQUESTS_PER_SECOND = 1
const REQUEST_BURST = 10
const MAX_MESSAGE_CHARS = 256

export const keysRequestSchema = z.discriminatedUnion('op', [
  z.object({ v: z.literal(1), op: z.literal('list') }).strict(),
  z.object({ v: z.literal(1), op: z.literal('install'), key: keyHexSchema }).strict(),
  z.object({ v: z.literal(1), op: z.literal('use'), fingerprint: fingerprintSchema }).strict(),
  z.object({ v: z.literal(1), op: z.literal('remove'), fingerprint: fingerprintSchema }).strict(),
])
export type KeysRequest = z.output<typeof keysRequestSchema>

/** A member's keyring after the operation: its fingerprints, the primary first. */
export interface KeysHeld {
  keys: string[]
  primary: string
}

const answerSchema = z.union([
  z
    .object({
      ok: z.literal(true),
      keys: z.array(fingerprintSchema).min(1).max(16),
      primary: fingerprintSchema,
    })
    .strict(),
  z
    .object({ ok: z.literal(false), code: z.string().max(32), message: z.string().max(MAX_MESSAGE_CHARS) })
    .strict(),
])
export type KeysAnswer = ({ ok: true } & KeysHeld) | { ok: false; code: string; message: string }

export function encodeKeysFrame(value: KeysRequest | KeysAnswer): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value))
}

/** Decodes a request or an answer; anything else (bad JSON, unknown fields, versions) is INVALID_INPUT. */
export function decodeKeysRequest(frame: Uint8Array): KeysRequest {
  return decodeWith(keysRequestSchema, frame, 'request')
}
export function decodeKeysAnswer(frame: Uint8Array): KeysAnswer {
  return decodeWith(answerSchema, frame, 'answer')
}

function decodeWith<T extends z.ZodType>(schema: T, frame: Uint8Array, what: string): z.output<T> {
  let doc: unknown
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(frame))
  } catch {
    throw new InvalidInputError(`keyring ${what} is not JSON text`)
  }
  const parsed = schema.safeParse(doc)
  if (!parsed.success) throw new InvalidInputError(`malformed keyring ${what}`)
  return parsed.data
}

export interface KeysServiceInit {
  /** Applies a request to this agent's keyring (persisted before it resolves). */
  apply: (req: KeysRequest) => Promise<KeysHeld>
  /** Only members may change or read our keyring. */
  isMember: (peer: string) => boolean
}

export type KeysServiceComponents = StreamServiceComponents

export function keysService(init: KeysServiceInit): (components: KeysServiceComponents) => KeysService {
  return (components) => new KeysService(init, components)
}

export class KeysService {
  private readonly budget: RateLimiter

  constructor(
    private readonly opts: KeysServiceInit,
    private readonly c: KeysServiceComponents,
  ) {
    this.budget = new RateLimiter(REQUESTS_PER_SECOND, REQUEST_BURST, c.clock)
  }

  async start(): Promise<void> {
    await this.c.registrar.handle(KEYS_PROTOCOL, (stream, conn) => void this.answer(stream, conn), {
      maxInboundStreams: 2,
      runOnLimitedConnection: true,
    })
  }

  async stop(): Promise<void> {
    await this.c.registrar.unhandle(KEYS_PROTOCOL).catch(() => {})
  }

  /** Asks `peer` to apply `req`: its keyring after it, or why not (a timeout, a refusal, an error). */
  async ask(peer: string, req: KeysRequest, timeoutMs = KEYS_TIMEOUT_MS): Promise<KeysAnswer> {
    const controller = new AbortController()
    const cancel = this.c.clock.after(timeoutMs, () =>
      controller.abort(new MurmurError('DIAL_FAILED', `no answer within ${timeoutMs} ms`)),
    )
    let stream: Stream | undefined
    try {
      const signal = controller.signal
      stream = await this.c.connections.dialProtocol(peerIdFromString(peer), KEYS_PROTOCOL, {
        signal,
        runOnLimitedConnection: true,
      })
      const lp = lpStream(stream, { maxDataLength: MAX_KEYS_FRAME_BYTES })
      await lp.write(encodeKeysFrame(req), { signal })
      const answer = decodeKeysAnswer((await lp.read({ signal })).subarray())
      await stream.close({ signal }).catch(() => {})
      return answer
    } catch (err) {
      stream?.abort(err as Error)
      const e = controller.signal.aborted ? (controller.signal.reason as Error) : (err as Error)
      return { ok: false, code: codeOf(e, 'DIAL_FAILED'), message: short(e.message) }
    } finally {
      cancel()
    }
  }

  private async answer(stream: Stream, conn: Connection): Promise<void> {
    const peer = conn.remotePeer.toString()
    const controller = new AbortController()
    const cancel = this.c.clock.after(KEYS_TIMEOUT_MS, () => controller.abort(new Error('timeout')))
    const signal = controller.signal
    try {
      if (!this.opts.isMember(peer)) {
        this.c.logger.warn('keyring request refused: not a member', { peer })
        stream.abort(new Error('not a member'))
        return
      }
      const lp = lpStream(stream, { maxDataLength: MAX_KEYS_FRAME_BYTES })
      const frame = (await lp.read({ signal })).subarray()
      const answer: KeysAnswer = this.budget.take(peer)
        ? await this.handle(peer, frame)
        : { ok: false, code: 'TOO_LARGE', message: 'too many keyring requests; try again later' }
      await lp.write(encodeKeysFrame(answer), { signal })
      await stream.close({ signal }).catch(() => {})
    } catch (err) {
      this.c.logger.debug('keyring request failed', { peer, error: (err as Error).message })
      stream.abort(err as Error)
    } finally {
      cancel()
    }
  }

  private async handle(peer: string, frame: Uint8Array): Promise<KeysAnswer> {
    let req: KeysRequest
    try {
      req = decodeKeysRequest(frame)
    } catch {
      return { ok: false, code: 'INVALID_INPUT', message: 'malformed keyring request' }
    }
    try {
      const held = await this.opts.apply(req)
      if (req.op !== 'list')
        this.c.logger.info('keyring changed by a member', {
          peer,
          op: req.op,
          key: req.op === 'install' ? fingerprint(Buffer.from(req.key, 'hex')) : req.fingerprint,
          primary: held.primary,
        })
      return { ok: true, ...held }
    } catch (err) {
      return { ok: false, code: codeOf(err, 'INTERNAL'), message: short((err as Error).message) }
    }
  }
}

function codeOf(err: unknown, fallback: ErrorCode): string {
  return err instanceof MurmurError ? err.code : fallback
}

const short = (s: string): string =>
  s.length > MAX_MESSAGE_CHARS ? `${s.slice(0, MAX_MESSAGE_CHARS - 1)}…` : s
