// The config schema: every key, its type and its bounds. Unknown keys are errors.
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { z } from 'zod'
import { tagsSchema } from '../membership/index.js'
import { LOG_LEVELS } from '../util/log.js'

const ms = (min: number, max: number) => z.number().int().min(min).max(max)

const multiaddrString = z.string().refine(
  (s) => {
    try {
      // A /p2p/ part must be a peer id too: libp2p would otherwise fail at start on it, naming no key.
      for (const c of multiaddr(s).getComponents()) if (c.name === 'p2p') peerIdFromString(c.value ?? '')
      return s.startsWith('/')
    } catch {
      return false
    }
  },
  { message: 'is not a valid multiaddr with a valid peer id, if any (e.g. /ip4/127.0.0.1/tcp/7946)' },
)

const peerIdString = z.string().refine(
  (s) => {
    try {
      peerIdFromString(s)
      return true
    } catch {
      return false
    }
  },
  { message: 'is not a peer id (e.g. 12D3KooW...)' },
)

/**
 * `member-*`, `user` (every user event), `user:NAME`, `kv` (every key change), `kv:PREFIX`,
 * `query:NAME` (answers the queries of that name).
 */
const HANDLER_ON_RE =
  /^(member-(join|leave|failed|update|reap)|user|user:[A-Za-z0-9][A-Za-z0-9._:-]{0,127}|kv|kv:.{1,512}|query:[A-Za-z0-9][A-Za-z0-9._:-]{0,127})$/s

/** An event handler (src/daemon/handlers.ts): a command run with /bin/sh -c for each event it is `on`. */
export const handlerSpecSchema = z
  .object({
    on: z
      .string()
      .regex(
        HANDLER_ON_RE,
        'must be member-join, member-leave, member-failed, member-update, member-reap, user, user:NAME, kv, kv:PREFIX or query:NAME',
      ),
    run: z.string().min(1).max(4096),
    timeoutMs: ms(100, 3_600_000).optional(),
  })
  .strict()
export type HandlerSpec = z.infer<typeof handlerSpecSchema>

/** "host:port", host an IPv4 address, a bracketed IPv6 address or a name. */
const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:9464')
  .refine((s) => Number(s.slice(s.lastIndexOf(':') + 1)) <= 65535, 'port must be at most 65535')

export const configSchema = z
  .object({
    name: z.string().min(1).max(128).nullable(),
    dataDir: z.string().min(1),
    // Empty: an agent that takes no inbound connections, reachable only through relays (docs/nat.md).
    listen: z.array(multiaddrString),
    announce: z.array(multiaddrString),
    join: z.array(multiaddrString),
    // The same rules as on the wire: a tag the config accepts is one peers accept.
    tags: tagsSchema,
    mdns: z.object({ enabled: z.boolean(), intervalMs: ms(100, 3_600_000) }).strict(),
    // Private by default: null means <dataDir>/swarm.key, created at first start. `open` runs without one.
    swarmKeyFile: z.string().min(1).nullable(),
    open: z.boolean(),
    // Peer ids this agent connects with: `allow` empty means every holder of the swarm key.
    peers: z
      .object({ allow: z.array(peerIdString).max(10_000), deny: z.array(peerIdString).max(10_000) })
      .strict(),
    logLevel: z.enum(LOG_LEVELS as [string, ...string[]]),
    // Prometheus metrics over HTTP (GET /metrics); off by default, loopback unless told otherwise.
    metrics: z.object({ enabled: z.boolean(), listen: hostPort }).strict(),
    // Commands run on membership changes, user events and key changes (README, "Event handlers").
    handlers: z.array(handlerSpecSchema).max(256),
    // SWIM + Lifeguard timers (docs/membership.md); every one is per member, not per mesh.
    membership: z
      .object({
        probeIntervalMs: ms(10, 60_000),
        probeTimeoutMs: ms(5, 60_000),
        indirectChecks: z.number().int().min(1).max(16),
        gossipIntervalMs: ms(5, 60_000),
        gossipFanout: z.number().int().min(1).max(16),
        suspicionMult: z.number().int().min(1).max(64),
        pushPullIntervalMs: ms(100, 3_600_000),
        reapAfterMs: ms(100, 30 * 86_400_000),
      })
      .strict()
      .refine((m) => m.probeTimeoutMs < m.probeIntervalMs, {
        message: 'probeTimeoutMs must be below probeIntervalMs',
        path: ['probeTimeoutMs'],
      }),
    // Tombstones (deleted keys, removed elements) are kept this long, then collected; a peer away
    // longer gets a full state transfer when it returns (docs/state-and-sync.md, "Tombstones").
    sync: z
      .object({ intervalMs: ms(50, 3_600_000), tombstoneHorizonMs: ms(1000, 365 * 86_400_000) })
      .strict(),
    reconnectIntervalMs: ms(50, 3_600_000),
    // Joining across NATs (docs/nat.md): reachability, relays served, reservations held.
    nat: z
      .object({
        reachability: z.enum(['auto', 'public', 'private']),
        autonat: z.boolean(),
        reservations: z.number().int().min(0).max(8),
        // Ask the home router for a port mapping (UPnP IGD). Off: most routers ship with it off.
        upnp: z.boolean(),
        relay: z
          .object({
            serve: z.enum(['auto', 'on', 'off']),
            maxReservations: z.number().int().min(1).max(10_000),
            reservationTtlMs: ms(10_000, 86_400_000),
            maxDurationMs: ms(0, 86_400_000),
            maxDataBytes: z
              .number()
              .int()
              .min(0)
              .max(2 ** 48),
          })
          .strict(),
      })
      .strict(),
    limits: z
      .object({
        maxConnections: z.number().int().min(2).max(10_000),
        maxMessageBytes: z
          .number()
          .int()
          .min(4096)
          .max(16 * 1024 * 1024),
        // A peer's write stamped further ahead of our clock is held back until the clock catches up.
        maxClockDriftMs: ms(1000, 86_400_000),
        // Caps on the replicated state: past them peers' writes are held back, local ones fail.
        maxRecords: z.number().int().min(1).max(100_000_000),
        maxStateBytes: z
          .number()
          .int()
          .min(1 << 20)
          .max(2 ** 40),
        // Gossip bytes a second one peer may hand us (burst: 4 s worth); over it, refused for 60 s.
        gossipBytesPerSecond: z
          .number()
          .int()
          .min(64 * 1024)
          .max(2 ** 32),
        gossipRecordsPerSecond: z.number().int().min(100).max(10_000_000),
        // Anti-entropy bytes a second one peer may send us (burst: 16 s worth, for catch-ups).
        syncBytesPerSecond: z
          .number()
          .int()
          .min(64 * 1024)
          .max(2 ** 34),
      })
      .strict(),
  })
  .strict()

export type Config = z.infer<typeof configSchema>
