// Gossip codec. A frame is one format-version byte (FORMAT_VERSION) followed by UTF-8 JSON:
//   delta      { type: 'delta', deltas: Delta[] }
// Decoding validates everything and throws InvalidInputError; it never returns partly-valid data.
// The frame helpers are shared with the anti-entropy wire (src/sync/wire.ts), which has its own
// version byte.
import { z } from 'zod'
import { InvalidInputError, TooLargeError } from '../errors.js'
import type { Delta } from './records.js'
import { deltaSchema, parseOrThrow } from './schemas.js'

export const FORMAT_VERSION = 3
/** No frame, in either direction, is larger than this (version byte included). */
export const MAX_FRAME_BYTES = 1024 * 1024
export const MAX_DELTAS_PER_FRAME = 4096

export interface DeltaBatch {
  type: 'delta'
  deltas: Delta[]
}
export type Message = DeltaBatch

const messageSchema = z.strictObject({
  type: z.literal('delta'),
  deltas: z.array(deltaSchema).max(MAX_DELTAS_PER_FRAME),
})

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** One frame: `version` then the UTF-8 JSON; TooLargeError if it does not fit in maxBytes. */
export function jsonFrame(json: string, maxBytes: number, version = FORMAT_VERSION): Uint8Array {
  const body = encoder.encode(json)
  if (body.length + 1 > maxBytes)
    throw new TooLargeError(`frame of ${body.length + 1} bytes exceeds ${maxBytes}`)
  const out = new Uint8Array(body.length + 1)
  out[0] = version
  out.set(body, 1)
  return out
}

/** The JSON of one frame of `version`; InvalidInputError for anything else. */
export function readJsonFrame(bytes: Uint8Array, maxBytes: number, version = FORMAT_VERSION): unknown {
  if (!(bytes instanceof Uint8Array)) throw new InvalidInputError('frame must be bytes')
  if (bytes.length > maxBytes)
    throw new InvalidInputError(`frame of ${bytes.length} bytes exceeds ${maxBytes}`)
  if (bytes.length === 0) throw new InvalidInputError('empty frame')
  if (bytes[0] !== version) {
    throw new InvalidInputError(`unsupported format version ${bytes[0]} (this peer speaks ${version})`)
  }
  try {
    return JSON.parse(decoder.decode(bytes.subarray(1)))
  } catch (err) {
    throw new InvalidInputError(`frame is not UTF-8 JSON: ${(err as Error).message}`)
  }
}

/** Encodes one message as one frame; TooLargeError if it does not fit. */
export function encodeMessage(msg: Message, maxBytes = MAX_FRAME_BYTES): Uint8Array {
  return jsonFrame(JSON.stringify(msg), maxBytes)
}

export function decodeMessage(bytes: Uint8Array, maxBytes = MAX_FRAME_BYTES): Message {
  return parseOrThrow(messageSchema, readJsonFrame(bytes, maxBytes), 'message') as Message
}

/**
 * Packs pre-encoded JSON items into as few frames as fit: head + items joined by ',' + tail.
 * `head(last)` may differ for the last frame but must not grow when `last` is true.
 */
export function packJson(
  items: string[],
  head: (last: boolean) => string,
  tail: string,
  maxItems: number,
  maxBytes: number,
): string[] {
  return [...packJsonLazily(items, head, tail, maxItems, maxBytes)]
}

/**
 * packJson one frame at a time, reading `items` as it goes: a whole state can be sent while only
 * one frame of it is encoded at a time.
 */
export function* packJsonLazily(
  items: Iterable<string>,
  head: (last: boolean) => string,
  tail: string,
  maxItems: number,
  maxBytes: number,
): Generator<string> {
  const fixed = 1 + Buffer.byteLength(head(false)) + Buffer.byteLength(tail)
  // One full group is held back until the next one starts: only then is it known not to be last.
  let full: string[] | undefined
  let cur: string[] = []
  let size = fixed
  for (const item of items) {
    const n = Buffer.byteLength(item) + 1
    if (fixed + n > maxBytes)
      throw new TooLargeError(`one item of ${n} bytes cannot fit in a ${maxBytes}-byte frame`)
    if (cur.length > 0 && (size + n > maxBytes || cur.length >= maxItems)) {
      if (full !== undefined) yield `${head(false)}${full.join(',')}${tail}`
      full = cur
      cur = []
      size = fixed
    }
    cur.push(item)
    size += n
  }
  if (full !== undefined) yield `${head(false)}${full.join(',')}${tail}`
  yield `${head(true)}${cur.join(',')}${tail}`
}

/** Deltas split into frames of at most maxBytes; no frames for no deltas. */
export function encodeDeltaFrames(deltas: readonly Delta[], maxBytes = MAX_FRAME_BYTES): Uint8Array[] {
  if (deltas.length === 0) return []
  const items = deltas.map((d) => JSON.stringify(d))
  return packJson(items, () => '{"type":"delta","deltas":[', ']}', MAX_DELTAS_PER_FRAME, maxBytes).map((j) =>
    jsonFrame(j, maxBytes),
  )
}
