// Result shapes of the admin methods, shared by the daemon's handlers and the CLI.

export type MemberStatus = 'alive' | 'suspect' | 'dead' | 'left'

export interface MemberView {
  id: string
  name: string
  status: MemberStatus
  incarnation: number
  tags: Record<string, string>
  addrs: string[]
  /** Epoch ms of the last sign of life (own clock). */
  lastSeen: number
  self: boolean
}

export interface StateSummary {
  keys: number
  sets: number
  counters: number
  records: number
  tombstones: number
  digest: string
}

export interface InfoResult {
  peerId: string
  name: string
  version: string
  addresses: string[]
  members: Record<MemberStatus, number>
  state?: StateSummary
}
