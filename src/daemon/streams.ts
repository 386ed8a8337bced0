// Subscription methods (watch, events, monitor): notifications until the client disconnects,
// then one answer. Never answers on its own.
import type { CallContext } from '../admin/methods.js'

export function stream(
  ctx: CallContext,
  subscribe: (emit: (method: string, params: unknown) => void) => () => void,
): Promise<{ ok: true }> {
  return new Promise((resolve) => {
    const off = subscribe((method, params) => ctx.notify(method, params))
    ctx.onClose(() => {
      off()
      resolve({ ok: true })
    })
  })
}
