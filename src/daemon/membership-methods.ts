// Admin methods about the mesh itself: info, members, join, leave, tags. They see the agent
// through MeshHost, not the Agent class, so they can be tested and reused without one.
import { implement } from '../api/index.js'
import type { InfoResult, MembershipTraffic } from '../api/results.js'
import type { MethodRegistry } from '../admin/methods.js'
import { type Member, type MemberStatus, memberFilter } from '../membership/index.js'
import type { JoinResult, JoinStatus } from '../transport/dialer.js'
import { VERSION } from '../version.js'
import { type ConnectionAddr, memberView } from './member-view.js'

/** What these methods need of a running agent. */
export interface MeshHost {
  readonly peerId: string
  readonly swarmKeyFile: string | null
  readonly membership: {
    self(): Member
    counts(): Record<MemberStatus, number>
    list(): Member[]
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
      return {
        members: host.membership
          .list()
          .filter(wanted)
          .map((m) => memberView(m, host.peerId, conns.get(m.id) ?? [])),
      }
    }),
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
