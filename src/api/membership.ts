// Admin methods about the mesh: info, members, join, leave, tags.
import { z } from 'zod'
import { memberFilterSchema, tagsSchema } from '../membership/index.js'
import type { InfoResult, MemberView, RttResult } from './results.js'
import { method } from './spec.js'

export const info = method<InfoResult>()(z.object({}).strict())
export const members = method<{ members: MemberView[] }>()(memberFilterSchema)
export const join = method<{
  reached: number
  failed: Array<{ addr: string; error: string }>
  /** Nobody answered and the agent, alone, keeps retrying in the background (`info.join`). */
  retrying?: boolean
}>()(z.object({ addrs: z.array(z.string().min(1).max(1024)).min(1).max(64) }).strict())
export const leave = method<{ ok: true }>()(z.object({}).strict())
export const tagsSet = method<{ tags: Record<string, string> }>()(z.object({ tags: tagsSchema }).strict())
export const tagsDel = method<{ tags: Record<string, string> }>()(
  z.object({ keys: z.array(z.string().min(1)).min(1).max(64) }).strict(),
)
export const tagsReset = method<{ tags: Record<string, string> }>()(z.object({}).strict())
const memberRef = z.string().min(1).max(256)
export const rtt = method<RttResult>()(z.object({ a: memberRef, b: memberRef.optional() }).strict())
export const forceLeave = method<{
  id: string
  name: string
  outcome: 'left' | 'pruned'
  recipients: number
}>()(z.object({ member: z.string().min(1).max(256), prune: z.boolean().optional() }).strict())
