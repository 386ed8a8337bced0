// In-memory libp2p for the gossip services: nodes whose components (registrar, connections,
// events, peer store) are fakes, connections that carry real streams from `streamPair()`, and one
// fake clock for all. Enough of each Connection for what the services read.
// stream pairs call Promise.withResolvers (missing on Node 20)
import '../../../src/polyfill.js'
import { generateKeyPair } from '@libp2p/crypto/keys'
import {
  type Connection,
  type Libp2pEvents,
  type PeerId,
  type PrivateKey,
  type Stream,
  type StreamHandler,
  TypedEventEmitter,
} from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { streamPair } from '@libp2p/utils'
import type { MembershipServiceComponents } from '../../../src/gossip/membership-service.js'
import type { SyncServiceComponents } from '../../../src/gossip/sync-service.js'
import { createLogger, silentLogger } from '../../../src/util/log.js'
import { FakeTimers } from '../../helpers/fake-timers.js'

let connIds = 0
/** TEST_LOG=1 shows the services' debug lines. */
const logger = process.env.TEST_LOG
  ? createLogger('test', { level: 'debug', write: (l) => process.stderr.write(l) })
  : silentLogger

/** One end of an in-memory connection. */
export interface FakeConn {
  id: string
  remotePeer: PeerId
  direction: 'inbound' | 'outbound'
  status: 'open' | 'closed'
  limits: undefined
  timeline: { open: number; close?: number }
  streams: Stream[]
  other?: FakeConn
  close(): Promise<void>
  abort(err: Error): void
}

export class FakeNode {
  readonly events = new TypedEventEmitter<Libp2pEvents>()
  readonly handlers = new Map<string, StreamHandler>()
  readonly conns: FakeConn[] = []
  /** Peers the service asked gossipsub to reattach, with the connection kept. */
  readonly reattached: string[] = []
  /** Peers whose connection holds a relay reservation (kept by pruning). */
  relayPeers: string[] = []
  /** Dials and new streams to this node fail (it crashed, or a partition); open connections stay until closed. */
  unreachable = false

  constructor(
    readonly net: FakeNet,
    readonly privateKey: PrivateKey,
  ) {}

  get peerId(): PeerId {
    return peerIdFromPrivateKey(this.privateKey)
  }

  get id(): string {
    return this.peerId.toString()
  }

  connectionsTo(peer: string): FakeConn[] {
    return this.conns.filter((c) => c.status === 'open' && c.remotePeer.toString() === peer)
  }

  /** The components a network service takes, built from this fake. */
  components(): MembershipServiceComponents & SyncServiceComponents {
    const self = this
    return {
      peerId: this.peerId,
      registrar: {
        async handle(protocol, handler) {
          self.handlers.set(protocol, handler)
        },
        async unhandle(protocol) {
          self.handlers.delete(protocol)
        },
      },
      connections: {
        getConnections: (peer) =>
          this.conns.filter(
            (c) => c.status === 'open' && (!peer || c.remotePeer.equals(peer)),
          ) as unknown as Connection[],
        dialProtocol: (peer, protocol) => this.net.newStream(this, peer.toString(), protocol),
        hangUp: async (peer) => {
          for (const c of this.connectionsTo(peer.toString())) await c.close()
        },
      },
      events: this.events,
      peerStore: { merge: async () => ({}) as never },
      addresses: { getMultiaddrs: () => [] },
      reattach: (peer) => {
        this.reattached.push(peer.toString())
      },
      relays: { relayPeers: () => this.relayPeers },
      clock: this.net.clock,
      logger,
    }
  }
}

export class FakeNet {
  readonly clock = new FakeTimers()
  readonly nodes = new Map<string, FakeNode>()

  async node(): Promise<FakeNode> {
    const n = new FakeNode(this, await generateKeyPair('Ed25519'))
    this.nodes.set(n.id, n)
    return n
  }

  /** A new connection dialled by `from`: both ends see it open, as libp2p tells both. */
  connect(from: FakeNode, to: FakeNode): [FakeConn, FakeConn] {
    const id = ++connIds
    const out = this.end(`${id}-out`, to.peerId, 'outbound', from)
    const inb = this.end(`${id}-in`, from.peerId, 'inbound', to)
    out.other = inb
    inb.other = out
    from.events.safeDispatchEvent('connection:open', { detail: out as unknown as Connection })
    to.events.safeDispatchEvent('connection:open', { detail: inb as unknown as Connection })
    return [out, inb]
  }

  /** A stream on `protocol` to `peer`, over an open connection or a new one. */
  async newStream(from: FakeNode, peer: string, protocol: string): Promise<Stream> {
    const to = this.nodes.get(peer)
    if (!to || to.unreachable) throw new Error(`no route to ${peer}`)
    const open = from.connectionsTo(peer)[0]
    const [out, inb] = open?.other ? [open, open.other] : this.connect(from, to)
    const handler = to.handlers.get(protocol)
    if (!handler) throw new Error(`protocol ${protocol} not supported`)
    const [outStream, inStream] = await streamPair()
    out.streams.push(outStream)
    inb.streams.push(inStream)
    void Promise.resolve(handler(inStream, inb as unknown as Connection)).catch(() => {})
    return outStream
  }

  private end(id: string, remotePeer: PeerId, direction: FakeConn['direction'], owner: FakeNode): FakeConn {
    const clock = this.clock
    const conn: FakeConn = {
      id,
      remotePeer,
      direction,
      status: 'open',
      limits: undefined,
      timeline: { open: clock.now() },
      streams: [],
      // Closing either end closes the other a moment later, as over a socket.
      async close() {
        const shut = (c: FakeConn): void => {
          if (c.status === 'closed') return
          c.status = 'closed'
          c.timeline.close = clock.now()
          for (const s of c.streams) s.abort(new Error('connection closed'))
        }
        shut(conn)
        const other = conn.other
        if (other) setTimeout(() => shut(other), 1)
      },
      abort() {
        void conn.close()
      },
    }
    owner.conns.push(conn)
    return conn
  }
}
