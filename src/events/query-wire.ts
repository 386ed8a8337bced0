// The wire of query responses (/murmur/query/1.0.0): one length-prefixed frame per stream, from a
// member straight to the query's origin. A frame is
//   version (1) | kind (1: ack, 2: answer) | query id (8) | payload length (u16 BE) | payload | signature (64)
// and the signature is the responder's Ed25519 signature of responseBody(): the kind, the query id,
// the origin's and the responder's peer ids and the payload, so an answer cannot be replayed to
// another query, another origin, or under another member's name.
import { InvalidInputError } from '../errors.js'
import { MAX_ANSWER_BYTES } from './query.js'

export const QUERY_PROTOCOL = '/murmur/query/1.0.0'
export const QUERY_WIRE_VERSION = 1
export const QUERY_SIGNATURE_BYTES = 64
const HEADER_BYTES = 1 + 1 + 8 + 2
/** The largest frame: header, the largest answer, the signature. */
export const MAX_QUERY_FRAME_BYTES = HEADER_BYTES + MAX_ANSWER_BYTES + QUERY_SIGNATURE_BYTES

const KINDS = { ack: 1, answer: 2 } as const
export type ResponseKind = keyof typeof KINDS

export interface ResponseFrame {
  kind: ResponseKind
  /** 16 hex digits. */
  id: string
  payload: Uint8Array
  sig: Uint8Array
}

const DOMAIN = new TextEncoder().encode('murmur/query-response/1\0')
const utf8 = new TextEncoder()

/** What a responder signs. Peer ids hold no NUL, so the NUL-separated fields cannot run together. */
export function responseBody(
  kind: ResponseKind,
  id: string,
  origin: string,
  responder: string,
  payload: Uint8Array,
): Uint8Array {
  return Buffer.concat([
    DOMAIN,
    Uint8Array.of(KINDS[kind]),
    Buffer.from(id, 'hex'),
    utf8.encode(`${origin}\0${responder}\0`),
    payload,
  ])
}

export function encodeResponse(f: ResponseFrame): Uint8Array {
  if (!/^[0-9a-f]{16}$/.test(f.id)) throw new InvalidInputError(`query id '${f.id}' is not 16 hex digits`)
  if (f.kind === 'ack' && f.payload.length > 0) throw new InvalidInputError('an ack carries no payload')
  if (f.payload.length > MAX_ANSWER_BYTES)
    throw new InvalidInputError(`answer is ${f.payload.length} bytes; the limit is ${MAX_ANSWER_BYTES}`)
  if (f.sig.length !== QUERY_SIGNATURE_BYTES) throw new InvalidInputError('signature is not 64 bytes')
  const out = new Uint8Array(HEADER_BYTES + f.payload.length + QUERY_SIGNATURE_BYTES)
  out[0] = QUERY_WIRE_VERSION
  out[1] = KINDS[f.kind]
  out.set(Buffer.from(f.id, 'hex'), 2)
  out[10] = f.payload.length >> 8
  out[11] = f.payload.length & 0xff
  out.set(f.payload, HEADER_BYTES)
  out.set(f.sig, HEADER_BYTES + f.payload.length)
  return out
}

/** Parses one frame; throws InvalidInputError on anything but a well-formed response. */
export function decodeResponse(bytes: Uint8Array): ResponseFrame {
  if (bytes.length < HEADER_BYTES + QUERY_SIGNATURE_BYTES)
    throw new InvalidInputError(`query response of ${bytes.length} bytes is too short`)
  if (bytes[0] !== QUERY_WIRE_VERSION)
    throw new InvalidInputError(`query wire version ${bytes[0]} is not ${QUERY_WIRE_VERSION}`)
  const kind = bytes[1] === KINDS.ack ? 'ack' : bytes[1] === KINDS.answer ? 'answer' : undefined
  if (kind === undefined) throw new InvalidInputError(`unknown query response kind ${bytes[1]}`)
  const len = (bytes[10]! << 8) | bytes[11]!
  if (len > MAX_ANSWER_BYTES)
    throw new InvalidInputError(`answer is ${len} bytes; the limit is ${MAX_ANSWER_BYTES}`)
  if (kind === 'ack' && len > 0) throw new InvalidInputError('an ack carries no payload')
  if (bytes.length !== HEADER_BYTES + len + QUERY_SIGNATURE_BYTES)
    throw new InvalidInputError(`query response is ${bytes.length} bytes, not ${HEADER_BYTES + len + 64}`)
  return {
    kind,
    id: Buffer.from(bytes.subarray(2, 10)).toString('hex'),
    payload: bytes.slice(HEADER_BYTES, HEADER_BYTES + len),
    sig: bytes.slice(HEADER_BYTES + len),
  }
}
