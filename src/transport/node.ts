// The only module that builds a libp2p node. Everything above talks to the Transport interface.
import '../polyfill.js'
import { readFile } from 'node:fs/promises'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { autoNAT } from '@libp2p/autonat'
import { bootstrap } from '@libp2p/bootstrap'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { type GossipSub, gossipsub, StrictSign } from '@libp2p/gossipsub'
import { createTopicScoreParams } from '@libp2p/gossipsub/score'
import { identify } from '@libp2p/identify'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import { type Ping, ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2pOptions } from 'libp2p'
import { ConfigError, SwarmKeyMismatchError, SwarmKeyRefusedError } from '../errors.js'
import type { Logger } from '../util/log.js'
import { RateLimiter } from '../util/rate-limit.js'
import { PENDING_GLOBAL } from './admission.js'
import { type AdmissionEvent, type AdmissionGate, admissionGate } from './admission-gate.js'
import type { KeyringView } from './keyring.js'
import { type NatOptions, type NatService, natService, reservationListens } from './nat.js'
import { noiseCrypto } from './noise-crypto.js'
import type { PeerFilter } from './peer-filter.js'
import { pskProtector } from './psk-protector.js'
import type { RelayGate } from './relay-gate.js'
import { parseSwarmKey } from './swarm-key.js'
import { installLazyWindowUpdates } from './yamux-window.js'

export interface TransportOptions {
  privateKey: PrivateKey
  listen: string[]
  /** Addresses to advertise instead of the listen addresses (port forwarding, relays); empty = listen. */
  announce: string[]
  /** Join addresses that carry a /p2p/ peer id; the daemon dials the others itself. */
  bootstrap: string[]
  mdns: { enabled: boolean; intervalMs: number }
  swarmKeyFile: string | null
  /** The keys of a private mesh (keyring.ts); without it, the swarm key file's key alone. */
  keyring?: () => KeyringView
  maxConnections: number
  maxMessageBytes: number
  topics: string[]
  logger: Logger
  /** Allow and deny lists of peer ids, enforced on every dial and inbound connection. */
  peerFilter?: PeerFilter
  /** libp2p's own Prometheus metrics (connections, streams, bytes per protocol), in prom-client's registry. */
  metrics?: boolean
  /** Reachability, relays served and relay reservations (nat.ts). */
  nat: NatOptions
  /** Who may hold a relay reservation on us (members only, relay-gate.ts); without it, anyone. */
  relayGate?: RelayGate
  /** A peer we dialled refused our swarm key (hung up in the private-mesh handshake). */
  onKeyRefused?: (remote: string) => void
}

export type MurmurNode = Libp2p<{
  pubsub: GossipSub
  ping: Ping
  identify: unknown
  nat: NatService
  /** Inbound connections not yet authenticated: limits and counters (`stats()`). */
  admission: AdmissionGate
}>

// libp2p's own inbound checks run before ours and apply to every address (no allow list: a local
// proxy or tunnel makes remote traffic look like loopback). Our admission layer holds the real
// limits (admission.ts); libp2p's are set so that they never bind first on a healthy mesh:
// - its pending count lasts until noise and yamux are done, so it is ours (at most PENDING_GLOBAL)
//   plus members past the key; 4x leaves room for a whole fleet in its handshakes;
// - its default 5 new connections per second per host starved local meshes (every agent on
//   127.0.0.1); 250 is four times a burst of 60 agents on one machine, and still bounds how often
//   one address can make us set up the private-mesh layer.
const LIBP2P_MAX_INCOMING_PENDING = 4 * PENDING_GLOBAL
const LIBP2P_INBOUND_PER_HOST_PER_SECOND = 250

export async function createNode(opts: TransportOptions): Promise<MurmurNode> {
  installLazyWindowUpdates()
  const peerDiscovery: NonNullable<Libp2pOptions['peerDiscovery']> = []
  if (opts.mdns.enabled) {
    // Not plain mdns(): see mdns.ts (lost first discovery, interfaces that come up after start).
    // Loaded only when on, like metrics and UPnP below: every module loaded costs every agent memory.
    const { robustMdns } = await import('./mdns.js')
    peerDiscovery.push(
      robustMdns({
        intervalMs: opts.mdns.intervalMs,
        serviceTag: '_murmur._udp.local',
        logger: opts.logger.child('mdns'),
      }),
    )
  }
  if (opts.bootstrap.length > 0) peerDiscovery.push(bootstrap({ list: opts.bootstrap, timeout: 100 }))

  // Refused and expired connections: counted by the gate, logged at most one line per 10 s.
  const admissionLog = opts.logger.child('admission')
  const admissionLogLimit = new RateLimiter(0.1, 1)
  const admission = admissionGate({
    enforceDeadline: !opts.swarmKeyFile,
    onEvent: (evt: AdmissionEvent) => {
      if (!admissionLogLimit.take('admission')) return
      const s = admission.stats()
      admissionLog.warn(
        evt.kind === 'refused'
          ? 'inbound connection refused before authentication: too many pending'
          : 'inbound connection closed: not authenticated within the deadline',
        {
          remote: evt.remote,
          ...(evt.reason ? { cap: evt.reason === 'host' ? 'per host' : 'global' } : {}),
          pending: s.pending,
          refused: s.refusedHost + s.refusedGlobal,
          expired: s.expired,
        },
      )
    },
  })

  let connectionProtector: ReturnType<typeof pskProtector> | undefined
  if (opts.swarmKeyFile) {
    const keys = opts.keyring ? { keyring: opts.keyring } : { key: await readKey(opts.swarmKeyFile) }
    const log = opts.logger.child('psk')
    // A peer with another key redials with backoff; one line per 10 s keeps a crowd of them quiet.
    const logLimit = new RateLimiter(0.1, 1)
    connectionProtector = pskProtector({
      ...keys,
      preAuth: admission,
      onError: (err, remote) => {
        if (err instanceof SwarmKeyRefusedError) {
          opts.onKeyRefused?.(remote)
          // Its own budget: a crowd of strangers refused by us must not hide that we are refused.
          if (logLimit.take('refused')) log.warn(err.message, { remote, swarmKeyFile: opts.swarmKeyFile })
          return
        }
        if (!logLimit.take('psk')) return
        if (err instanceof SwarmKeyMismatchError) log.warn(err.message, { remote })
        else
          log.warn('connection ended by an error in the private-mesh layer', { remote, error: err.message })
      },
    })
  }

  // Loaded only when asked for: off by default, and its modules cost every agent memory.
  const upnp = opts.nat.upnp ? (await import('@libp2p/upnp-nat')).uPnPNAT() : undefined
  // createLibp2p starts the node: listening happens here.
  const node = createLibp2p({
    privateKey: opts.privateKey,
    addresses: {
      listen: [...opts.listen, ...reservationListens(opts.nat)],
      ...(opts.announce.length > 0 ? { announce: opts.announce } : {}),
    },
    // Dials relayed addresses, and holds the reservations asked for by /p2p-circuit listens.
    transports: [tcp(), circuitRelayTransport({ reservationCompletionTimeout: 10_000 })],
    connectionEncrypters: [noise({ crypto: noiseCrypto })],
    streamMuxers: [yamux()],
    connectionProtector,
    connectionGater: {
      ...admission.gater(opts.peerFilter?.gater()),
      ...(opts.relayGate
        ? { denyInboundRelayReservation: (peer) => opts.relayGate!.deny(peer.toString()) }
        : {}),
    },
    ...(opts.metrics ? { metrics: (await import('@libp2p/prometheus-metrics')).prometheusMetrics() } : {}),
    peerDiscovery,
    connectionManager: {
      maxConnections: opts.maxConnections,
      maxIncomingPendingConnections: LIBP2P_MAX_INCOMING_PENDING,
      inboundConnectionThreshold: LIBP2P_INBOUND_PER_HOST_PER_SECOND,
    },
    // SWIM probes every member; libp2p's own monitor would open a ping stream per connection
    // every 10 s on top (a stream costs a negotiation and a peer-store write on both sides).
    connectionMonitor: { enabled: false },
    services: {
      admission: () => admission,
      identify: identify(),
      ping: ping(),
      nat: natService(opts.nat, opts.logger.child('nat')),
      ...(opts.nat.autonat ? { autonat: autoNAT() } : {}),
      ...(upnp ? { upnp } : {}),
      pubsub: gossipsub({
        globalSignaturePolicy: StrictSign,
        allowPublishToZeroTopicPeers: true,
        // Bounded fan-out: our own messages go to the mesh (D peers), not to every subscriber.
        floodPublish: false,
        emitSelf: false,
        // No peer-store tag per graft and prune (a merge, encoded and stored, each time): libp2p's
        // connection manager never prunes gossipsub's connections anyway; murmur prunes its own.
        tagMeshPeers: false,
        // Members behind NATs reach each other over relays (docs/nat.md).
        runOnLimitedConnection: true,
        allowedTopics: opts.topics,
        maxInboundDataLength: opts.maxMessageBytes,
        // Dedupe copies before the signature check: same author + seqno is the same message.
        fastMsgIdFn: (msg) => `${toHex(msg.from)}:${toHex(msg.seqno)}`,
        // Invalid messages cost their sender: -20 x (count)^2 on the topic, the count decaying 1%
        // a second, so two put a peer past the graylist (-80) and a flood keeps it there for minutes.
        // No credit for time in mesh or deliveries: a quiet member is normal, and credit could be
        // banked by an attacker to spend on invalid messages.
        scoreParams: {
          IPColocationFactorWhitelist: new Set(['127.0.0.1', '::1']),
          topics: Object.fromEntries(opts.topics.map((t) => [t, TOPIC_SCORE])),
        },
      }),
    },
  }) as Promise<MurmurNode>
  return node.catch((err: unknown) => {
    throw listenFailure(err) ?? err
  })
}

async function readKey(path: string): Promise<Uint8Array> {
  try {
    return parseSwarmKey(await readFile(path), path)
  } catch (err) {
    if (err instanceof ConfigError) throw err
    throw new ConfigError(`swarmKeyFile: cannot read ${path}: ${(err as NodeJS.ErrnoException).code}`)
  }
}

const LISTEN_CAUSES: Record<string, string> = {
  EADDRINUSE: 'the port is in use (another agent, or another program, holds it)',
  EADDRNOTAVAIL: 'no network interface of this machine has that address',
  EACCES: 'permission denied (ports below 1024 need privileges)',
}

/**
 * libp2p's start fails with UnsupportedListenAddressesError when an address cannot be listened on:
 * a paragraph advising `transportManager.faultTolerance` with a stack per address. This turns it
 * into one line naming each address, the cause and the `listen` key; other errors: undefined.
 */
export function listenFailure(err: unknown): ConfigError | undefined {
  if (!(err instanceof Error) || err.name !== 'UnsupportedListenAddressesError') return undefined
  // libp2p lists each failed address as "\n  <multiaddr>: <error message, stack lines indented>".
  const failed = [...err.message.matchAll(/^ {2}(\/\S+): (.*)$/gm)].map(([, addr, msg]) => {
    const code = /\b(E[A-Z]+)\b/.exec(msg ?? '')?.[1]
    const cause = (code && LISTEN_CAUSES[code]) ?? (msg ?? '').replace(/^Error: /, '')
    return `${addr}: ${cause}`
  })
  const what = failed.length > 0 ? failed.join('; ') : 'a listen address'
  return new ConfigError(
    `listen: cannot listen on ${what}; choose another address in the config key "listen" or with --listen`,
  )
}

const TOPIC_SCORE = createTopicScoreParams({
  topicWeight: 1,
  timeInMeshWeight: 0,
  firstMessageDeliveriesWeight: 0,
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  invalidMessageDeliveriesWeight: -20,
  invalidMessageDeliveriesDecay: 0.99,
})

function toHex(b: Uint8Array | undefined): string {
  return b ? Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex') : ''
}
