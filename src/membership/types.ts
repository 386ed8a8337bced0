// Members as the daemon and its clients see them.

export type MemberStatus = 'alive' | 'suspect' | 'dead' | 'left'

export const MEMBER_STATUSES: readonly MemberStatus[] = ['alive', 'suspect', 'dead', 'left']

export interface Member {
  id: string
  name: string
  status: MemberStatus
  incarnation: number
  tags: Record<string, string>
  addrs: string[]
  /** Local clock (ms) when we last heard from the member itself, else when its status last changed. */
  lastSeen: number
  /** Local clock (ms) when the member entered its current status. */
  statusSince: number
}

export type MemberEventType = 'join' | 'update' | 'suspect' | 'alive' | 'dead' | 'leave' | 'reap' | 'refute'

/** `member` is a snapshot taken right after the change (for 'reap': the last state held). */
export interface MemberEvent {
  type: MemberEventType
  member: Member
}
