// Baseline: bare libp2p gossipsub, N peers as separate processes on 127.0.0.1 (bench/gossipsub-peer.ts),
// no murmur above it. What murmur's "one write -> on every agent" and bulk-write figures would be if
// a write cost nothing but one gossipsub message of the size of murmur's delta. See docs/benchmarks.md.
import { type PeerProc, startPeer } from './peer-proc.js'
import { type Figure, fmtBytes, fmtMs, int, log, now, percentile, rssOf, sleep } from './util.js'

export interface GossipsubBaselineOptions {
  /** Mesh sizes that get the one-message latency figures. */
  latencyNs: number[]
  /** Messages sampled per latency figure (the publisher rotates). */
  latencyMessages: number
  /** Bulk runs: `messages` spread round-robin over all `n` peers, until every peer holds every one. */
  bulk: Array<{ n: number; messages: number }>
  /** Payload size: about one murmur delta for a small kv write (key, value, dot, origin, proof). */
  bytes: number
  /** Publishes in flight per publishing peer during bulk runs (murmur's bench keeps 32 kv.set). */
  inFlight: number
  /** A message not on every peer after this long counts as lost. */
  messageTimeoutMs: number
  /** A bulk run not complete after this long is reported as "> T" with what arrived. */
  bulkTimeoutMs: number
}

/** One signed murmur delta for a small kv write is roughly 300 bytes on the wire. */
export const DELTA_BYTES = 300

export const GOSSIPSUB_DEFAULTS: GossipsubBaselineOptions = {
  latencyNs: [3, 10],
  latencyMessages: 50,
  bulk: [
    { n: 3, messages: 1000 },
    { n: 3, messages: 10_000 },
    { n: 10, messages: 1000 },
  ],
  bytes: DELTA_BYTES,
  inFlight: 32,
  messageTimeoutMs: 5000,
  bulkTimeoutMs: 60_000,
}

/** Tiny sizes for the smoke test (test/integration/bench-smoke.spec.ts). */
export const GOSSIPSUB_SMOKE: GossipsubBaselineOptions = {
  latencyNs: [3],
  latencyMessages: 5,
  bulk: [{ n: 3, messages: 20 }],
  bytes: DELTA_BYTES,
  inFlight: 4,
  messageTimeoutMs: 5000,
  bulkTimeoutMs: 15_000,
}

interface Ready {
  peerId: string
  addr: string
}
interface Status {
  connections: number
  subscribers: number
  mesh: number
}

/** gossipsub's D_lo: a peer with fewer mesh peers than this (or than N-1) grafts more at its heartbeat. */
const D_LO = 4

const SECTION = 'baseline: bare gossipsub'

let round = 0

async function startMesh(n: number, peers: PeerProc[]): Promise<number> {
  const t0 = now()
  const started = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      startPeer<Ready>(`gossipsub-peer-${i}`, './gossipsub-peer.js', [String(i)]),
    ),
  )
  const startMs = now() - t0
  for (const s of started) peers.push(s.peer)
  // Everyone to everyone, as murmur's agents end up after their chain of joins (bench/agents.ts).
  for (let i = 1; i < n; i++) {
    await Promise.all(started.slice(0, i).map((s) => started[i]!.peer.call('dial', { addr: s.ready.addr })))
  }
  const deadline = now() + 30_000
  for (;;) {
    const st = await Promise.all(peers.map((p) => p.call<Status>('status')))
    if (st.every((s) => s.subscribers === n - 1 && s.mesh >= Math.min(n - 1, D_LO))) break
    if (now() > deadline) throw new Error(`gossipsub mesh of ${n} did not form: ${JSON.stringify(st)}`)
    await sleep(50)
  }
  return startMs
}

/** ms from the publish request until every other peer reported the message (Infinity on timeout). */
async function oneMessage(
  peers: PeerProc[],
  r: number,
  seq: number,
  opts: GossipsubBaselineOptions,
): Promise<number> {
  const publisher = seq % peers.length
  const t0 = now()
  const waits = peers.map((p, i) => {
    if (i === publisher) return Promise.resolve(t0)
    return new Promise<number>((resolve) => {
      const timer = setTimeout(() => {
        off()
        resolve(Number.POSITIVE_INFINITY)
      }, opts.messageTimeoutMs)
      const off = p.on('got', (d, at) => {
        if (d.round === r && d.seq === seq) {
          clearTimeout(timer)
          off()
          resolve(at)
        }
      })
    })
  })
  await peers[publisher]!.call('publish', { round: r, seq, bytes: opts.bytes })
  const ats = await Promise.all(waits)
  return Math.max(...ats) - t0
}

async function latencyFigures(
  peers: PeerProc[],
  opts: GossipsubBaselineOptions,
  figs: Figure[],
): Promise<void> {
  const n = peers.length
  const r = ++round
  await Promise.all(peers.map((p) => p.call('report', { round: r })))
  const sample: number[] = []
  for (let i = 0; i < opts.latencyMessages; i++) {
    sample.push(await oneMessage(peers, r, i, opts))
    await sleep(20) // as murmur's bench pauses between writes
  }
  const lost = sample.filter((x) => !Number.isFinite(x)).length
  const show = (ms: number): string => (Number.isFinite(ms) ? fmtMs(ms) : `> ${fmtMs(opts.messageTimeoutMs)}`)
  const p50 = percentile(sample, 50)
  const p99 = percentile(sample, 99)
  const common = `${sample.length} messages of ${opts.bytes} B, publisher rotates; receipt reported over IPC`
  figs.push({
    section: SECTION,
    name: `bare gossipsub: one message -> on every peer, p50 (N=${n})`,
    value: show(p50),
    detail: common,
    ms: p50,
  })
  figs.push({
    section: SECTION,
    name: `bare gossipsub: one message -> on every peer, p99 (N=${n})`,
    value: show(p99),
    detail: `p90 ${show(percentile(sample, 90))}${lost > 0 ? `; ${lost} not everywhere within ${fmtMs(opts.messageTimeoutMs)}` : '; none lost'}`,
    ms: p99,
  })
}

/** Result of one bulk run, for callers (the smoke test) that check it. */
export interface BulkResult {
  n: number
  messages: number
  ms: number
  publishMs: number
  /** Messages each peer received from the others, and how many it should have. */
  received: number[]
  expected: number[]
}

async function bulkRun(
  peers: PeerProc[],
  messages: number,
  opts: GossipsubBaselineOptions,
): Promise<BulkResult> {
  const n = peers.length
  const r = ++round
  const own = peers.map((_, i) => (i < messages ? Math.ceil((messages - i) / n) : 0))
  const expected = own.map((o) => messages - o)
  const done = peers.map((p) => p.once('all', opts.bulkTimeoutMs).then(({ at }) => at))
  for (const [i, p] of peers.entries()) await p.call('expect', { round: r, n: expected[i] })
  const t0 = now()
  const pubs = await Promise.all(
    peers.map((p, i) =>
      p.call<number>(
        'publishMany',
        { round: r, from: i, to: messages, step: n, bytes: opts.bytes, inFlight: opts.inFlight },
        opts.bulkTimeoutMs,
      ),
    ),
  )
  const ends = await Promise.allSettled(done)
  const ms = ends.every((e) => e.status === 'fulfilled')
    ? Math.max(...ends.map((e) => (e as PromiseFulfilledResult<number>).value)) - t0
    : Number.POSITIVE_INFINITY
  const received = await Promise.all(peers.map((p) => p.call<number>('count', { round: r })))
  return { n, messages, ms, publishMs: Math.max(...pubs), received, expected }
}

function bulkFigure(b: BulkResult, opts: GossipsubBaselineOptions): Figure {
  const ok = Number.isFinite(b.ms)
  const got = b.received.reduce((s, x) => s + x, 0)
  const want = b.expected.reduce((s, x) => s + x, 0)
  return {
    section: SECTION,
    name: `bare gossipsub: ${int(b.messages)} messages spread -> all received (N=${b.n})`,
    value: ok ? fmtMs(b.ms) : `> ${fmtMs(opts.bulkTimeoutMs)}`,
    detail: ok
      ? `${int(Math.round((b.messages / b.ms) * 1000))} messages/s; publishing alone ${fmtMs(b.publishMs)} ` +
        `(${opts.bytes} B each, spread over ${b.n} peers, ${opts.inFlight} in flight per peer)`
      : `${int(got)} of ${int(want)} receipts arrived (${b.received.join(', ')} of ${b.expected.join(', ')})`,
    ms: b.ms,
    count: b.messages,
  }
}

/** What the smoke test inspects besides the figures. */
export interface GossipsubBaselineResult {
  figures: Figure[]
  bulk: BulkResult[]
}

/** Runs the baseline; every peer it starts is stopped before it returns or throws. */
export async function runGossipsubBaseline(
  opts: GossipsubBaselineOptions = GOSSIPSUB_DEFAULTS,
): Promise<GossipsubBaselineResult> {
  const figs: Figure[] = []
  const bulk: BulkResult[] = []
  const sizes = [...new Set([...opts.latencyNs, ...opts.bulk.map((b) => b.n)])].sort((a, b) => a - b)
  for (const n of sizes) {
    const peers: PeerProc[] = []
    try {
      log(`gossipsub baseline: starting ${n} peers`)
      const startMs = await startMesh(n, peers)
      const rss = peers.map((p) => rssOf(p.proc.pid)).filter((x): x is number => x !== undefined)
      figs.push({
        section: SECTION,
        name: `bare gossipsub: start ${n} peers, idle RSS per peer (N=${n})`,
        value: rss.length > 0 ? fmtBytes(rss.reduce((s, x) => s + x, 0) / rss.length) : 'n/a',
        detail: `spawned together in ${fmtMs(startMs)}; full mesh, each subscribed to one topic`,
      })
      if (opts.latencyNs.includes(n)) {
        log(`gossipsub baseline: N=${n} one message at a time`)
        await latencyFigures(peers, opts, figs)
      }
      for (const b of opts.bulk.filter((x) => x.n === n)) {
        log(`gossipsub baseline: N=${n} ${int(b.messages)} messages`)
        const res = await bulkRun(peers, b.messages, opts)
        bulk.push(res)
        figs.push(bulkFigure(res, opts))
      }
    } finally {
      await Promise.all(peers.map((p) => p.stop()))
    }
  }
  return { figures: figs, bulk }
}
