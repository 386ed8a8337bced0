// Public surface of anti-entropy sessions.
export { type MemoryChannel, memoryDuplexPair } from './memory-duplex.js'
export {
  DEFAULT_SYNC_LIMITS,
  type FrameChannel,
  runSyncInitiator,
  runSyncResponder,
  type SendFrame,
  type SyncLimits,
  type SyncResult,
} from './session.js'
export { SyncScheduler, type SyncSchedulerOptions, syncFanout } from './scheduler.js'
