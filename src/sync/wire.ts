// The anti-entropy wire (/murmur/sync/6.0.0). A frame is one version byte (SYNC_WIRE_VERSION)
// followed by a SyncFrame of pb/sync.proto holding one of:
//   hello     { digest, same? }                     opening: equal state digests end the session
//   ranges    { ranges: Range[], more }             vv reconciliation (ranges.ts), chunked
//   response  { records, vv, done, full?, floors? } the records the peer lacks, chunked, each an
//                                                   Entry of records.proto; vv: a chunk of the
//                                                   sender's vv entries for the origins that
//                                                   differed. full (on every frame of the answer):
//                                                   a full state transfer, every record and the
//                                                   whole vv, with the sender's collected floors
// Decoding validates everything and throws InvalidInputError; it never returns partly-valid data.
import {
  type CrdtRecord,
  decodeEntry,
  encodeEntry,
  frame,
  MAX_FRAME_BYTES,
  MAX_SEQ,
  MAX_VV_ORIGINS,
  ORIGIN_RE,
  packItems,
  pbDecode,
  readFrame,
  repeatedField,
  type VersionVector,
} from '../crdt/index.js'
import { InvalidInputError } from '../errors.js'
import * as pb from './pb/sync.js'
import { FINAL, FP, IDS, type Range, SKIP, type WireEntry } from './ranges.js'

/** 6: binary frames (protobuf); 5 was JSON. */
export const SYNC_WIRE_VERSION = 6
export const MAX_RECORDS_PER_FRAME = 65536
/** Entries in one ids or final range (a longer final answer is cut into consecutive ranges). */
export const MAX_ENTRIES_PER_RANGE = 1024
export const MAX_RANGES_PER_FRAME = 65536
/** vv or floors entries in one frame. */
const MAX_VV_PER_FRAME = 4096

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

const LIMITS = {
  ranges: { ranges: MAX_RANGES_PER_FRAME, ranges$: { entries: MAX_ENTRIES_PER_RANGE } },
  response: { records: MAX_RECORDS_PER_FRAME, vv: MAX_VV_PER_FRAME, floors: MAX_VV_PER_FRAME },
}

const bad = (what: string): never => {
  throw new InvalidInputError(`invalid sync message: ${what}`)
}

function origin(o: string): string {
  if (!ORIGIN_RE.test(o)) bad('origin must be a peer id')
  return o
}

function seq(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_SEQ) bad(`seq must be an integer from 0 to ${MAX_SEQ}`)
  return n
}

// ---- encoding -------------------------------------------------------------------------------

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
const HEX64 = /^[0-9a-f]{64}$/

function rangeToPb(r: Range): pb.Range {
  const upper = r[0] ?? undefined
  if (r[1] === SKIP) return { upper, kind: SKIP, entries: [] }
  if (r[1] === FP) return { upper, kind: FP, fp: Buffer.from(r[2], 'hex'), count: r[3], entries: [] }
  const entries = r[2].map(([o, s, m]) => ({ origin: o, seq: s, ...(m === undefined ? {} : { maxSeen: m }) }))
  return { upper, kind: r[1], entries }
}

const seqs = (m: VersionVector): pb.Seq[] => Object.keys(m).map((o) => ({ origin: o, seq: m[o]! }))

function toPb(msg: SyncMessage): pb.SyncFrame {
  if (msg.type === 'sync-hello') {
    if (!HEX64.test(msg.digest)) throw new RangeError('a digest is 64 hex digits')
    return { hello: { digest: Buffer.from(msg.digest, 'hex'), same: msg.same } }
  }
  if (msg.type === 'sync-ranges') return { ranges: { ranges: msg.ranges.map(rangeToPb), more: msg.more } }
  return {
    response: {
      records: msg.records.map(([id, r]) => encodeEntry(id, r)),
      vv: seqs(msg.vv),
      done: msg.done,
      full: msg.full,
      floors: msg.floors === undefined ? [] : seqs(msg.floors),
    },
  }
}

export function encodeSyncMessage(msg: SyncMessage, maxBytes = MAX_FRAME_BYTES): Uint8Array {
  return frame(pb.SyncFrame.encode(toPb(msg)), maxBytes, SYNC_WIRE_VERSION)
}

// ---- decoding -------------------------------------------------------------------------------

function rangeFromPb(r: pb.Range): Range {
  const upper = r.upper === undefined ? null : origin(r.upper)
  const plain = r.fp === undefined && r.count === undefined
  if (r.kind === SKIP && plain && r.entries.length === 0) return [upper, SKIP]
  if (r.kind === FP && r.fp?.length === 8 && r.count !== undefined && r.entries.length === 0) {
    return [upper, FP, hex(r.fp), seq(r.count)]
  }
  if ((r.kind === IDS || r.kind === FINAL) && plain) {
    const entries = r.entries.map((e): WireEntry => {
      const o = origin(e.origin)
      return e.maxSeen === undefined ? [o, seq(e.seq)] : [o, seq(e.seq), seq(e.maxSeen)]
    })
    return [upper, r.kind, entries]
  }
  return bad(`malformed range of kind ${r.kind}`)
}

function vvFromPb(list: pb.Seq[]): VersionVector {
  const m: Record<string, number> = {}
  for (const e of list) {
    const o = origin(e.origin)
    if (Object.hasOwn(m, o)) bad(`a version vector names ${o} twice`)
    m[o] = seq(e.seq)
  }
  return m
}

export function decodeSyncMessage(bytes: Uint8Array, maxBytes = MAX_FRAME_BYTES): SyncMessage {
  const body = readFrame(bytes, maxBytes, SYNC_WIRE_VERSION)
  const f = pbDecode(() => pb.SyncFrame.decode(body, { limits: LIMITS }), 'sync message')
  const kinds =
    Number(f.hello !== undefined) + Number(f.ranges !== undefined) + Number(f.response !== undefined)
  if (kinds !== 1) bad('a frame holds exactly one of hello, ranges and response')
  if (f.hello !== undefined) {
    if (f.hello.digest.length !== 32) bad('a digest is 32 bytes')
    return {
      type: 'sync-hello',
      digest: hex(f.hello.digest),
      ...(f.hello.same === undefined ? {} : { same: f.hello.same }),
    }
  }
  if (f.ranges !== undefined) {
    return { type: 'sync-ranges', ranges: f.ranges.ranges.map(rangeFromPb), more: f.ranges.more }
  }
  const r = f.response!
  if (r.vv.length + r.floors.length > MAX_VV_ORIGINS) bad('too many version vector entries')
  return {
    type: 'sync-resp',
    records: r.records.map(decodeEntry),
    vv: vvFromPb(r.vv),
    done: r.done,
    ...(r.full === undefined ? {} : { full: r.full }),
    ...(r.floors.length === 0 ? {} : { floors: vvFromPb(r.floors) }),
  }
}

// ---- framing --------------------------------------------------------------------------------

/** Room for a frame's repeated items: the version byte and the enclosing fields take the rest. */
const HEADROOM = 32

/** One reconciliation message in as few frames as fit; every frame but the last says `more`. */
export function encodeRangeFrames(ranges: readonly Range[], maxBytes = MAX_FRAME_BYTES): Uint8Array[] {
  const items = ranges.map((r) => pb.Range.encode(rangeToPb(r)))
  const out: Uint8Array[] = []
  for (const g of packItems(items, maxBytes - HEADROOM, MAX_RANGES_PER_FRAME)) {
    // Ranges { ranges = 1 (the items); more = 2 } as field 2 of a SyncFrame, built from the items.
    const body = concat(repeatedField(1, g.items), g.last ? new Uint8Array() : MORE)
    out.push(frame(repeatedField(RANGES_FIELD, [body]), maxBytes, SYNC_WIRE_VERSION))
  }
  return out
}

/** Field 2 of Ranges (more), varint true. */
const MORE = Uint8Array.of(0x10, 0x01)
/** Field numbers of sync.proto that frames are built from encoded items by hand. */
const RANGES_FIELD = 2
const RESPONSE_FIELD = 3
const VV_FIELD = 2
const FLOORS_FIELD = 5
/** Field 4 of Response (full), varint true. */
const FULL = Uint8Array.of(0x20, 0x01)
const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => (b.length === 0 ? a : Buffer.concat([a, b]))

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
  records: Iterable<readonly [string, CrdtRecord]>,
  vv: VersionVector,
  maxBytes = MAX_FRAME_BYTES,
  floors?: VersionVector,
): Generator<Uint8Array> {
  // The vv (and floors) travel in chunks of their own frames first (no records, not done), then
  // the records.
  const full = floors === undefined ? undefined : true
  const encode = (response: pb.Response): Uint8Array =>
    frame(pb.SyncFrame.encode({ response }), maxBytes, SYNC_WIRE_VERSION)
  function* chunks(m: VersionVector, field: typeof VV_FIELD | typeof FLOORS_FIELD): Generator<Uint8Array> {
    const entries = Object.keys(m).map((o) => pb.Seq.encode({ origin: o, seq: m[o]! }))
    if (entries.length === 0) return
    // Response { vv = 2 | floors = 5 (these entries), full = 4 } as field 3 of a SyncFrame, built
    // from the encoded entries (done is false: left out).
    for (const g of packItems(entries, maxBytes - HEADROOM, MAX_VV_PER_FRAME)) {
      const body = concat(repeatedField(field, g.items), full ? FULL : new Uint8Array())
      yield frame(repeatedField(RESPONSE_FIELD, [body]), maxBytes, SYNC_WIRE_VERSION)
    }
  }
  yield* chunks(vv, VV_FIELD)
  if (floors !== undefined) yield* chunks(floors, FLOORS_FIELD)
  function* items(): Generator<Uint8Array<ArrayBuffer>> {
    for (const [id, r] of records) yield encodeEntry(id, r)
  }
  for (const g of packItems(items(), maxBytes - HEADROOM, MAX_RECORDS_PER_FRAME)) {
    yield encode({ records: g.items, vv: [], floors: [], done: g.last, full })
  }
}
