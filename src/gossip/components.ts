// What the gossip services use of libp2p, in narrow parts: each service names the few it needs,
// the agent builds them all from its node in one place (src/daemon/gossip-components.ts), and
// unit tests build them from in-memory fakes on stream pairs and a fake clock.
import type { GossipSub } from '@libp2p/gossipsub'
import type {
  AbortOptions,
  Connection,
  DialProtocolOptions,
  Libp2pEvents,
  PeerId,
  PeerStore,
  Stream,
  StreamHandler,
  StreamHandlerOptions,
  TypedEventTarget,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Timers } from '../util/clock.js'
import type { Logger } from '../util/log.js'

/** Handlers for inbound streams, by protocol. */
export interface Registrar {
  handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
  unhandle(protocol: string, options?: AbortOptions): Promise<void>
}

/** The open connections, new streams on them (dialling first if needed), and hanging up. */
export interface ConnectionView {
  getConnections(peer?: PeerId): Connection[]
  dialProtocol(peer: PeerId, protocol: string, options?: DialProtocolOptions): Promise<Stream>
  hangUp(peer: PeerId, options?: AbortOptions): Promise<void>
}

/** The node's events: `connection:open`, `peer:identify`, `self:peer:update`. */
export type NodeEvents = Pick<TypedEventTarget<Libp2pEvents>, 'addEventListener' | 'removeEventListener'>

/** The parts of gossipsub a topic uses. */
export type Pubsub = Pick<
  GossipSub,
  'topicValidators' | 'subscribe' | 'unsubscribe' | 'publish' | 'getSubscribers'
>

/** Tells gossipsub a peer is (still) connected, so it opens its stream again on `conn`. */
export type Reattach = (peer: PeerId, conn: Connection) => void

/** Where the peer store's addresses of a peer are added to (dials by peer id use them). */
export type PeerAddressBook = Pick<PeerStore, 'merge'>

/** Our own listen (or announced) addresses. */
export interface Addresses {
  getMultiaddrs(): Multiaddr[]
}

/** Peers whose connection carries a relay reservation, ours on them or theirs on us (docs/nat.md). */
export interface Relays {
  relayPeers(): string[]
}

/** What a service of its own protocol streams needs: handle it, open it to a peer, time, logs. */
export interface StreamServiceComponents {
  registrar: Registrar
  connections: Pick<ConnectionView, 'dialProtocol'>
  clock: Timers
  logger: Logger
}

/** Everything the adapter hands out; each service takes the subset its own components name. */
export interface GossipComponents {
  peerId: PeerId
  registrar: Registrar
  connections: ConnectionView
  events: NodeEvents
  peerStore: PeerAddressBook
  addresses: Addresses
  pubsub: Pubsub
  reattach: Reattach
  relays: Relays
  clock: Timers
  logger: Logger
}
