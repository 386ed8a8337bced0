// Public surface of anti-entropy sessions.
export { type MemoryChannel, memoryDuplexPair } from './memory-duplex.js'
export { FINAL, FP, IDS, type Range, Reconciler, SKIP, type VersionEntry, VersionSet } from './ranges.js'
export { SyncScheduler, type SyncSchedulerOptions, syncFanout } from './scheduler.js'
export {
  DEFAULT_SYNC_LIMITS,
  type FrameChannel,
  MAX_ENTRIES_RECEIVED,
  MAX_ROUNDS,
  runSyncInitiator,
  runSyncResponder,
  type SendFrame,
  type SyncLimits,
  type SyncResult,
} from './session.js'
export {
  decodeSyncMessage,
  encodeRangeFrames,
  encodeSyncMessage,
  encodeSyncResponseFrames,
  MAX_RECORDS_PER_FRAME,
  SYNC_WIRE_VERSION,
  type SyncMessage,
  syncResponseFrames,
} from './wire.js'
