// Admin methods for user events: `event` broadcasts one, `events` streams them.
import { z } from 'zod'
import { eventNameSchema, type UserEvent } from '../events/user-events.js'
import { method } from './spec.js'

// The name and payload are checked again by publish(), which gives the limits their own codes.
export const event = method<{ id: string; recipients: number }>()(
  z.object({ name: z.string(), payload: z.string().optional() }).strict(),
)
export const events = method<{ ok: true }>()(z.object({ name: eventNameSchema.optional() }).strict(), 'event')
export type EventNotification = UserEvent & { originName: string | null }
