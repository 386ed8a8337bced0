// Runs with a changing mesh: a partition that heals, and churn (members crash, leave and join
// throughout). Both end by measuring how long until every running node holds exactly the
// running members alive (and none suspect).

import { Cluster, EPOCH_MS } from './cluster.js'
import { type Impl, networkOf, type RunSpec } from './scenario.js'

export interface DynamicsResult {
  kind: 'partition' | 'churn'
  nodes: number
  seed: number
  loss: number
  /** Seconds the partition or the churn lasted. */
  disturbanceS: number
  /** Virtual seconds after the partition healed / the churn stopped until all views agree; null: not by the end. */
  convergedS: number | null
  /** 'dead' events about running members: across the partition (expected) or during churn. */
  deaths: number
  /** Churn: members crashed, left and joined. */
  crashed: number
  left: number
  joined: number
  wallMs: number
}

function converge(c: Cluster, endMs: number, stepMs = 250): number | null {
  const start = c.now
  while (c.now < endMs) {
    if (c.agreed()) return (c.now - start) / 1000
    c.runUntil(Math.min(endMs, c.now + stepMs))
  }
  return c.agreed() ? (c.now - start) / 1000 : null
}

function cluster(cfg: RunSpec, impl: Impl, spares: number): Cluster {
  return new Cluster({
    nodes: cfg.nodes,
    spares,
    seed: cfg.seed,
    factory: impl.factory,
    sizeOf: impl.sizeOf,
    swim: cfg.swim,
    network: networkOf(cfg),
  })
}

/** Two random halves cannot reach each other for `partitionS`, then the network heals. */
export function partition(cfg: RunSpec, impl: Impl, partitionS: number): DynamicsResult {
  const wall0 = performance.now()
  const c = cluster(cfg, impl, 0)
  c.runUntil(EPOCH_MS + cfg.warmupS * 1000)
  const order = c.running()
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(c.random() * (i + 1))
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  c.net.partition([order.slice(0, order.length >> 1)])
  c.runFor(partitionS * 1000)
  const deaths = c.observer.falseDeaths
  c.net.heal()
  const convergedS = converge(c, EPOCH_MS + cfg.seconds * 1000)
  return {
    kind: 'partition',
    nodes: cfg.nodes,
    seed: cfg.seed,
    loss: cfg.loss,
    disturbanceS: partitionS,
    convergedS,
    deaths,
    crashed: 0,
    left: 0,
    joined: 0,
    wallMs: performance.now() - wall0,
  }
}

/** For `churnS`, every `everyMs` one member crashes, one leaves and a new one joins. */
export function churn(cfg: RunSpec, impl: Impl, churnS: number, everyMs = 1000): DynamicsResult {
  const wall0 = performance.now()
  const rounds = Math.floor((churnS * 1000) / everyMs)
  const c = cluster(cfg, impl, rounds)
  c.runUntil(EPOCH_MS + cfg.warmupS * 1000)
  let crashed = 0
  let left = 0
  let joined = 0
  for (let r = 0; r < rounds; r++) {
    c.crash(c.randomRunning())
    crashed++
    c.leave(c.randomRunning())
    left++
    const spare = c.spare()
    if (spare >= 0) {
      c.join(spare, c.randomRunning([spare]))
      joined++
    }
    c.runFor(everyMs)
  }
  const deaths = c.observer.falseDeaths
  const convergedS = converge(c, EPOCH_MS + cfg.seconds * 1000)
  return {
    kind: 'churn',
    nodes: cfg.nodes,
    seed: cfg.seed,
    loss: cfg.loss,
    disturbanceS: churnS,
    convergedS,
    deaths,
    crashed,
    left,
    joined,
    wallMs: performance.now() - wall0,
  }
}
