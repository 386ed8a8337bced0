// Shapes shared by the codec and the state machine.

export type MemberStatus = 'alive' | 'suspect' | 'dead' | 'left'

export const MEMBER_STATUSES: readonly MemberStatus[] = ['alive', 'suspect', 'dead', 'left']

export interface Member {
  id: string
  name: string
  status: MemberStatus
  incarnation: number
  tags: Record<string, string>
  addrs: string[]
  /** Local clock (ms) when we last heard from the member itself. */
  lastSeen: number
  /** Local clock (ms) when the member entered its current status. */
  statusSince: number
}

export interface AliveMessage {
  type: 'alive'
  id: string
  incarnation: number
  name: string
  tags: Record<string, string>
  addrs: string[]
}

export interface SuspectMessage {
  type: 'suspect'
  id: string
  incarnation: number
  from: string
}

export interface DeadMessage {
  type: 'dead'
  id: string
  incarnation: number
  from: string
}

export interface LeaveMessage {
  type: 'leave'
  id: string
  incarnation: number
}

export type MemberMessage = AliveMessage | SuspectMessage | DeadMessage | LeaveMessage

export type MemberEventType = 'join' | 'update' | 'suspect' | 'alive' | 'dead' | 'leave' | 'reap' | 'refute'

/** `member` is a snapshot taken right after the change (for 'reap': the last state held). */
export interface MemberEvent {
  type: MemberEventType
  member: Member
}

/** Why an input changed nothing. Stable strings: the daemon may count or log them. */
export type IgnoreReason =
  | 'sender-mismatch'
  | 'stale'
  | 'unknown-member'
  | 'about-self'
  | 'self-left'
  | 'no-ping-outstanding'

export interface MembershipResult {
  publish: MemberMessage[]
  events: MemberEvent[]
  ignored?: IgnoreReason
}

export interface TickResult extends MembershipResult {
  /** Members to ping directly; report each outcome once via `pingResult`. */
  toPing: string[]
}
