// Admin methods about the mesh itself: info, members, join, leave, tags.
import { z } from 'zod'
import { defineMethod, type MethodRegistry } from '../admin/methods.js'
import { memberFilter, memberFilterSchema, tagsSchema } from '../membership/index.js'
import { VERSION } from '../version.js'
import type { Agent } from './agent.js'
import type { InfoResult, MemberView } from './api.js'
import { type ConnectionAddr, memberView } from './member-view.js'

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
        sync: agent.syncStats(),
      }),
    }),
    members: defineMethod({
      params: memberFilterSchema,
      handler: (p): { members: MemberView[] } => {
        const wanted = memberFilter(p)
        const conns = connectionsByPeer(agent)
        return {
          members: agent.membership
            .list()
            .filter(wanted)
            .map((m) => memberView(m, agent.peerId, conns.get(m.id) ?? [])),
        }
      },
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

/** Open connections by remote peer id. */
function connectionsByPeer(agent: Agent): Map<string, ConnectionAddr[]> {
  const out = new Map<string, ConnectionAddr[]>()
  for (const c of agent.node.getConnections()) {
    const id = c.remotePeer.toString()
    const list = out.get(id) ?? []
    list.push({ addr: c.remoteAddr.toString(), outbound: c.direction === 'outbound' })
    out.set(id, list)
  }
  return out
}
