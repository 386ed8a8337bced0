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

export class PeerFilter {
  private allow = new Set<string>()
  private deny = new Set<string>()

  constructor(lists: PeerLists = { allow: [], deny: [] }) {
    this.set(lists)
  }

  set(lists: PeerLists): void {
    this.allow = new Set(lists.allow)
    this.deny = new Set(lists.deny)
  }

  allows(id: string): boolean {
    return !this.deny.has(id) && (this.allow.size === 0 || this.allow.has(id))
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
