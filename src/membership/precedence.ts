// SWIM/Serf precedence as one comparison: a message wins when its (incarnation, rank) is
// greater than the member's current (incarnation, rank). Taking a maximum is commutative
// and idempotent, so every peer that hears the same messages ends in the same state
// whatever the order of arrival. Consequences, all intended:
// - alive(i) beats anything with a lower incarnation, never anything at its own;
// - suspect(i) beats alive(i), and suspect(i) on suspect(i) is a duplicate (no re-arm);
// - dead(i) beats alive(i) and suspect(i); leave(i) beats everything at i, so a late
//   suspect/dead of the same incarnation never turns 'left' into 'dead';
// - a higher incarnation always wins, e.g. suspect(i+1) over dead(i): someone saw a new
//   life of the member, and alive(i+1) is on its way.

import type { MemberMessage, MemberStatus } from './types.js'

const RANK: Record<MemberStatus, number> = { alive: 0, suspect: 1, dead: 2, left: 3 }

export function statusOf(msg: MemberMessage): MemberStatus {
  return msg.type === 'leave' ? 'left' : msg.type
}

/** True when `msg` must replace the state `current` holds for the same member. */
export function supersedes(
  msg: MemberMessage,
  current: { incarnation: number; status: MemberStatus },
): boolean {
  if (msg.incarnation !== current.incarnation) return msg.incarnation > current.incarnation
  return RANK[statusOf(msg)] > RANK[current.status]
}

/** The peer that must have signed `msg`: a member speaks for itself, an accuser for itself. */
export function speakerOf(msg: MemberMessage): string {
  return msg.type === 'alive' || msg.type === 'leave' ? msg.id : msg.from
}
