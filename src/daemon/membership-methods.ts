// Admin methods about the mesh itself: info, members, join, leave, tags. They see the agent
// through MeshHost, not the Agent class, so they can be tested and reused without one.

import type { MethodRegistry } from '../admin/methods.js'
import { implement } from '../api/index.js'
import type { InfoResult, MembershipTraffic, RttResult } from '../api/results.js'
import { InvalidInputError, NotFoundError } from '../errors.js'
import { estimateRttMs } from '../membership/coord-book.js'
import type { Coordinate } from '../membership/coords.js'
import { type Member, type MemberStatus, memberFilter } from '../membership/index.js'
import type { JoinResult, JoinStatus } from '../transport/dialer.js'
import { VERSION } from '../version.js'
import { type ConnectionAddr, memberView, roundRtt } from './member-view.js'

/** What these methods need of a running agent. */
export interface MeshHost {
  readonly peerId: string
  readonly swarmKeyFile: string | null
  readonly membership: {
    self(): Member
    counts(): Record<MemberStatus, number>
    list(): Member[]
    /** This agent's network coordinate. */
    coordinate(): Coordinate
    /** A member's coordinate, first-hand (acks) or heard on push-pull (own for itself); undefined if none yet. */
    coordinateOf(id: string): Coordinate | undefined
  }
  /** Our listen addresses as libp2p reports them. */
  addresses(): string[]
  /** The listen addresses of the config, as written (0.0.0.0 unexpanded). */
  listenAddrs(): string[]
  /** Open connections: remote peer id, address, direction. */
  connections(): Array<{ peer: string } & ConnectionAddr>
  stateSummary(): InfoResult['state']
  membershipStats(): MembershipTraffic
  syncStats(): InfoResult['sync']
  clockSkew(): InfoResult['clock']
  natInfo(): InfoResult['nat']
  join(addrs: string[]): Promise<JoinResult>
  joinStatus(): JoinStatus
  keyRefusals(): InfoResult['keyRefused']
  leave(): Promise<void>
  updateTags(set: Record<string, string>, del: string[]): Promise<{ tags: Record<string, string> }>
  resetTags(): Promise<{ tags: Record<string, string> }>
  forceLeave(
    member: string,
    prune: boolean,
  ): Promise<{ id: string; name: string; outcome: 'left' | 'pruned'; recipients: number }>
}

/** A member by name or peer id: NOT_FOUND if none, INVALID_INPUT if two share the name. */
function findMember(members: readonly Member[], ref: string): Member {
  const byId = members.find((m) => m.id === ref)
  if (byId) return byId
  const named = members.filter((m) => m.name === ref)
  if (named.length === 0) throw new NotFoundError(`no member named '${ref}'`)
  if (named.length > 1)
    throw new InvalidInputError(`${named.length} members are named '${ref}': give the peer id`)
  return named[0]!
}

/** `murmur rtt A [B]` (Serf's): the round trip two members' coordinates estimate; B is this agent by default. */
function memberRtt(host: MeshHost, aRef: string, bRef: string | undefined): RttResult {
  const members = host.membership.list()
  const a = findMember(members, aRef)
  const b = bRef === undefined ? host.membership.self() : findMember(members, bRef)
  const coordOf = (m: Member): Coordinate => {
    const c = host.membership.coordinateOf(m.id)
    if (c === undefined)
      throw new NotFoundError(
        `no coordinate for member '${m.name}' yet: not probed by this agent nor heard in a push-pull`,
      )
    return c
  }
  return {
    a: { id: a.id, name: a.name },
    b: { id: b.id, name: b.name },
    rttMs: roundRtt(estimateRttMs(coordOf(a), coordOf(b))),
  }
}

export function membershipMethods(host: MeshHost): MethodRegistry {
  return {
    info: implement('info', () => ({
      peerId: host.peerId,
      name: host.membership.self().name,
      version: VERSION,
      addresses: host.addresses(),
      listen: host.listenAddrs(),
      members: host.membership.counts(),
      mesh: { private: host.swarmKeyFile !== null, swarmKeyFile: host.swarmKeyFile },
      state: host.stateSummary(),
      membership: host.membershipStats(),
      sync: host.syncStats(),
      clock: host.clockSkew(),
      nat: host.natInfo(),
      join: host.joinStatus(),
      keyRefused: host.keyRefusals(),
    })),
    members: implement('members', (p) => {
      const wanted = memberFilter(p)
      const conns = new Map<string, ConnectionAddr[]>()
      for (const { peer, ...c } of host.connections()) conns.set(peer, [...(conns.get(peer) ?? []), c])
      const mine = host.membership.coordinate()
      return {
        members: host.membership
          .list()
          .filter(wanted)
          .map((m) =>
            memberView(m, host.peerId, conns.get(m.id) ?? [], {
              mine,
              theirs: host.membership.coordinateOf(m.id),
            }),
          ),
      }
    }),
    rtt: implement('rtt', (p) => memberRtt(host, p.a, p.b)),
    join: implement('join', (p) => host.join(p.addrs)),
    leave: implement('leave', async () => {
      await host.leave()
      return { ok: true as const }
    }),
    'tags.set': implement('tags.set', (p) => host.updateTags(p.tags, [])),
    'tags.del': implement('tags.del', (p) => host.updateTags({}, p.keys)),
    'tags.reset': implement('tags.reset', () => host.resetTags()),
    'force-leave': implement('force-leave', (p) => host.forceLeave(p.member, p.prune ?? false)),
  }
}
