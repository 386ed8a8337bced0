// Admin methods for user events and queries: `event` broadcasts one, `events` streams them as they
// arrive, `query` asks the matching members and streams their acks and answers until its deadline.
import { z } from 'zod'
import {
  MAX_QUERY_TIMEOUT_MS,
  MIN_QUERY_TIMEOUT_MS,
  type QueryResponse,
  type QuerySummary,
  queryFilterSchema,
} from '../events/query.js'
import { eventNameSchema, type UserEvent } from '../events/user-events.js'
import { method } from './spec.js'

// The name and payload are checked again by publish(), which gives the limits their own codes.
export const event = method<{ id: string; recipients: number }>()(
  z.object({ name: z.string(), payload: z.string().optional() }).strict(),
)
export const events = method<{ ok: true }>()(z.object({ name: eventNameSchema.optional() }).strict(), 'event')
export type EventNotification = UserEvent & { originName: string | null }

// The payload's limit is checked when the request is encoded (TOO_LARGE), the patterns when they
// are compiled (INVALID_INPUT naming the one that does not).
export const query = method<QuerySummary & { recipients: number }>()(
  queryFilterSchema.extend({
    name: eventNameSchema,
    payload: z.string().optional(),
    timeoutMs: z.int().min(MIN_QUERY_TIMEOUT_MS).max(MAX_QUERY_TIMEOUT_MS).optional(),
  }),
  'response',
)
/** An ack or an answer, with the responder's member name as this agent knows it. */
export type QueryNotification = QueryResponse & { fromName: string | null }
