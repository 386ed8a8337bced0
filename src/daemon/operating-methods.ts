// Operating the running agent: `monitor` streams its log lines to an admin client at a level of the
// client's choosing; `reload` re-reads the config as SIGHUP does and says what needs a restart.
import type { MethodRegistry } from '../admin/methods.js'
import { implement, type ReloadResult } from '../api/index.js'
import type { LogHub } from '../util/log-hub.js'
import { stream } from './streams.js'

export function monitorMethods(logs: LogHub): MethodRegistry {
  return {
    monitor: implement('monitor', (p, ctx) =>
      stream(ctx, (emit) => logs.subscribe(p.level ?? 'info', (line) => emit('log', JSON.parse(line)))),
    ),
  }
}

export function reloadMethods(reload: () => ReloadResult): MethodRegistry {
  return { reload: implement('reload', () => reload()) }
}
