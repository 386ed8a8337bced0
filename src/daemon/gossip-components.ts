// The one adapter from the agent's libp2p node to the narrow components of the gossip services
// (src/gossip/components.ts). Tests build the same components from in-memory fakes.
import type { Connection, PeerId } from '@libp2p/interface'
import type { GossipComponents } from '../gossip/components.js'
import type { MurmurNode } from '../transport/node.js'
import { systemTimers } from '../util/clock.js'
import type { Logger } from '../util/log.js'

export function gossipComponents(node: MurmurNode, logger: Logger): GossipComponents {
  const pubsub = node.services.pubsub
  return {
    peerId: node.peerId,
    registrar: node,
    connections: node,
    events: node,
    peerStore: node.peerStore,
    addresses: node,
    pubsub,
    // gossipsub's own hook for a new connection (private in its types): it opens its stream
    // again if a closed duplicate took it along.
    reattach: (peer, conn) =>
      (pubsub as unknown as { onPeerConnected(p: PeerId, c: Connection): void }).onPeerConnected(peer, conn),
    relays: {
      relayPeers: () => {
        const nat = node.services.nat.info(node.getMultiaddrs())
        return [...nat.reservations, ...nat.relay.clients]
      },
    },
    clock: systemTimers,
    logger,
  }
}
