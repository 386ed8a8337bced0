// Records in binary (pb/records.proto, through protons): the one encoding a record travels in,
// by gossip and by anti-entropy, is stored in and is hashed for the digest. Encoding is canonical
// (maps in origin order, values as canonical JSON), so equal records give equal bytes on every
// peer. Decoding bounds every repeated field and checks every value before a record is built: a
// peer's bytes give either a valid record or an InvalidInputError.
import { InvalidInputError } from '../errors.js'
import { isProofBytes } from './batch-proof.js'
import { canonicalJson, type JsonValue, valueProblem } from './json.js'
import {
  MAX_COUNTER_TOTAL,
  MAX_HLC_LOGICAL,
  MAX_HLC_WALL,
  MAX_ORIGINS_PER_RECORD,
  MAX_SEQ,
  MAX_VALUE_BYTES,
  MAX_VV_ORIGINS,
  ORIGIN_RE,
} from './limits.js'
import * as pb from './pb/records.js'
import type { CounterRecord, CrdtRecord, Delta, LwwRecord, SeqMap, SetRecord, SigMap } from './records.js'
import { entryProblem } from './schemas.js'

/** Repeated fields of one entry: each map holds at most MAX_ORIGINS_PER_RECORD origins. */
const MAP = MAX_ORIGINS_PER_RECORD
const ENTRY_LIMITS = {
  set: { adds: MAP, removed: MAP, dots: MAP, proofs: MAP, removals: MAP },
  counter: { p: MAP, n: MAP, dots: MAP, proofs: MAP },
}

const utf8 = new TextEncoder()
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

const bad = (what: string): never => {
  throw new InvalidInputError(`invalid record: ${what}`)
}

// ---- encoding -------------------------------------------------------------------------------

/** A map's origins in one order on every peer. */
const origins = (m: object): string[] => {
  const keys = Object.keys(m)
  return keys.length > 1 ? keys.sort() : keys
}
const seqs = (m: SeqMap): pb.Seq[] => origins(m).map((origin) => ({ origin, seq: m[origin]! }))
const proofBytes = (b64: string): Uint8Array<ArrayBuffer> =>
  Buffer.from(b64, 'base64') as Uint8Array<ArrayBuffer>
const proofs = (m: SigMap): pb.Proof[] =>
  origins(m).map((origin) => ({ origin, proof: proofBytes(m[origin]!) }))

function lwwToPb(r: LwwRecord): pb.Lww {
  return {
    wall: r.hlc.wall,
    logical: r.hlc.logical,
    origin: r.origin,
    seq: r.dots[r.origin] ?? 0,
    value: r.value === null ? undefined : (utf8.encode(canonicalJson(r.value)) as Uint8Array<ArrayBuffer>),
    proof: proofBytes(r.sig),
  }
}

function setToPb(r: SetRecord): pb.AddRemoveSet {
  return {
    adds: seqs(r.adds),
    removed: seqs(r.removed),
    dots: seqs(r.dots),
    proofs: proofs(r.sigs),
    removals: origins(r.rsigs).map((adder) => {
      const [remover, sig] = r.rsigs[adder]!
      return { adder, remover, proof: proofBytes(sig) }
    }),
  }
}

function counterToPb(r: CounterRecord): pb.Counter {
  return { p: seqs(r.p), n: seqs(r.n), dots: seqs(r.dots), proofs: proofs(r.sigs) }
}

export function entryToPb(id: string, r: CrdtRecord): pb.Entry {
  if (r.t === 'lww') return { id, lww: lwwToPb(r) }
  if (r.t === 'set') return { id, set: setToPb(r) }
  return { id, counter: counterToPb(r) }
}

/** One record under its id, as it travels and is stored: canonical bytes. */
export function encodeEntry(id: string, r: CrdtRecord): Uint8Array<ArrayBuffer> {
  return pb.Entry.encode(entryToPb(id, r))
}

/** One gossiped write; a register's dot is its own and is left out. */
export function encodeDelta(d: Delta): Uint8Array {
  const own =
    d.record.t === 'lww' && d.record.origin === d.dot.origin && d.record.dots[d.dot.origin] === d.dot.seq
  return pb.Delta.encode({
    entry: entryToPb(d.id, d.record),
    ...(own ? {} : { dotOrigin: d.dot.origin, dotSeq: d.dot.seq }),
  })
}

// ---- decoding -------------------------------------------------------------------------------

/**
 * Origins seen, each held once: a decoded record's origin is otherwise a string of its own, and
 * a state of 100,000 records from a few writers held 100,000 copies. Bounded like a replica's
 * origins (cleared when full: only sharing is lost).
 */
const ORIGINS = new Map<string, string>()

function origin(o: string, what: string): string {
  const known = ORIGINS.get(o)
  if (known !== undefined) return known
  if (!ORIGIN_RE.test(o)) bad(`${what} origin must be a peer id`)
  if (ORIGINS.size >= MAX_VV_ORIGINS) ORIGINS.clear()
  ORIGINS.set(o, o)
  return o
}

function int(n: number, min: number, max: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < min || n > max) bad(`${what} must be an integer from ${min} to ${max}`)
  return n
}

/** A map from repeated entries: each origin once. Keys pass ORIGIN_RE, so never '__proto__'. */
function seqMap(list: pb.Seq[], min: number, what: string, max = MAX_SEQ): SeqMap {
  const m: Record<string, number> = {}
  for (const e of list) {
    const o = origin(e.origin, what)
    if (Object.hasOwn(m, o)) bad(`${what} names ${o} twice`)
    m[o] = int(e.seq, min, max, what)
  }
  return m
}

function proof(bytes: Uint8Array, what: string): string {
  if (!isProofBytes(bytes)) bad(`${what} must be a 64-byte signature or a batch proof`)
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

function proofMap(list: pb.Proof[], what: string): SigMap {
  const m: Record<string, string> = {}
  for (const e of list) {
    const o = origin(e.origin, what)
    if (Object.hasOwn(m, o)) bad(`${what} names ${o} twice`)
    m[o] = proof(e.proof, what)
  }
  return m
}

function value(bytes: Uint8Array | undefined): JsonValue | null {
  if (bytes === undefined) return null
  if (bytes.length > MAX_VALUE_BYTES) bad(`value must be at most ${MAX_VALUE_BYTES} bytes`)
  let v: unknown
  try {
    v = JSON.parse(strictUtf8.decode(bytes))
  } catch {
    return bad('value must be UTF-8 JSON')
  }
  // A tombstone has no value: null written out would be a second encoding of the same record.
  if (v === null) bad('a tombstone carries no value')
  const p = valueProblem(v)
  if (p !== undefined) bad(p)
  return v as JsonValue
}

function lwwFromPb(l: pb.Lww): LwwRecord {
  const o = origin(l.origin, 'lww')
  return {
    t: 'lww',
    hlc: {
      wall: int(l.wall, 0, MAX_HLC_WALL, 'hlc wall'),
      logical: int(l.logical, 0, MAX_HLC_LOGICAL, 'hlc logical'),
    },
    origin: o,
    value: value(l.value),
    dots: { [o]: int(l.seq, 1, MAX_SEQ, 'lww seq') },
    sig: proof(l.proof, 'lww proof'),
  }
}

function setFromPb(s: pb.AddRemoveSet): SetRecord {
  const rsigs: Record<string, readonly [string, string]> = {}
  for (const e of s.removals) {
    const x = origin(e.adder, 'removal')
    if (Object.hasOwn(rsigs, x)) bad(`removals name ${x} twice`)
    rsigs[x] = [origin(e.remover, 'remover'), proof(e.proof, 'removal proof')]
  }
  return {
    t: 'set',
    adds: seqMap(s.adds, 1, 'adds'),
    removed: seqMap(s.removed, 1, 'removed'),
    dots: seqMap(s.dots, 1, 'dots'),
    sigs: proofMap(s.proofs, 'proofs'),
    rsigs,
  }
}

function counterFromPb(c: pb.Counter): CounterRecord {
  return {
    t: 'counter',
    p: seqMap(c.p, 0, 'p', MAX_COUNTER_TOTAL),
    n: seqMap(c.n, 0, 'n', MAX_COUNTER_TOTAL),
    dots: seqMap(c.dots, 1, 'dots'),
    sigs: proofMap(c.proofs, 'proofs'),
  }
}

/** A decoded entry checked in full: shape, bounds and the cross-field rules (entryProblem). */
export function entryFromPb(e: pb.Entry): [string, CrdtRecord] {
  const kinds = Number(e.lww !== undefined) + Number(e.set !== undefined) + Number(e.counter !== undefined)
  if (kinds !== 1) bad('an entry holds exactly one of lww, set and counter')
  const r: CrdtRecord =
    e.lww !== undefined
      ? lwwFromPb(e.lww)
      : e.set !== undefined
        ? setFromPb(e.set)
        : counterFromPb(e.counter!)
  if (r.t !== 'lww' && Object.keys(r.dots).length === 0) bad('dots must not be empty')
  const p = entryProblem(e.id, r)
  if (p !== undefined) bad(p)
  return [e.id, r]
}

/** Runs a protons decode; its errors (truncated, too many elements, bad wire type) are ours. */
export function pbDecode<T>(decode: () => T, what: string): T {
  try {
    return decode()
  } catch (err) {
    if (err instanceof InvalidInputError) throw err
    throw new InvalidInputError(`invalid ${what}: ${(err as Error).message}`)
  }
}

/** One entry from its bytes (encodeEntry's inverse). */
export function decodeEntry(bytes: Uint8Array): [string, CrdtRecord] {
  return entryFromPb(pbDecode(() => pb.Entry.decode(bytes, { limits: ENTRY_LIMITS }), 'record'))
}

export function deltaFromPb(d: pb.Delta): Delta {
  if (d.entry === undefined) bad('a delta carries its entry')
  const [id, record] = entryFromPb(d.entry!)
  let dot: Delta['dot']
  if (d.dotOrigin === undefined && d.dotSeq === undefined) {
    if (record.t !== 'lww') bad('a set or counter delta carries its dot')
    dot = { origin: (record as LwwRecord).origin, seq: record.dots[(record as LwwRecord).origin]! }
  } else {
    dot = { origin: origin(d.dotOrigin ?? '', 'dot'), seq: int(d.dotSeq ?? 0, 1, MAX_SEQ, 'dot seq') }
    if (!Object.hasOwn(record.dots, dot.origin) || record.dots[dot.origin]! < dot.seq)
      bad('delta record does not contain its own dot')
  }
  return { id, record, dot }
}

export const DELTA_LIMITS = { entry: ENTRY_LIMITS }
