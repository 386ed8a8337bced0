// What the simulator needs of a membership node: exactly the surface of `Swim`, so the real
// state machine plugs in (swim-node.ts) and a stand-in can be used in tests.

import type { Coordinate } from '../src/membership/coords.js'
import type { AliveClaim, Packet } from '../src/membership/messages.js'
import type { IdRegistry } from '../src/membership/registry.js'
import type { SwimOptions } from '../src/membership/swim-options.js'
import type { Member, MemberEvent, MemberStatus } from '../src/membership/types.js'
import type { Clock } from '../src/util/clock.js'

export interface SimNodeInit {
  self: { id: string; name: string; incarnation: number; tags?: Record<string, string>; addrs?: string[] }
  send: (to: string, packet: Packet) => void
  emit: (event: MemberEvent) => void
  drop: (reason: string, from: string) => void
  clock: Clock
  random: () => number
  registry: IdRegistry
  options?: Partial<SwimOptions>
  /** The connections the node holds (burst scenario): see SwimInit.links. */
  links?: { connected(id: string): boolean; connectedPeers(): Iterable<string> }
}

export interface SimNode {
  receive(from: string, packet: Packet): void
  tick(): void
  nextWakeAt(): number
  join(to: string): void
  leave(): void
  /** Must skip its own claim. */
  seed(claims: readonly AliveClaim[]): void
  /** Optional bulk bootstrap: become a copy of `template`'s table (same registry). */
  seedFrom?(template: SimNode): void
  selfClaim(): AliveClaim
  get(id: string): Member | undefined
  counts(): Record<MemberStatus, number>
  activeView(): string[]
  /** Its own network coordinate, if it keeps one. */
  coordinate?(): Coordinate
}

export type NodeFactory = (init: SimNodeInit) => SimNode
