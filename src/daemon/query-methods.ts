// Admin method for queries: `query` streams each ack and answer as a `response` notification and
// answers with the counts at the deadline (or when the client goes away).
import type { MethodRegistry } from '../admin/methods.js'
import { implement } from '../api/index.js'
import type { Queries } from './queries.js'

export function queryMethods(
  queries: Queries,
  nameOf: (peerId: string) => string | undefined,
): MethodRegistry {
  return {
    query: implement('query', (p, ctx) =>
      queries.run(p, (r) => ctx.notify('response', { ...r, fromName: nameOf(r.from) ?? null }), ctx.signal),
    ),
  }
}
