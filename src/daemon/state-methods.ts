// Admin methods over the replicated state: kv, set, counter, and the `watch` subscription.
import { z } from 'zod'
import { defineMethod, type MethodRegistry } from '../admin/methods.js'
import { NotFoundError } from '../errors.js'
import type { StateService } from '../gossip/state-service.js'

// Sizes are checked by the CRDT layer, which names the limit; here only shapes.
const name = z.string()
const json: z.ZodType<unknown> = z.unknown().refine((v) => v !== undefined, 'value is required')
const amount = z.number().int().positive().max(Number.MAX_SAFE_INTEGER)

export function stateMethods(state: StateService): MethodRegistry {
  return {
    'kv.set': defineMethod({
      params: z.object({ key: name, value: json }).strict(),
      handler: async (p) => {
        await state.kvSet(p.key, p.value)
        return { ok: true }
      },
    }),
    'kv.get': defineMethod({
      params: z.object({ key: name }).strict(),
      handler: (p) => {
        const value = state.kvGet(p.key)
        if (value === undefined) throw new NotFoundError(`key '${p.key}' not found`)
        return { value }
      },
    }),
    'kv.del': defineMethod({
      params: z.object({ key: name }).strict(),
      handler: async (p) => ({ deleted: await state.kvDel(p.key) }),
    }),
    'kv.list': defineMethod({
      params: z.object({ prefix: z.string().optional() }).strict(),
      handler: (p) => ({ entries: state.kvList(p.prefix) }),
    }),
    'set.add': defineMethod({
      params: z.object({ name, elements: z.array(z.string()).min(1) }).strict(),
      handler: async (p) => {
        await state.setAdd(p.name, p.elements)
        return { ok: true }
      },
    }),
    'set.rm': defineMethod({
      params: z.object({ name, elements: z.array(z.string()).min(1) }).strict(),
      handler: async (p) => {
        await state.setRemove(p.name, p.elements)
        return { ok: true }
      },
    }),
    'set.members': defineMethod({
      params: z.object({ name }).strict(),
      handler: (p) => ({ elements: state.setMembers(p.name) }),
    }),
    'counter.incr': defineMethod({
      params: z.object({ name, amount: amount.default(1) }).strict(),
      handler: async (p) => ({ value: await state.counterAdd(p.name, p.amount) }),
    }),
    'counter.decr': defineMethod({
      params: z.object({ name, amount: amount.default(1) }).strict(),
      handler: async (p) => ({ value: await state.counterAdd(p.name, -p.amount) }),
    }),
    'counter.get': defineMethod({
      params: z.object({ name }).strict(),
      handler: (p) => ({ value: state.counterGet(p.name) }),
    }),
    watch: defineMethod({
      params: z.object({ prefix: z.string().optional() }).strict(),
      // Streams `change` notifications until the client disconnects; never answers on its own.
      handler: (p, ctx) =>
        new Promise((resolve) => {
          const off = state.watch(p.prefix, (change) => ctx.notify('change', change))
          ctx.onClose(() => {
            off()
            resolve({ ok: true })
          })
        }),
    }),
  }
}
