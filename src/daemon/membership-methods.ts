// Admin methods about the mesh itself: info, members, join, leave, tags.
import { z } from 'zod'
import { defineMethod, type MethodRegistry } from '../admin/methods.js'
import { MEMBER_STATUSES, type Member, tagsSchema } from '../membership/index.js'
import { VERSION } from '../version.js'
import type { Agent } from './agent.js'
import type { InfoResult, MemberView } from './api.js'

export function membershipMethods(agent: Agent): MethodRegistry {
  return {
    info: defineMethod({
      params: z.object({}).strict(),
      handler: (): InfoResult => ({
        peerId: agent.peerId,
        name: agent.membership.self().name,
        version: VERSION,
        addresses: agent.node.getMultiaddrs().map((m) => m.toString()),
        members: agent.membership.counts(),
        mesh: { private: agent.swarmKeyFile !== null, swarmKeyFile: agent.swarmKeyFile },
        state: agent.state?.summary(),
        membership: agent.membershipStats(),
      }),
    }),
    members: defineMethod({
      params: z.object({ status: z.enum(MEMBER_STATUSES as [string, ...string[]]).optional() }).strict(),
      handler: (p): { members: MemberView[] } => ({
        members: agent.membership
          .list(p.status ? { status: p.status as Member['status'] } : {})
          .map((m) => toView(m, agent.peerId)),
      }),
    }),
    join: defineMethod({
      params: z.object({ addrs: z.array(z.string().min(1).max(1024)).min(1).max(64) }).strict(),
      handler: (p) => agent.join(p.addrs),
    }),
    leave: defineMethod({
      params: z.object({}).strict(),
      handler: async () => {
        await agent.leave()
        return { ok: true }
      },
    }),
    'tags.set': defineMethod({
      params: z.object({ tags: tagsSchema }).strict(),
      handler: (p) => agent.updateTags(p.tags, []),
    }),
    'tags.del': defineMethod({
      params: z.object({ keys: z.array(z.string().min(1)).min(1).max(64) }).strict(),
      handler: (p) => agent.updateTags({}, p.keys),
    }),
  }
}

function toView(m: Member, selfId: string): MemberView {
  return {
    id: m.id,
    name: m.name,
    status: m.status,
    incarnation: m.incarnation,
    tags: m.tags,
    addrs: m.addrs,
    lastSeen: m.lastSeen,
    self: m.id === selfId,
  }
}
