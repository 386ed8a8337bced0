// What each source hands the event handlers (handlers.ts): membership changes as Serf names them,
// user events, and key changes, each with its stdin JSON and its MURMUR_* variables.
import type { Change } from '../crdt/index.js'
import type { UserEvent } from '../events/user-events.js'
import type { MemberEvent, MemberStatus } from '../membership/index.js'
import type { HandlerEvent, MemberHandlerKind } from './handlers.js'

/**
 * Values larger than this go to stdin only, not into the environment (Linux refuses to start a
 * process with one variable over 128 KiB, and peers choose these values).
 */
const MAX_ENV_VALUE_BYTES = 8192

/** `{ [name]: value }`, or nothing when value is over MAX_ENV_VALUE_BYTES. */
const envIfSmall = (name: string, value: string): Record<string, string> =>
  Buffer.byteLength(value) <= MAX_ENV_VALUE_BYTES ? { [name]: value } : {}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it escapes
const TAG_SPECIAL = /[%,=\u0000-\u001f\u007f]/g

/**
 * MURMUR_MEMBER_TAGS, kept for handlers written before MURMUR_MEMBER_TAGS_JSON: `k=v,k=v` with
 * `%`, `,`, `=` and control characters (C0, DEL) inside keys and values percent-escaped (`%2C`),
 * so a tag `role=web,admin=true` cannot read as two. Other text is as it is; tags made of other
 * characters read exactly as before.
 */
export function tagsEnvText(tags: Record<string, string>): string {
  const esc = (s: string) =>
    s.replace(TAG_SPECIAL, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
  return Object.entries(tags)
    .map(([k, v]) => `${esc(k)}=${esc(v)}`)
    .join(',')
}

const MEMBER_KINDS: Partial<Record<MemberEvent['type'], MemberHandlerKind>> = {
  join: 'member-join',
  update: 'member-update',
  dead: 'member-failed',
  leave: 'member-leave',
  reap: 'member-reap',
}

/**
 * Membership events as Serf's handlers see them. A member that comes back from dead or left joins
 * again, while a refuted suspicion is no event, so each member's last status is remembered (until
 * it is reaped). Events about this agent itself are not handed on.
 */
export class MemberHandlerEvents {
  private readonly last = new Map<string, MemberStatus>()

  constructor(private readonly selfId: string) {}

  /** The handler event for `ev`, if any; call for every event, so statuses stay current. */
  next(ev: MemberEvent): HandlerEvent | undefined {
    const id = ev.member.id
    if (id === this.selfId) return undefined
    const prev = this.last.get(id)
    if (ev.type === 'reap') this.last.delete(id)
    else this.last.set(id, ev.member.status)
    const kind =
      ev.type === 'alive'
        ? prev === 'dead' || prev === 'left'
          ? 'member-join'
          : undefined
        : MEMBER_KINDS[ev.type]
    return kind === undefined ? undefined : memberEvent(kind, ev)
  }
}

function memberEvent(kind: MemberHandlerKind, ev: MemberEvent): HandlerEvent {
  const m = ev.member
  // The member as it announced itself; when this agent last heard from it is local bookkeeping.
  const { lastSeen: _seen, statusSince: _since, ...member } = m
  return {
    kind,
    data: { member },
    env: {
      MURMUR_MEMBER_ID: m.id,
      MURMUR_MEMBER_NAME: m.name,
      MURMUR_MEMBER_STATUS: m.status,
      ...envIfSmall('MURMUR_MEMBER_TAGS_JSON', JSON.stringify(m.tags)),
      ...envIfSmall('MURMUR_MEMBER_TAGS', tagsEnvText(m.tags)),
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
      ...envIfSmall('MURMUR_KV_VALUE', value),
    },
  }
}

/** A query for this member: its `query:NAME` handlers get it like a user event, and `reply` answers. */
export function queryHandlerEvent(
  q: { id: string; name: string; payload: string; origin: string },
  originName: string | undefined,
  answer: { reply: (stdout: Uint8Array) => void; maxReplyBytes: number; deadline: number },
): HandlerEvent {
  return {
    kind: 'query',
    subject: q.name,
    data: { name: q.name, payload: q.payload, id: q.id, origin: q.origin, originName: originName ?? null },
    env: {
      MURMUR_QUERY_NAME: q.name,
      MURMUR_QUERY_PAYLOAD: q.payload,
      MURMUR_QUERY_ID: q.id,
      MURMUR_QUERY_ORIGIN: q.origin,
    },
    ...answer,
  }
}
