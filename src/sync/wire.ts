// The anti-entropy wire (/murmur/sync/5.0.0). A frame is one version byte (SYNC_WIRE_VERSION)
// followed by UTF-8 JSON:
//   sync-hello  { type, digest, same? }                 opening: equal state digests end the session
//   sync-ranges { type, ranges: Range[], more }         vv reconciliation (ranges.ts), chunked
//   sync-resp   { type, records: [id, record][], vv, done, full?, floors? }
//                                                      the records the peer lacks, chunked; vv: a
//                                                      chunk of the sender's vv entries for the
//                                                      origins that differed. full (on every frame
//                                                      of the answer): a full state transfer, every
//                                                      record and the whole vv, with the sender's
//                                                      collected floors in chunks
// Decoding validates everything and throws InvalidInputError; it never returns partly-valid data.
import { z } from 'zod'
import {
  type CrdtRecord,
  entrySchema,
  jsonFrame,
  MAX_FRAME_BYTES,
  MAX_SEQ,
  originSchema,
  packJson,
  packJsonLazily,
  parseOrThrow,
  readJsonFrame,
  type VersionVector,
  vvSchema,
} from '../crdt/index.js'
import { FINAL, FP, IDS, type Range, SKIP } from './ranges.js'

export const SYNC_WIRE_VERSION = 5
export const MAX_RECORDS_PER_FRAME = 65536
/** Entries in one ids or final range (a longer final answer is cut into consecutive ranges). */
export const MAX_ENTRIES_PER_RANGE = 1024
export const MAX_RANGES_PER_FRAME = 65536

export interface SyncHello {
  type: 'sync-hello'
  digest: string
  /** In the responder's answer: true when the digests are equal, and the session ends there. */
  same?: boolean
}
export interface SyncRanges {
  type: 'sync-ranges'
  ranges: Range[]
  /** More frames of the same message follow. */
  more: boolean
}
export interface SyncResponse {
  type: 'sync-resp'
  records: Array<[string, CrdtRecord]>
  vv: VersionVector
  /** true on the last frame of one answer; only then may the receiver adopt the vv chunks. */
  done: boolean
  /** A full state transfer (the peer's vv is below one of our collected floors): on every frame. */
  full?: boolean
  /** A chunk of the sender's collected floors (full transfers only). */
  floors?: VersionVector
}
export type SyncMessage = SyncHello | SyncRanges | SyncResponse

const seq = z.int().min(0).max(MAX_SEQ)
const upper = originSchema.nullable()
const entry = z.union([z.tuple([originSchema, seq]), z.tuple([originSchema, seq, seq])])
const range = z.union([
  z.tuple([upper, z.literal(SKIP)]),
  z.tuple([upper, z.literal(FP), z.string().regex(/^[0-9a-f]{16}$/), z.int().min(0).max(MAX_SEQ)]),
  z.tuple([upper, z.union([z.literal(IDS), z.literal(FINAL)]), z.array(entry).max(MAX_ENTRIES_PER_RANGE)]),
])

const messageSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('sync-hello'),
    digest: z.string().regex(/^[0-9a-f]{64}$/, 'digest must be 64 hex digits'),
    same: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('sync-ranges'),
    ranges: z.array(range).max(MAX_RANGES_PER_FRAME),
    more: z.boolean(),
  }),
  z.strictObject({
    type: z.literal('sync-resp'),
    records: z.array(entrySchema).max(MAX_RECORDS_PER_FRAME),
    vv: vvSchema,
    done: z.boolean(),
    full: z.boolean().optional(),
    floors: vvSchema.optional(),
  }),
])

export function encodeSyncMessage(msg: SyncMessage, maxBytes = MAX_FRAME_BYTES): Uint8Array {
  return jsonFrame(JSON.stringify(msg), maxBytes, SYNC_WIRE_VERSION)
}

export function decodeSyncMessage(bytes: Uint8Array, maxBytes = MAX_FRAME_BYTES): SyncMessage {
  const data = readJsonFrame(bytes, maxBytes, SYNC_WIRE_VERSION)
  return parseOrThrow(messageSchema, data, 'sync message') as SyncMessage
}

const frames = (json: string[], maxBytes: number): Uint8Array[] =>
  json.map((j) => jsonFrame(j, maxBytes, SYNC_WIRE_VERSION))

/** One reconciliation message in as few frames as fit; every frame but the last says `more`. */
export function encodeRangeFrames(ranges: readonly Range[], maxBytes = MAX_FRAME_BYTES): Uint8Array[] {
  const items = ranges.map((r) => JSON.stringify(r))
  const head = (last: boolean) => `{"type":"sync-ranges","more":${!last},"ranges":[`
  return frames(packJson(items, head, ']}', MAX_RANGES_PER_FRAME, maxBytes), maxBytes)
}

/**
 * One anti-entropy answer: records and vv entries spread over as few frames as fit, at least
 * one frame, done=true on the last. With `floors` it is a full state transfer.
 */
export function encodeSyncResponseFrames(
  records: ReadonlyArray<readonly [string, CrdtRecord]>,
  vv: VersionVector,
  maxBytes = MAX_FRAME_BYTES,
  floors?: VersionVector,
): Uint8Array[] {
  return [...syncResponseFrames(records, vv, maxBytes, floors)]
}

/** encodeSyncResponseFrames one frame at a time: a whole state is never encoded at once. */
export function* syncResponseFrames(
  records: ReadonlyArray<readonly [string, CrdtRecord]>,
  vv: VersionVector,
  maxBytes = MAX_FRAME_BYTES,
  floors?: VersionVector,
): Generator<Uint8Array> {
  // The vv (and floors) travel in chunks of their own frames first (records: [], done: false),
  // then the records.
  const full = floors === undefined ? '' : '"full":true,'
  function* chunks(m: VersionVector, field: string): Generator<Uint8Array> {
    const entries = Object.entries(m).map(([o, s]) => `${JSON.stringify(o)}:${s}`)
    if (entries.length === 0) return
    const head = () => `{"type":"sync-resp",${full}"records":[],"done":false,"${field}":{`
    const tail = field === 'vv' ? '}}' : '},"vv":{}}'
    yield* frames(packJson(entries, head, tail, 4096, maxBytes), maxBytes)
  }
  yield* chunks(vv, 'vv')
  if (floors !== undefined) yield* chunks(floors, 'floors')
  function* items(): Generator<string> {
    for (const r of records) yield JSON.stringify(r)
  }
  const head = (last: boolean) => `{"type":"sync-resp",${full}"vv":{},"done":${last},"records":[`
  for (const json of packJsonLazily(items(), head, ']}', MAX_RECORDS_PER_FRAME, maxBytes))
    yield jsonFrame(json, maxBytes, SYNC_WIRE_VERSION)
}
