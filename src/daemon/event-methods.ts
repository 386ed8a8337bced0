// Admin methods for user events: `event` broadcasts one, `events` streams them as they arrive.
import { z } from 'zod'
import { defineMethod, type MethodRegistry } from '../admin/methods.js'
import { eventNameSchema, type UserEvent, type UserEvents } from '../events/user-events.js'

export function eventMethods(
  events: UserEvents,
  nameOf: (peerId: string) => string | undefined,
): MethodRegistry {
  const view = (e: UserEvent) => ({ ...e, originName: nameOf(e.origin) ?? null })
  return {
    event: defineMethod({
      // Checked again by publish(), which gives the limits their own error codes.
      params: z.object({ name: z.string(), payload: z.string().optional() }).strict(),
      handler: (p) => events.publish(p.name, p.payload ?? ''),
    }),
    events: defineMethod({
      params: z.object({ name: eventNameSchema.optional() }).strict(),
      // Streams `event` notifications until the client disconnects; never answers on its own.
      handler: (p, ctx) =>
        new Promise((resolve) => {
          const off = events.subscribe(p.name, (e) => ctx.notify('event', view(e)))
          ctx.onClose(() => {
            off()
            resolve({ ok: true })
          })
        }),
    }),
  }
}
