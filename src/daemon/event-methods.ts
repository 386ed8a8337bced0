// Admin methods for user events: `event` broadcasts one, `events` streams them as they arrive.
import type { MethodRegistry } from '../admin/methods.js'
import { implement } from '../api/index.js'
import type { UserEvents } from '../events/user-events.js'
import { stream } from './streams.js'

export function eventMethods(
  events: UserEvents,
  nameOf: (peerId: string) => string | undefined,
): MethodRegistry {
  return {
    event: implement('event', (p) => events.publish(p.name, p.payload ?? '')),
    events: implement('events', (p, ctx) =>
      stream(ctx, (emit) =>
        events.subscribe(p.name, (e) => emit('event', { ...e, originName: nameOf(e.origin) ?? null })),
      ),
    ),
  }
}
