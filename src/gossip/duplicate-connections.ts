// Two agents that learn of each other at the same moment dial each other at the same moment, and
// libp2p keeps both connections: at N = 10 after a burst, 8 of an agent's 9 peers had two. Each
// costs sockets, buffers and a share of the idle CPU for nothing. Both ends apply one rule, so
// they agree without a word: of two direct connections, keep the one the smaller peer id dialled.
// The pure rule is `duplicatesToClose`; `DuplicateConnections` applies it as a libp2p-style
// service over narrow components.
import type { Connection } from '@libp2p/interface'
import type { Logger } from '../util/log.js'
import type { ConnectionView, NodeEvents, Reattach } from './components.js'

export interface ConnInfo {
  id: string
  /** Who dialled it, as seen from this end. */
  direction: 'inbound' | 'outbound'
  /** Relayed (or otherwise limited): never a duplicate of a direct one. */
  limited: boolean
  open: boolean
}

/**
 * The connections to one peer that should go: all but one of the open, unlimited ones, keeping a
 * connection dialled by the smaller of the two peer ids (the oldest such, by list order).
 */
export function duplicatesToClose(selfId: string, peerId: string, conns: readonly ConnInfo[]): string[] {
  const direct = conns.filter((c) => c.open && !c.limited)
  if (direct.length < 2) return []
  // The direction the kept connection has from here: outbound if we are the smaller id.
  const keptDirection = selfId < peerId ? 'outbound' : 'inbound'
  const keep = direct.find((c) => c.direction === keptDirection) ?? direct[0]!
  return direct.filter((c) => c !== keep).map((c) => c.id)
}

export interface DuplicateConnectionsComponents {
  peerId: { toString(): string }
  events: NodeEvents
  connections: Pick<ConnectionView, 'getConnections'>
  /**
   * After a duplicate closed: the streams it carried (gossipsub's among them) are gone, and
   * gossipsub only opens a stream when a peer connects; this tells it the peer is still there.
   */
  reattach: Reattach
  logger: Logger
}

export function duplicateConnections(): (c: DuplicateConnectionsComponents) => DuplicateConnections {
  return (c) => new DuplicateConnections(c)
}

export class DuplicateConnections {
  private closed = 0
  constructor(private readonly c: DuplicateConnectionsComponents) {}

  start(): void {
    this.c.events.addEventListener('connection:open', this.onOpen)
  }

  stop(): void {
    this.c.events.removeEventListener('connection:open', this.onOpen)
  }

  /** Duplicates closed since start. */
  get count(): number {
    return this.closed
  }

  private readonly onOpen = (evt: CustomEvent<Connection>): void => {
    const peer = evt.detail.remotePeer
    const conns = this.c.connections.getConnections(peer)
    if (conns.length < 2) return
    const info = conns.map((c) => ({
      id: c.id,
      direction: c.direction,
      limited: c.limits != null,
      open: c.status === 'open',
    }))
    const losers = new Set(duplicatesToClose(this.c.peerId.toString(), peer.toString(), info))
    if (losers.size === 0) return
    const kept = conns.find((c) => c.status === 'open' && c.limits == null && !losers.has(c.id))
    for (const conn of conns) {
      if (!losers.has(conn.id)) continue
      this.closed++
      this.c.logger.debug('closing a duplicate connection', {
        peer: peer.toString(),
        direction: conn.direction,
      })
      void conn
        .close()
        .catch(() => conn.abort(new Error('duplicate connection')))
        .finally(() => {
          if (kept?.status === 'open') this.c.reattach(peer, kept)
        })
    }
  }
}
