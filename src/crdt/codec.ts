// Wire codec. A frame is one format-version byte (FORMAT_VERSION) followed by UTF-8 JSON.
//   delta      { type: 'delta', deltas: Delta[] }                        gossip
//   sync-hello { type: 'sync-hello', digest, same? }                     anti-entropy opening: equal digests end it
//   sync-req   { type: 'sync-req', vv }                                  anti-entropy request
//   sync-resp  { type: 'sync-resp', records: [id, record][], vv, done }  anti-entropy answer, chunked
// Decoding validates everything and throws InvalidInputError; it never returns partly-valid data.
import { z } from 'zod'
import { InvalidInputError, TooLargeError } from '../errors.js'
import type { CrdtRecord, Delta, VersionVector } from './records.js'
import { deltaSchema, entrySchema, parseOrThrow, vvSchema } from './schemas.js'

export const FORMAT_VERSION = 3
/** No frame, in either direction, is larger than this (version byte included). */
export const MAX_FRAME_BYTES = 1024 * 1024
export const MAX_DELTAS_PER_FRAME = 4096
export const MAX_RECORDS_PER_FRAME = 65536

export interface DeltaBatch {
  type: 'delta'
  deltas: Delta[]
}
/** Opens a session with the state digest; the answer says whether the two states are the same. */
export interface SyncHello {
  type: 'sync-hello'
  digest: string
  /** In the responder's answer: true when the digests are equal, and the session ends there. */
  same?: boolean
}
export interface SyncRequest {
  type: 'sync-req'
  vv: VersionVector
}
export interface SyncResponse {
  type: 'sync-resp'
  records: Array<[string, CrdtRecord]>
  vv: VersionVector
  /** true on the last frame of one answer; only then may the receiver adopt `vv`. */
  done: boolean
}
export type Message = DeltaBatch | SyncHello | SyncRequest | SyncResponse

const messageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('delta'), deltas: z.array(deltaSchema).max(MAX_DELTAS_PER_FRAME) }),
  z.strictObject({
    type: z.literal('sync-hello'),
    digest: z.string().regex(/^[0-9a-f]{64}$/, 'digest must be 64 hex digits'),
    same: z.boolean().optional(),
  }),
  z.strictObject({ type: z.literal('sync-req'), vv: vvSchema }),
  z.strictObject({
    type: z.literal('sync-resp'),
    records: z.array(entrySchema).max(MAX_RECORDS_PER_FRAME),
    vv: vvSchema,
    done: z.boolean(),
  }),
])

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

function frame(json: string, maxBytes: number): Uint8Array {
  const body = encoder.encode(json)
  if (body.length + 1 > maxBytes)
    throw new TooLargeError(`frame of ${body.length + 1} bytes exceeds ${maxBytes}`)
  const out = new Uint8Array(body.length + 1)
  out[0] = FORMAT_VERSION
  out.set(body, 1)
  return out
}

/** Encodes one message as one frame; TooLargeError if it does not fit. */
export function encodeMessage(msg: Message, maxBytes = MAX_FRAME_BYTES): Uint8Array {
  return frame(JSON.stringify(msg), maxBytes)
}

export function decodeMessage(bytes: Uint8Array, maxBytes = MAX_FRAME_BYTES): Message {
  if (!(bytes instanceof Uint8Array)) throw new InvalidInputError('frame must be bytes')
  if (bytes.length > maxBytes)
    throw new InvalidInputError(`frame of ${bytes.length} bytes exceeds ${maxBytes}`)
  if (bytes.length === 0) throw new InvalidInputError('empty frame')
  if (bytes[0] !== FORMAT_VERSION) {
    throw new InvalidInputError(`unsupported format version ${bytes[0]} (this peer speaks ${FORMAT_VERSION})`)
  }
  let data: unknown
  try {
    data = JSON.parse(decoder.decode(bytes.subarray(1)))
  } catch (err) {
    throw new InvalidInputError(`frame is not UTF-8 JSON: ${(err as Error).message}`)
  }
  return parseOrThrow(messageSchema, data, 'message') as Message
}

/**
 * Packs pre-encoded JSON items into as few frames as fit: head + items joined by ',' + tail.
 * `head(last)` may differ for the last frame but must not grow when `last` is true.
 */
function pack(
  items: string[],
  head: (last: boolean) => string,
  tail: string,
  maxItems: number,
  maxBytes: number,
): string[] {
  const fixed = 1 + Buffer.byteLength(head(false)) + Buffer.byteLength(tail)
  const groups: string[][] = []
  let cur: string[] = []
  let size = fixed
  for (const item of items) {
    const n = Buffer.byteLength(item) + 1
    if (fixed + n > maxBytes)
      throw new TooLargeError(`one item of ${n} bytes cannot fit in a ${maxBytes}-byte frame`)
    if (cur.length > 0 && (size + n > maxBytes || cur.length >= maxItems)) {
      groups.push(cur)
      cur = []
      size = fixed
    }
    cur.push(item)
    size += n
  }
  if (cur.length > 0 || groups.length === 0) groups.push(cur)
  return groups.map((g, i) => `${head(i === groups.length - 1)}${g.join(',')}${tail}`)
}

/** Deltas split into frames of at most maxBytes; no frames for no deltas. */
export function encodeDeltaFrames(deltas: readonly Delta[], maxBytes = MAX_FRAME_BYTES): Uint8Array[] {
  if (deltas.length === 0) return []
  const items = deltas.map((d) => JSON.stringify(d))
  return pack(items, () => '{"type":"delta","deltas":[', ']}', MAX_DELTAS_PER_FRAME, maxBytes).map((j) =>
    frame(j, maxBytes),
  )
}

/** One anti-entropy answer: at least one frame, every frame carries `vv`, the last has done=true. */
export function encodeSyncResponseFrames(
  records: ReadonlyArray<readonly [string, CrdtRecord]>,
  vv: VersionVector,
  maxBytes = MAX_FRAME_BYTES,
): Uint8Array[] {
  const items = records.map((r) => JSON.stringify(r))
  const vvJson = JSON.stringify(vv)
  const head = (last: boolean) => `{"type":"sync-resp","vv":${vvJson},"done":${last},"records":[`
  return pack(items, head, ']}', MAX_RECORDS_PER_FRAME, maxBytes).map((j) => frame(j, maxBytes))
}
