// Which peers this agent talks to at all: optional allow and deny lists of peer ids, applied by a
// libp2p connection gater in both directions (dials and inbound connections once the peer has
// proven its id), and changed live on reload.
import type { ConnectionGater, PeerId } from '@libp2p/interface'

export interface PeerLists {
  /** Empty: every peer that holds the swarm key. Otherwise only these. */
  allow: readonly string[]
  /** Never these, whatever `allow` says. */
  deny: readonly string[]
}

/** Peers refused for a while (over a budget) are remembered up to this many, oldest forgotten first. */
const MAX_BANS = 10_000

export class PeerFilter {
  private allow = new Set<string>()
  private deny = new Set<string>()
  /** Peer id -> until when (ms) it is refused. */
  private readonly bans = new Map<string, number>()

  constructor(lists: PeerLists = { allow: [], deny: [] }) {
    this.set(lists)
  }

  set(lists: PeerLists): void {
    this.allow = new Set(lists.allow)
    this.deny = new Set(lists.deny)
  }

  allows(id: string, now = Date.now()): boolean {
    if (this.deny.has(id) || (this.allow.size > 0 && !this.allow.has(id))) return false
    const until = this.bans.get(id)
    if (until === undefined) return true
    if (until > now) return false
    this.bans.delete(id)
    return true
  }

  /** Refuses `id` for `ms` (a peer over its budget), whatever the lists say. */
  ban(id: string, ms: number, now = Date.now()): void {
    this.bans.delete(id)
    if (this.bans.size >= MAX_BANS) this.bans.delete(this.bans.keys().next().value!)
    this.bans.set(id, now + ms)
  }

  /** One gater for the node's life; it reads the current lists on every decision. */
  gater(): ConnectionGater {
    const refuse = (peer: PeerId): boolean => !this.allows(peer.toString())
    return {
      denyDialPeer: refuse,
      denyInboundEncryptedConnection: refuse,
      denyOutboundEncryptedConnection: refuse,
    }
  }
}
