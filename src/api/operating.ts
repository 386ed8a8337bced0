// Admin methods for operating the agent: `monitor` streams its log lines, `reload` re-reads its config.
import { z } from 'zod'
import { LOG_LEVELS, type LogLevel } from '../util/log.js'
import { method } from './spec.js'

export interface ReloadResult {
  applied: string[]
  needsRestart: string[]
  /** Tag keys whose value (or absence) comes from `murmur tags`, kept over the config file's. */
  runtimeTags?: string[]
  /**
   * The keyring file that holds this agent's swarm keys, when the config's swarm key changed: the
   * keyring wins over the file (it only seeds a first keyring), so that change never applies.
   */
  keyring?: string
}

export const monitor = method<{ ok: true }>()(
  z.object({ level: z.enum(LOG_LEVELS as [LogLevel, ...LogLevel[]]).optional() }).strict(),
  'log',
)
export const reload = method<ReloadResult>()(z.object({}).strict())
