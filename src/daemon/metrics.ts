// Prometheus metrics (off by default; `metrics.enabled`, served on `metrics.listen`, loopback by
// default). Ours live in their own registry and are read from the services when scraped; libp2p's
// own (connections, streams, bytes per protocol, Node's process metrics) come from
// @libp2p/prometheus-metrics in prom-client's global registry. A scrape returns both.
import { createServer, type Server } from 'node:http'
import { Counter, Gauge, Histogram, register as libp2pRegistry, Registry } from 'prom-client'
import type { TopicTraffic } from '../gossip/topic.js'
import type { SyncTraffic } from '../gossip/sync-service.js'
import type { MemberStatus } from '../membership/index.js'
import type { Logger } from '../util/log.js'
import { RateLimiter } from '../util/rate-limit.js'
import type { MembershipTraffic, StateSummary } from '../api/results.js'

/** What the metrics read at each scrape. */
export interface MetricsSources {
  members: () => Record<MemberStatus, number>
  membership: () => MembershipTraffic
  state: () => StateSummary | undefined
  topics: () => Array<{ topic: string; traffic: TopicTraffic }>
  sync: () => SyncTraffic | undefined
  events: () => { sent: number; received: number; duplicate: number; stale: number; invalid: number }
  handlers: () => { run: number; failed: number; timedOut: number; dropped: number }
}

/** A counter whose value is read from a running total at scrape time. */
function total(
  registry: Registry,
  name: string,
  help: string,
  labelNames: string[],
  read: (c: Counter) => void,
) {
  return new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset()
      read(this)
    },
  })
}

export class AgentMetrics {
  readonly registry = new Registry()
  readonly writeAck: Histogram
  readonly probeRtt: Histogram

  constructor(src: MetricsSources) {
    const r = this.registry
    new Gauge({
      name: 'murmur_members',
      help: 'Members by status, as this agent sees them (itself included)',
      labelNames: ['status'],
      registers: [r],
      collect() {
        for (const [status, n] of Object.entries(src.members())) this.set({ status }, n)
      },
    })
    new Gauge({
      name: 'murmur_state_items',
      help: 'Replicated state held: keys, sets, counters, records, tombstones, origins (active, retired)',
      labelNames: ['kind'],
      registers: [r],
      collect() {
        const s = src.state()
        if (!s) return
        for (const kind of ['keys', 'sets', 'counters', 'records', 'tombstones'] as const)
          this.set({ kind }, s[kind])
        this.set({ kind: 'origins_active' }, s.origins.active)
        this.set({ kind: 'origins_retired' }, s.origins.retired)
      },
    })
    new Gauge({
      name: 'murmur_state_bytes',
      help: "Size of the state's canonical encoding (what limits.maxStateBytes caps)",
      registers: [r],
      collect() {
        const s = src.state()
        if (s) this.set(s.bytes)
      },
    })
    total(
      r,
      'murmur_gossip_messages_total',
      'Gossipsub messages by topic and direction (in: by verdict)',
      ['topic', 'direction', 'verdict'],
      (c) => {
        for (const { topic, traffic: t } of src.topics()) {
          for (const [verdict, n] of Object.entries(t.messagesIn))
            c.inc({ topic, direction: 'in', verdict }, n)
          c.inc({ topic, direction: 'out', verdict: 'sent' }, t.messagesOut)
        }
      },
    )
    total(
      r,
      'murmur_gossip_bytes_total',
      'Gossipsub message bytes by topic and direction',
      ['topic', 'direction'],
      (c) => {
        for (const { topic, traffic: t } of src.topics()) {
          c.inc({ topic, direction: 'in' }, t.bytesIn)
          c.inc({ topic, direction: 'out' }, t.bytesOut)
        }
      },
    )
    total(
      r,
      'murmur_membership_packets_total',
      'Membership (SWIM) packets by direction',
      ['direction'],
      (c) => {
        const m = src.membership()
        c.inc({ direction: 'in' }, m.packetsReceived)
        c.inc({ direction: 'out' }, m.packetsSent)
      },
    )
    total(r, 'murmur_membership_bytes_total', 'Membership (SWIM) bytes by direction', ['direction'], (c) => {
      const m = src.membership()
      c.inc({ direction: 'in' }, m.bytesReceived)
      c.inc({ direction: 'out' }, m.bytesSent)
    })
    total(r, 'murmur_sync_sessions_total', 'Anti-entropy sessions by outcome', ['outcome'], (c) => {
      const s = src.sync()
      if (s) for (const [outcome, n] of Object.entries(s.sessions)) c.inc({ outcome }, n)
    })
    total(r, 'murmur_sync_bytes_total', 'Anti-entropy bytes by direction', ['direction'], (c) => {
      const s = src.sync()
      if (!s) return
      c.inc({ direction: 'in' }, s.bytesReceived)
      c.inc({ direction: 'out' }, s.bytesSent)
    })
    total(
      r,
      'murmur_sync_records_total',
      'Records moved by anti-entropy, by direction',
      ['direction'],
      (c) => {
        const s = src.sync()
        if (!s) return
        c.inc({ direction: 'in' }, s.recordsReceived)
        c.inc({ direction: 'out' }, s.recordsSent)
      },
    )
    total(r, 'murmur_user_events_total', 'User events by outcome', ['outcome'], (c) => {
      for (const [outcome, n] of Object.entries(src.events())) c.inc({ outcome }, n)
    })
    total(r, 'murmur_handler_runs_total', 'Event handler runs by outcome', ['outcome'], (c) => {
      for (const [outcome, n] of Object.entries(src.handlers())) c.inc({ outcome }, n)
    })
    this.writeAck = new Histogram({
      name: 'murmur_write_ack_seconds',
      help: 'Local write to its acknowledgement (group commit and fsync)',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [r],
    })
    this.probeRtt = new Histogram({
      name: 'murmur_probe_rtt_seconds',
      help: 'Membership probe round trips (ping to ack, direct or through helpers)',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1],
      registers: [r],
    })
  }

  /** The exposition text: libp2p's metrics, then ours. */
  async text(): Promise<string> {
    return `${await libp2pRegistry.metrics()}\n${await this.registry.metrics()}`
  }
}

/**
 * The metrics endpoint's bounds (not config keys). Prometheus holds one keep-alive connection per
 * scraper, so a few slots serve any real setup; past the cap Node closes a new connection at once.
 */
export const METRICS_MAX_CONNECTIONS = 16
/**
 * A client gets this long to send its request (headers and body), and a connection this long
 * with nothing sent or between requests, before it is closed: idle sockets cannot be hoarded.
 */
export const METRICS_TIMEOUT_MS = 5000

export interface MetricsServerOptions {
  /** At most this many open connections (default METRICS_MAX_CONNECTIONS). */
  maxConnections?: number
  /** The request, idle and keep-alive timeout (default METRICS_TIMEOUT_MS); tests shorten it. */
  timeoutMs?: number
}

/** 127.0.0.0/8 and ::1, also written as IPv4-mapped IPv6 addresses. */
export function isLoopback(address: string): boolean {
  const v4 = address.replace(/^::ffff:/i, '')
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4) || address === '::1'
}

/** Serves GET /metrics on `listen` ("host:port"); resolves once listening. */
export async function serveMetrics(
  listen: string,
  metrics: Pick<AgentMetrics, 'text'>,
  log: Logger,
  opts: MetricsServerOptions = {},
): Promise<Server> {
  const at = listen.lastIndexOf(':')
  const host = listen.slice(0, at).replace(/^\[|\]$/g, '')
  const port = Number(listen.slice(at + 1))
  const timeoutMs = opts.timeoutMs ?? METRICS_TIMEOUT_MS
  // Node checks the header and request deadlines on this interval (its default is 30 s).
  const server = createServer({ connectionsCheckingInterval: Math.min(1000, timeoutMs) }, (req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end('not found; try GET /metrics\n')
      return
    }
    metrics.text().then(
      (text) => res.writeHead(200, { 'content-type': libp2pRegistry.contentType }).end(text),
      (err: Error) => {
        log.warn('metrics scrape failed', { error: err.message })
        res.writeHead(500).end()
      },
    )
  })
  server.maxConnections = opts.maxConnections ?? METRICS_MAX_CONNECTIONS
  server.headersTimeout = timeoutMs
  server.requestTimeout = timeoutMs
  server.keepAliveTimeout = timeoutMs
  // Inactivity: also closes a connection that never sends a byte (the deadlines above start with
  // a request's first bytes).
  server.timeout = timeoutMs
  // Connections past the cap: counted, logged at most one line per 10 s.
  let refused = 0
  const refusedLog = new RateLimiter(0.1, 1)
  server.on('drop', (d?: { remoteAddress?: string }) => {
    refused++
    if (refusedLog.take('drop'))
      log.warn('metrics connection refused: too many open', {
        remote: d?.remoteAddress,
        cap: server.maxConnections,
        refused,
      })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const bound = server.address()
  if (bound && typeof bound === 'object' && !isLoopback(bound.address))
    log.warn('metrics listen beyond loopback: anyone who can reach this address can read the metrics', {
      listen,
      address: bound.address,
    })
  return server
}
