// A fleet at once (issue #28): N nodes start alone and answer, then at one moment every node but
// the seed (node 0) calls join on the seed, as an orchestration script adding a fleet does. Work
// costs CPU (cost.ts) and packets need connections (links.ts).
//
// Policies:
//   today: one join attempt, no retry: a join whose dial fails leaves its node alone for good;
//          every new connection's extra work is queued at once.
//   fix:   a node that is alone retries its join address with exponential backoff and jitter
//          (base 1 s, doubling, x [0.5, 1.5), cap 30 s) until it has a member; every node defers
//          its per-connection extra work by a random delay and runs it at low priority, so probes
//          are answered first; a listener refuses handshakes beyond `pendingCap` under way
//          (libp2p's maxIncomingPendingConnections, 10, which loopback skips today), so a burst
//          cannot fill its queue with handshakes whose dialers will have given up.

import type { Packet } from '../src/membership/messages.js'
import type { SwimOptions } from '../src/membership/swim-options.js'
import { Cluster, EPOCH_MS } from './cluster.js'
import { type CostOptions, DEFAULT_COSTS } from './cost.js'
import { rng } from './rng.js'
import { DEFAULT_RUN, type Impl, networkOf, type RunSpec } from './scenario.js'

export type Policy = 'today' | 'fix'
export const POLICIES: readonly Policy[] = ['today', 'fix']

export interface BurstSpec {
  nodes: number
  seed: number
  /** Virtual seconds after the joins the run may last. */
  seconds: number
  policy: Policy
  costs: CostOptions
  latencyMinMs: number
  latencyMaxMs: number
  /** fix: per-connection extra work is deferred by up to this, ms. */
  deferMs: number
  /** fix: join retries, base and cap, ms. */
  retryBaseMs: number
  retryCapMs: number
  /** fix: handshakes a listener takes at once, more are refused (0: no cap; today: none, as on loopback). */
  pendingCap: number
  /** AutoNAT dial-backs (links.ts). */
  dialBack: boolean
  /** Seconds between the nodes starting and the joins. */
  startS: number
  swim?: Partial<SwimOptions>
}

export const DEFAULT_BURST = {
  seconds: 120,
  costs: DEFAULT_COSTS,
  latencyMinMs: 1,
  latencyMaxMs: 5,
  deferMs: 2000,
  retryBaseMs: 1000,
  retryCapMs: 30_000,
  pendingCap: 10,
  dialBack: true,
  startS: 1,
} as const

export interface BurstResult {
  nodes: number
  seed: number
  policy: Policy
  cores: number
  /** Virtual seconds from the joins until every node holds all N alive and none suspect; null: not by the end. */
  convergedS: number | null
  /** Nodes that hold no member but themselves at the end. */
  alone: number
  /** At the end, the fewest members any node holds alive. */
  minAlive: number
  /** Join dials that failed (each node's first attempt and retries), and nodes whose first failed. */
  joinFailures: number
  firstJoinFailed: number
  /** Join dials made, retries included. */
  joinDials: number
  /** Seconds from the burst until the last join dial that came up (retries included); null: none. */
  lastJoinUpS: number | null
  /** All dials that failed (joins and Swim traffic), refused ones among them. */
  dialFailures: number
  refused: number
  /** Swim packets dropped because their connection's dial failed. */
  dropped: number
  /** 'suspect' events about running members (every member runs here), refutations, false deaths. */
  suspicions: number
  refutes: number
  falseDeaths: number
  /** The seed: longest wait of an item in its queue, and its CPU, ms. */
  seedPeakWaitMs: number
  seedCpuMs: number
  /** Longest wait of any node but the seed, ms. */
  peakWaitMs: number
  /** Mean CPU of a joiner in the first 3 s after the joins, ms. */
  joinerCpu3sMs: number
  /** Connections set up per node: mean, and the seed's. */
  connsMean: number
  seedConns: number
  /** Virtual seconds simulated after the joins. */
  ranS: number
  wallMs: number
}

export function burst(cfg: BurstSpec, impl: Impl): BurstResult {
  const wall0 = performance.now()
  const fix = cfg.policy === 'fix'
  const net: RunSpec = {
    ...DEFAULT_RUN,
    nodes: cfg.nodes,
    seed: cfg.seed,
    latencyMinMs: cfg.latencyMinMs,
    latencyMaxMs: cfg.latencyMaxMs,
  }
  const c = new Cluster({
    nodes: 0,
    spares: cfg.nodes,
    seed: cfg.seed,
    factory: impl.factory,
    sizeOf: impl.sizeOf as (p: Packet) => number,
    swim: cfg.swim,
    network: networkOf(net),
    costs: cfg.costs,
    links: { deferMs: fix ? cfg.deferMs : 0, pendingCap: fix ? cfg.pendingCap : 0, dialBack: cfg.dialBack },
    admission: fix,
  })
  const host = c.host!
  const links = c.links!
  for (let i = 0; i < cfg.nodes; i++) c.boot(i)
  const t0 = EPOCH_MS + cfg.startS * 1000
  c.runUntil(t0)

  const jitter = rng(cfg.seed, 4)
  let joinDials = 0
  let joinFailures = 0
  let firstJoinFailed = 0
  let lastJoinUp = Number.NaN
  const seedId = c.ids[0]!
  const alone = (i: number): boolean => {
    const k = c.node(i).counts()
    return k.alive + k.suspect <= 1
  }
  const attempt = (i: number, n: number): void => {
    joinDials++
    links.dial(i, 0, {
      up: () => {
        lastJoinUp = c.now
        c.node(i).join(seedId)
      },
      fail: () => {
        joinFailures++
        if (n === 0) firstJoinFailed++
        if (!fix) return
        const wait = Math.min(cfg.retryCapMs, cfg.retryBaseMs * 2 ** n) * (0.5 + jitter())
        c.at(c.now + wait, () => {
          if (alone(i)) attempt(i, n + 1)
        })
      },
    })
  }
  const cpu0 = host.cpuMs.slice()
  for (let i = 1; i < cfg.nodes; i++) attempt(i, 0)

  let joinerCpu3sMs = 0
  const end = t0 + cfg.seconds * 1000
  let convergedS: number | null = null
  let stop = end
  const step = 100
  while (c.now < stop) {
    c.runUntil(Math.min(stop, c.now + step))
    if (joinerCpu3sMs === 0 && c.now >= t0 + 3000) {
      let sum = 0
      for (let i = 1; i < cfg.nodes; i++) sum += host.cpuMs[i]! - cpu0[i]!
      joinerCpu3sMs = sum / Math.max(1, cfg.nodes - 1)
    }
    if (convergedS === null && c.agreed()) {
      convergedS = (c.now - t0) / 1000
      // A little longer, to count what the burst still sets off.
      stop = Math.min(end, Math.max(c.now + 10_000, t0 + 3000 + step))
    }
  }

  let lonely = 0
  let minAlive = Number.POSITIVE_INFINITY
  let peakWaitMs = 0
  let conns = 0
  let dialFailures = 0
  for (let i = 0; i < cfg.nodes; i++) {
    if (alone(i)) lonely++
    minAlive = Math.min(minAlive, c.node(i).counts().alive)
    if (i > 0) peakWaitMs = Math.max(peakWaitMs, host.peakWaitMs[i]!)
    conns += links.opened[i]!
    dialFailures += links.failed[i]!
  }
  const o = c.observer
  return {
    nodes: cfg.nodes,
    seed: cfg.seed,
    policy: cfg.policy,
    cores: cfg.costs.cores,
    convergedS,
    alone: lonely,
    minAlive,
    joinFailures,
    firstJoinFailed,
    joinDials,
    lastJoinUpS: Number.isNaN(lastJoinUp) ? null : (lastJoinUp - t0) / 1000,
    dialFailures,
    refused: links.refused,
    dropped: links.dropped,
    suspicions: o.suspicions,
    refutes: o.refutes,
    falseDeaths: o.falseDeaths,
    seedPeakWaitMs: host.peakWaitMs[0]!,
    seedCpuMs: host.cpuMs[0]! - cpu0[0]!,
    peakWaitMs,
    joinerCpu3sMs,
    connsMean: conns / cfg.nodes,
    seedConns: links.opened[0]!,
    ranS: (c.now - t0) / 1000,
    wallMs: performance.now() - wall0,
  }
}
