// Admin methods over the replicated state: kv, set, counter, and the `watch` subscription.
import type { MethodRegistry } from '../admin/methods.js'
import { implement } from '../api/index.js'
import { NotFoundError } from '../errors.js'
import type { StateService } from '../gossip/state-service.js'
import type { JsonValue } from '../crdt/index.js'
import { stream } from './streams.js'

export function stateMethods(state: StateService): MethodRegistry {
  return {
    'kv.set': implement('kv.set', async (p) => {
      await state.kvSet(p.key, p.value as JsonValue)
      return { ok: true as const }
    }),
    'kv.get': implement('kv.get', (p) => {
      const value = state.kvGet(p.key)
      if (value === undefined) throw new NotFoundError(`key '${p.key}' not found`)
      return { value }
    }),
    'kv.del': implement('kv.del', async (p) => ({ deleted: await state.kvDel(p.key) })),
    'kv.list': implement('kv.list', (p) => ({ entries: state.kvList(p.prefix) })),
    'set.add': implement('set.add', async (p) => {
      await state.setAdd(p.name, p.elements)
      return { ok: true as const }
    }),
    'set.rm': implement('set.rm', async (p) => {
      await state.setRemove(p.name, p.elements)
      return { ok: true as const }
    }),
    'set.members': implement('set.members', (p) => ({ elements: state.setMembers(p.name) })),
    'set.list': implement('set.list', (p) => ({ sets: state.setList(p.prefix) })),
    'counter.incr': implement('counter.incr', async (p) => ({
      value: await state.counterAdd(p.name, p.amount),
    })),
    'counter.decr': implement('counter.decr', async (p) => ({
      value: await state.counterAdd(p.name, -p.amount),
    })),
    'counter.get': implement('counter.get', (p) => ({ value: state.counterGet(p.name) })),
    'counter.list': implement('counter.list', (p) => ({ counters: state.counterList(p.prefix) })),
    watch: implement('watch', (p, ctx) =>
      stream(ctx, (emit) => state.watch(p.prefix, (change) => emit('change', change))),
    ),
  }
}
