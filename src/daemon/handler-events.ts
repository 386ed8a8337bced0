// What each source hands the event handlers (handlers.ts): membership changes as Serf names them,
// user events, and key changes, each with its stdin JSON and its MURMUR_* variables.
import type { Change } from '../crdt/index.js'
import type { UserEvent } from '../events/user-events.js'
import type { MemberEvent, MemberStatus } from '../membership/index.js'
import type { HandlerEvent, MemberHandlerKind } from './handlers.js'

/** Values larger than this go to stdin only, not into the environment. */
const MAX_ENV_VALUE_BYTES = 8192

/**
 * Serf's member events: a member that comes back from dead or left joins again; a suspicion
 * refuted is no event. `prev` is the status the member had before `ev`.
 */
export function memberHandlerEvent(
  ev: MemberEvent,
  prev: MemberStatus | undefined,
): HandlerEvent | undefined {
  const kind: MemberHandlerKind | undefined =
    ev.type === 'join'
      ? 'member-join'
      : ev.type === 'alive'
        ? prev === 'dead' || prev === 'left'
          ? 'member-join'
          : undefined
        : ev.type === 'update'
          ? 'member-update'
          : ev.type === 'dead'
            ? 'member-failed'
            : ev.type === 'leave'
              ? 'member-leave'
              : ev.type === 'reap'
                ? 'member-reap'
                : undefined
  if (kind === undefined) return undefined
  const m = ev.member
  return {
    kind,
    data: {
      member: {
        id: m.id,
        name: m.name,
        status: m.status,
        incarnation: m.incarnation,
        tags: m.tags,
        addrs: m.addrs,
      },
    },
    env: {
      MURMUR_MEMBER_ID: m.id,
      MURMUR_MEMBER_NAME: m.name,
      MURMUR_MEMBER_STATUS: m.status,
      MURMUR_MEMBER_TAGS: Object.entries(m.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    },
  }
}

export function userHandlerEvent(e: UserEvent, originName: string | undefined): HandlerEvent {
  return {
    kind: 'user',
    subject: e.name,
    data: {
      name: e.name,
      payload: e.payload,
      id: e.id,
      origin: e.origin,
      originName: originName ?? null,
      ts: e.ts,
    },
    env: {
      MURMUR_USER_EVENT: e.name,
      MURMUR_USER_PAYLOAD: e.payload,
      MURMUR_EVENT_ID: e.id,
      MURMUR_EVENT_ORIGIN: e.origin,
    },
  }
}

/** Key-value changes only (sets and counters have no handler kind yet). */
export function kvHandlerEvent(c: Change): HandlerEvent | undefined {
  if (c.kind !== 'kv') return undefined
  const value = JSON.stringify(c.value)
  return {
    kind: 'kv',
    subject: c.key,
    data: { key: c.key, value: c.value, origin: c.origin },
    env: {
      MURMUR_KV_KEY: c.key,
      MURMUR_KV_ORIGIN: c.origin,
      ...(Buffer.byteLength(value) <= MAX_ENV_VALUE_BYTES ? { MURMUR_KV_VALUE: value } : {}),
    },
  }
}
