// The admin API: every method's params schema and result type in one table. The daemon
// implements it (implement()), the CLI and other clients call it (callApi()), and a test checks
// docs/admin-protocol.md against it.
import type { z } from 'zod'
import type { AdminClient, CallOptions } from '../admin/client.js'
import { type CallContext, defineMethod, type MethodDef } from '../admin/methods.js'
import type { EventNotification, QueryNotification } from './events.js'
import * as events from './events.js'
import * as keys from './keys.js'
import * as mesh from './membership.js'
import * as operating from './operating.js'
import * as snapshot from './snapshot.js'
import type { MethodSpec } from './spec.js'
import type { WatchNotification } from './state.js'
import * as state from './state.js'

export const API = {
  info: mesh.info,
  members: mesh.members,
  join: mesh.join,
  leave: mesh.leave,
  'tags.set': mesh.tagsSet,
  'tags.del': mesh.tagsDel,
  'tags.reset': mesh.tagsReset,
  'force-leave': mesh.forceLeave,
  rtt: mesh.rtt,
  'kv.set': state.kvSet,
  'kv.get': state.kvGet,
  'kv.del': state.kvDel,
  'kv.list': state.kvList,
  'set.add': state.setAdd,
  'set.rm': state.setRm,
  'set.members': state.setMembers,
  'set.list': state.setList,
  'counter.incr': state.counterIncr,
  'counter.decr': state.counterDecr,
  'counter.get': state.counterGet,
  'counter.list': state.counterList,
  watch: state.watch,
  event: events.event,
  events: events.events,
  query: events.query,
  monitor: operating.monitor,
  reload: operating.reload,
  'snapshot.save': snapshot.snapshotSave,
  'keys.list': keys.keysList,
  'keys.install': keys.keysInstall,
  'keys.use': keys.keysUse,
  'keys.remove': keys.keysRemove,
} as const

export type ApiMethod = keyof typeof API
type Spec<M extends ApiMethod> = (typeof API)[M]
export type ApiParams<M extends ApiMethod> = z.input<Spec<M>['params']>
export type ApiResult<M extends ApiMethod> = Spec<M> extends MethodSpec<z.ZodType, infer R> ? R : never

/** Calls `method` on the agent, typed by the table above. */
export function callApi<M extends ApiMethod>(
  client: AdminClient,
  method: M,
  params: ApiParams<M>,
  options?: CallOptions,
): Promise<ApiResult<M>> {
  return client.call<ApiResult<M>>(method, params, options)
}

/** The server side of `method`: its schema from the table, a handler typed by it. */
export function implement<M extends ApiMethod>(
  method: M,
  handler: (params: z.output<Spec<M>['params']>, ctx: CallContext) => ApiResult<M> | Promise<ApiResult<M>>,
): MethodDef {
  return defineMethod({ params: API[method].params as Spec<M>['params'], handler }) as MethodDef
}

/** What each subscription method streams, by method. */
export interface ApiNotifications {
  watch: WatchNotification
  events: EventNotification
  query: QueryNotification
  monitor: LogLine
}
/** One structured log line, as the agent writes it. */
export type LogLine = { time: string; level: string; component: string; msg: string } & Record<
  string,
  unknown
>

/** Subscribes to `method`: `onNote` gets each notification, typed; resolves when the stream ends. */
export function subscribeApi<M extends keyof ApiNotifications>(
  client: AdminClient,
  method: M,
  params: ApiParams<M>,
  onNote: (note: ApiNotifications[M]) => void,
): Promise<unknown> {
  return client.subscribe(method, params, (_m, note) => onNote(note as ApiNotifications[M])).done
}

export type { EventNotification, QueryNotification } from './events.js'
export type { KeysFailure, KeysListResult, KeysOpResult } from './keys.js'
export type { ReloadResult } from './operating.js'
export type * from './results.js'
export type { SnapshotSaveResult } from './snapshot.js'
export type { WatchNotification } from './state.js'
