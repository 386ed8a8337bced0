// Public surface of the replicated state. Import from here rather than from individual files.
export type { Change } from './changes.js'
export {
  type DeltaBatch,
  decodeMessage,
  encodeDeltaFrames,
  encodeMessage,
  FORMAT_VERSION,
  MAX_DELTAS_PER_FRAME,
  MAX_FRAME_BYTES,
  type Message,
} from './codec.js'
export { compareHlc, type Hlc, HybridClock } from './hlc.js'
export { counterId, kvId, type ParsedId, parseId, setId } from './ids.js'
export { canonicalJson, type JsonValue } from './json.js'
export {
  DEFAULT_MAX_FUTURE_MS,
  DEFAULT_MAX_RECORDS,
  DEFAULT_TOMBSTONE_HORIZON_MS,
  MAX_COUNTER_TOTAL,
  MAX_ELEMENTS_PER_WRITE,
  MAX_NAME_BYTES,
  MAX_ORIGINS_PER_RECORD,
  MAX_PENDING_PER_ORIGIN,
  MAX_SEQ,
  MAX_VALUE_BYTES,
  MAX_VALUE_DEPTH,
  MAX_VV_ORIGINS,
  ORIGIN_RE,
} from './limits.js'
export { fieldSize, frame, packItems, readFrame, repeatedField } from './pb-frame.js'
export { decodeEntry, encodeDelta, encodeEntry, pbDecode } from './record-wire.js'
export type {
  CounterRecord,
  CrdtRecord,
  Delta,
  Dot,
  LwwRecord,
  SeqMap,
  SetRecord,
  VersionVector,
} from './records.js'
export { FLOOR_LIFT, Replica } from './replica.js'
export {
  entrySchema,
  originSchema,
  parseDelta,
  parseEntry,
  parseOrThrow,
  parseVersionVector,
  vvSchema,
} from './schemas.js'
export type { ReplicaStats } from './views.js'
export type { ReplicaOptions, WriteResult } from './writes.js'
