// Result shapes of the admin methods, shared by the daemon's handlers and the CLI.

import type { SkewSummary } from '../crdt/clock-skew.js'
import type { Coordinate } from '../membership/coords.js'
import type { Member, MemberStatus } from '../membership/index.js'
import type { JoinStatus } from '../transport/join-retry.js'

export type { JoinStatus }

/**
 * A member as clients see it; `lastSeen` is epoch ms on the agent's clock. `addrs` is what it
 * advertises, `addr` the one address it is reachable at from this agent (see member-view.ts).
 */
export type MemberView = Omit<Member, 'statusSince'> & {
  addr: string | null
  /** This agent's connection to it now: `relayed` when only through a circuit relay. */
  connection: 'direct' | 'relayed' | 'none' | 'self'
  self: boolean
  /**
   * Its network coordinate: the latest on an ack to this agent's probe, else the freshest a push-pull
   * digest carried (self: this agent's own); null if none yet.
   */
  coordinate: Coordinate | null
  /** Estimated round trip from this agent, ms, from the two coordinates; null for self or without one. */
  rttMs: number | null
}

/** `rtt`: the estimated round trip between two members (B is this agent unless named). */
export interface RttResult {
  a: { id: string; name: string }
  b: { id: string; name: string }
  rttMs: number
}

export interface StateSummary {
  keys: number
  sets: number
  counters: number
  records: number
  tombstones: number
  /** Size of the state's canonical encoding (what limits.maxStateBytes caps). */
  bytes: number
  /** Origins in the version vector (reconciled by sessions) and retired ones (left, no record holds their writes). */
  origins: { active: number; retired: number }
  /** Peer records not merged since start: bad signature, too far ahead, past the origin or state caps. */
  heldBack: { forged: number; future: number; origins: number; caps: number }
  digest: string
}

export interface InfoResult {
  peerId: string
  name: string
  version: string
  addresses: string[]
  /** The configured listen addresses, as written (`/ip4/0.0.0.0/...` unexpanded); absent from older agents. */
  listen?: string[]
  members: Record<MemberStatus, number>
  /** Private by a swarm key (the file other machines need a copy of), or open to anyone. */
  mesh: { private: boolean; swarmKeyFile: string | null }
  state?: StateSummary
  /** Membership traffic since start and the size of this agent's bounded neighbourhood. */
  membership?: MembershipTraffic
  /** Peers' clocks against this agent's, from their recent gossiped writes (see clock-skew.ts). */
  clock?: SkewSummary
  /** Anti-entropy: sessions completed since start and when the last one did (epoch ms, or null). */
  sync?: { sessions: number; lastAt: number | null; intervalMs: number }
  /**
   * Across NATs (docs/nat.md): whether this agent is publicly reachable, the relays it holds a
   * reservation on, and whether it serves as a relay and for whom.
   */
  nat?: {
    reachability: 'public' | 'private' | 'unknown'
    reservations: string[]
    relay: { serving: boolean; clients: string[] }
  }
  /**
   * Joins retried while this agent is alone (config `join`, `--join`, admin joins that reached
   * nobody): whether attempts continue, how many failed in a row and why the last one did.
   */
  join?: JoinStatus
  /**
   * Peers this agent dialled that refused its swarm key (they hung up in the private-mesh
   * handshake: another key, or none) since its last connection that got through; null if none.
   */
  keyRefused?: { count: number; lastAt: number; lastAddr: string } | null
}

export interface MembershipTraffic {
  activeView: number
  connections: number
  healthScore: number
  queued: number
  /** Duplicate connections (two to one peer, from simultaneous dials) closed since start. */
  duplicatesClosed: number
  packetsSent: number
  packetsReceived: number
  bytesSent: number
  bytesReceived: number
  dropped: number
}
