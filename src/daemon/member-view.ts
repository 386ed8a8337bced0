// A member as admin clients see it, with the one address to show for it and its estimated round trip.
import type { MemberView } from '../api/results.js'
import { estimateRttMs } from '../membership/coord-book.js'
import type { Coordinate } from '../membership/coords.js'
import type { Member } from '../membership/index.js'

/** An open connection to a member, as this agent sees it. */
export interface ConnectionAddr {
  addr: string
  outbound: boolean
}

const LOOPBACK = /^\/ip4\/127\.|^\/ip6\/::1\//
const RELAYED = /\/p2p-circuit(\/|$)/
const hostOf = (addr: string): string | undefined => /^\/(?:ip4|ip6|dns4|dns6|dns)\/([^/]+)/.exec(addr)?.[1]

/**
 * The address a member is reachable at from here. A member advertises every address it listens
 * on, loopback first, so the first is useless on another host. An open direct connection tells
 * which host works: the advertised address on that host (an inbound connection's port is the
 * member's ephemeral one), else the address we dialled. Without one, the first advertised
 * address that is not loopback.
 */
export function reachableAddr(
  advertised: readonly string[],
  connections: readonly ConnectionAddr[],
): string | null {
  for (const c of connections) {
    if (RELAYED.test(c.addr)) continue
    const host = hostOf(c.addr)
    const listening = advertised.find((a) => hostOf(a) === host)
    if (listening !== undefined) return listening
    if (c.outbound) return c.addr
  }
  return advertised.find((a) => !LOOPBACK.test(a)) ?? advertised[0] ?? null
}

/** How this agent is connected to a member now: directly, only through a relay, or not at all. */
export function connectionKind(connections: readonly ConnectionAddr[]): MemberView['connection'] {
  if (connections.length === 0) return 'none'
  return connections.some((c) => !RELAYED.test(c.addr)) ? 'direct' : 'relayed'
}

/** Coordinates to show with a member: its own (if known) and this agent's. */
export interface MemberCoords {
  theirs: Coordinate | undefined
  mine: Coordinate
}

/** Estimated round trip in ms, rounded to microseconds: more digits would be noise. */
export const roundRtt = (ms: number): number => Math.round(ms * 1000) / 1000

export function memberView(
  m: Member,
  selfId: string,
  connections: readonly ConnectionAddr[],
  coords?: MemberCoords,
): MemberView {
  const self = m.id === selfId
  const theirs = coords?.theirs
  return {
    id: m.id,
    name: m.name,
    status: m.status,
    incarnation: m.incarnation,
    tags: m.tags,
    addrs: m.addrs,
    addr: reachableAddr(m.addrs, connections),
    connection: m.id === selfId ? 'self' : connectionKind(connections),
    lastSeen: m.lastSeen,
    self,
    coordinate: theirs ?? null,
    rttMs: self || !theirs || !coords ? null : roundRtt(estimateRttMs(coords.mine, theirs)),
  }
}
