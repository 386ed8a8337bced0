// Admin methods over the replicated state: kv, set, counter, and the `watch` subscription.
import { z } from 'zod'
import type { Change, JsonValue } from '../crdt/index.js'
import { method } from './spec.js'

// Sizes are checked by the CRDT layer, which names the limit; here only shapes.
const name = z.string()
const json: z.ZodType<unknown> = z.unknown().refine((v) => v !== undefined, 'value is required')
const amount = z.number().int().positive().max(Number.MAX_SAFE_INTEGER)
const elements = z.array(z.string()).min(1)

export const kvSet = method<{ ok: true }>()(z.object({ key: name, value: json }).strict())
export const kvGet = method<{ value: JsonValue }>()(z.object({ key: name }).strict())
export const kvDel = method<{ deleted: boolean }>()(z.object({ key: name }).strict())
export const kvList = method<{ entries: Array<{ key: string; value: JsonValue }> }>()(
  z.object({ prefix: z.string().optional() }).strict(),
)
export const setAdd = method<{ ok: true }>()(z.object({ name, elements }).strict())
export const setRm = method<{ ok: true }>()(z.object({ name, elements }).strict())
export const setMembers = method<{ elements: string[] }>()(z.object({ name }).strict())
export const setList = method<{ sets: Array<{ name: string; size: number }> }>()(
  z.object({ prefix: z.string().optional() }).strict(),
)
export const counterIncr = method<{ value: number }>()(z.object({ name, amount: amount.default(1) }).strict())
export const counterDecr = method<{ value: number }>()(z.object({ name, amount: amount.default(1) }).strict())
export const counterGet = method<{ value: number }>()(z.object({ name }).strict())
export const counterList = method<{ counters: Array<{ name: string; value: number }> }>()(
  z.object({ prefix: z.string().optional() }).strict(),
)
export const watch = method<{ ok: true }>()(z.object({ prefix: z.string().optional() }).strict(), 'change')
export type WatchNotification = Change
