// Wire shapes of membership protocol v3 (/murmur/swim/3.0.0): updates about members, and the
// packets two members exchange. Only changes travel; each update is signed by its speaker.

import type { Coordinate } from './coords.js'

/**
 * A member's own signed statement about one of its lives (`incarnation`). Anyone may relay it;
 * only the member can make it. `sig` signs `claimBody(...)` (see claims.ts).
 */
export interface AliveClaim {
  type: 'alive'
  id: string
  incarnation: number
  name: string
  tags: Record<string, string>
  addrs: string[]
  sig: Uint8Array
}

/** The member's own signed graceful leave of life `incarnation`. */
export interface LeaveClaim {
  type: 'leave'
  id: string
  incarnation: number
  sig: Uint8Array
}

/**
 * `from` says member `id` in life `incarnation` does not answer (suspect) or has failed (dead).
 * Signed by `from`. Accusations never name a life the member has not claimed itself, so they
 * cannot push its incarnation up.
 */
export interface Accusation {
  type: 'suspect' | 'dead'
  id: string
  incarnation: number
  from: string
  sig: Uint8Array
}

export type Claim = AliveClaim | LeaveClaim
export type Update = Claim | Accusation
export type UpdateType = Update['type']

/** Direct probe of the receiver. */
export interface PingPacket {
  type: 'ping'
  seq: number
  updates: Update[]
}

/** Answer to a ping, or a helper relaying the target's answer to a ping-req. */
export interface AckPacket {
  type: 'ack'
  seq: number
  updates: Update[]
  /**
   * The responder's network coordinate, on its answer to a direct ping (Serf's ack payload); the
   * prober's own round trip to it moves the prober's coordinate. Absent on relayed acks.
   */
  coord?: Coordinate
}

/** Ask the receiver to probe `target` for us (SWIM indirect probe). */
export interface PingReqPacket {
  type: 'ping-req'
  seq: number
  target: string
  updates: Update[]
}

/** Lifeguard: the helper is alive but the target did not answer it in time. */
export interface NackPacket {
  type: 'nack'
  seq: number
}

/** Dissemination: updates only, to a few neighbours per gossip round. */
export interface GossipPacket {
  type: 'gossip'
  updates: Update[]
}

/**
 * A member's coordinate as the sender of a digest holds it: measured by a probe `age` seconds ago
 * (by the sender itself, or by whoever it heard it from). Estimates only: nothing trusts them.
 */
export interface CoordEntry {
  id: string
  age: number
  coord: Coordinate
}

/** Push-pull step 1: the sender's table digest. An equal digest ends the exchange at once. */
export interface SyncDigestPacket {
  type: 'sync-digest'
  seq: number
  /** Members the sender holds (any status). */
  count: number
  root: number
  /** Coordinates the sender holds (its own first), so they reach members beyond its view. */
  coords?: CoordEntry[]
}

/** Push-pull step 2: per-bucket digests, so only differing buckets are exchanged. Empty: in sync. */
export interface SyncBucketsPacket {
  type: 'sync-buckets'
  seq: number
  /** Number of buckets the table is split into; a power of two. 0 with `hashes` empty: in sync. */
  bucketCount: number
  hashes: Uint32Array
}

/**
 * Push-pull step 3 and 4: the sender's entries of `buckets` (claims, then accusations). Long
 * answers span several packets; `reply` asks the receiver to answer with its own entries.
 */
export interface SyncEntriesPacket {
  type: 'sync-entries'
  seq: number
  bucketCount: number
  buckets: number[]
  entries: Update[]
  reply: boolean
}

export type Packet =
  | PingPacket
  | AckPacket
  | PingReqPacket
  | NackPacket
  | GossipPacket
  | SyncDigestPacket
  | SyncBucketsPacket
  | SyncEntriesPacket

export type PacketType = Packet['type']
