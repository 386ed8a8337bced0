// Gossip codec. A frame is one format-version byte (FORMAT_VERSION) followed by a DeltaFrame of
// pb/records.proto: the deltas, each one write's record and dot. Decoding validates everything
// and throws InvalidInputError; it never returns partly-valid data.
import { TooLargeError } from '../errors.js'
import * as pb from './pb/records.js'
import { frame, packItems, readFrame, repeatedField } from './pb-frame.js'
import { DELTA_LIMITS, deltaFromPb, encodeDelta, pbDecode } from './record-wire.js'
import type { Delta } from './records.js'

/** 4: binary records (protobuf); 3 was JSON. */
export const FORMAT_VERSION = 4
/** No frame, in either direction, is larger than this (version byte included). */
export const MAX_FRAME_BYTES = 1024 * 1024
export const MAX_DELTAS_PER_FRAME = 4096

export interface DeltaBatch {
  type: 'delta'
  deltas: Delta[]
}
export type Message = DeltaBatch

const FRAME_LIMITS = { deltas: MAX_DELTAS_PER_FRAME, deltas$: DELTA_LIMITS }

/** Encodes one message as one frame; TooLargeError if it does not fit. */
export function encodeMessage(msg: Message, maxBytes = MAX_FRAME_BYTES): Uint8Array {
  return frame(repeatedField(1, msg.deltas.map(encodeDelta)), maxBytes, FORMAT_VERSION)
}

export function decodeMessage(bytes: Uint8Array, maxBytes = MAX_FRAME_BYTES): Message {
  const body = readFrame(bytes, maxBytes, FORMAT_VERSION)
  const f = pbDecode(() => pb.DeltaFrame.decode(body, { limits: FRAME_LIMITS }), 'message')
  return { type: 'delta', deltas: f.deltas.map(deltaFromPb) }
}

/** Deltas split into frames of at most maxBytes; no frames for no deltas. */
export function encodeDeltaFrames(deltas: readonly Delta[], maxBytes = MAX_FRAME_BYTES): Uint8Array[] {
  if (deltas.length === 0) return []
  const out: Uint8Array[] = []
  for (const g of packItems(deltas.map(encodeDelta), maxBytes - 1, MAX_DELTAS_PER_FRAME)) {
    if (g.items.length === 0) throw new TooLargeError('no delta fits in a frame')
    out.push(frame(repeatedField(1, g.items), maxBytes, FORMAT_VERSION))
  }
  return out
}
