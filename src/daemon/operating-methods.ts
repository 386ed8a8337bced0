// Operating the running agent: `monitor` streams its log lines to an admin client at a level of the
// client's choosing; `reload` re-reads the config as SIGHUP does and says what needs a restart.
import { z } from 'zod'
import { defineMethod, type MethodRegistry } from '../admin/methods.js'
import type { LogHub } from '../util/log-hub.js'
import type { ReloadResult } from './reload.js'
import { LOG_LEVELS, type LogLevel } from '../util/log.js'

export function monitorMethods(logs: LogHub): MethodRegistry {
  return {
    monitor: defineMethod({
      params: z.object({ level: z.enum(LOG_LEVELS as [LogLevel, ...LogLevel[]]).optional() }).strict(),
      // Streams `log` notifications (one structured line each) until the client disconnects.
      handler: (p, ctx) =>
        new Promise((resolve) => {
          const off = logs.subscribe(p.level ?? 'info', (line) => ctx.notify('log', JSON.parse(line)))
          ctx.onClose(() => {
            off()
            resolve({ ok: true })
          })
        }),
    }),
  }
}

export function reloadMethods(reload: () => ReloadResult): MethodRegistry {
  return {
    reload: defineMethod({
      params: z.object({}).strict(),
      handler: (): ReloadResult => reload(),
    }),
  }
}
