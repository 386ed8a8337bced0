// Which runs a scenario needs: each is a RunSpec with a role in the report.

import { type BurstSpec, DEFAULT_BURST, type Policy } from './burst.js'
import type { Transport } from './network.js'
import { DEFAULT_RUN, type RunSpec } from './scenario.js'

export const SCENARIOS = [
  'all',
  'join',
  'leave',
  'crash',
  'loss',
  'slow',
  'partition',
  'churn',
  'burst',
  'coords',
] as const
export type Scenario = (typeof SCENARIOS)[number]

/**
 * base: the events at --loss; loss10 / loss50: the same under 10% / 50% loss; slow: one member
 * slowed by the factor relative to the mean round trip; lag: the same factor relative to a longer
 * response time, so that the member answers after the probe timeout.
 */
export type Role = 'base' | 'loss10' | 'loss50' | 'slow' | 'lag'

export interface PlanOptions {
  nodes: number[]
  seconds: number
  seed: number
  loss: number
  scenario: Scenario
  slowFactor: number
  slowResponseMs?: number
  /** Response time the factor multiplies in the lag run, ms; 0: no lag run. */
  lagResponseMs: number
  latencyMinMs: number
  latencyMaxMs: number
  lossySync: boolean
  transport: Transport
  rtoMs: number
  /** 'all' runs 50% loss only up to this N: a storm of suspicions, whose cost grows ~N^2 (FINDINGS F3). */
  loss50MaxNodes?: number
  /** 'all' without the 10% and 50% loss runs (they cost ~N^2: see FINDINGS F3). */
  skipLoss?: boolean
}

export interface PlannedRun {
  role: Role
  spec: RunSpec
}

export function plan(o: PlanOptions): PlannedRun[] {
  const out: PlannedRun[] = []
  for (const nodes of o.nodes) {
    const base: RunSpec = {
      ...DEFAULT_RUN,
      nodes,
      seed: o.seed,
      seconds: o.seconds,
      loss: o.loss,
      latencyMinMs: o.latencyMinMs,
      latencyMaxMs: o.latencyMaxMs,
      lossySync: o.lossySync,
      transport: o.transport,
      rtoMs: o.rtoMs,
    }
    const only = (k: 'join' | 'leave' | 'crash'): RunSpec => ({
      ...base,
      join: k === 'join',
      leave: k === 'leave',
      crash: k === 'crash',
    })
    const lossy = (loss: number): RunSpec => ({ ...base, loss })
    const slow: RunSpec = { ...base, slowFactor: o.slowFactor, slowResponseMs: o.slowResponseMs }
    const lag: PlannedRun[] =
      o.lagResponseMs > 0 ? [{ role: 'lag', spec: { ...slow, slowResponseMs: o.lagResponseMs } }] : []
    switch (o.scenario) {
      case 'join':
      case 'leave':
      case 'crash':
        out.push({ role: 'base', spec: only(o.scenario) })
        break
      case 'loss':
        out.push({ role: 'loss10', spec: lossy(0.1) }, { role: 'loss50', spec: lossy(0.5) })
        break
      case 'slow':
        out.push({ role: 'slow', spec: slow }, ...lag)
        break
      case 'partition':
      case 'churn':
        out.push({ role: 'base', spec: base })
        break
      case 'all':
        out.push({ role: 'base', spec: base })
        if (!o.skipLoss && o.loss !== 0.1) out.push({ role: 'loss10', spec: lossy(0.1) })
        if (!o.skipLoss && nodes <= (o.loss50MaxNodes ?? Number.POSITIVE_INFINITY))
          out.push({ role: 'loss50', spec: lossy(0.5) })
        out.push({ role: 'slow', spec: slow }, ...lag)
        break
    }
  }
  return out
}

/** The burst scenario: each N under each policy (today's first). */
export function planBurst(
  nodes: readonly number[],
  policies: readonly Policy[],
  o: Omit<BurstSpec, 'nodes' | 'policy'>,
): BurstSpec[] {
  const out: BurstSpec[] = []
  for (const n of nodes) for (const policy of policies) out.push({ ...DEFAULT_BURST, ...o, nodes: n, policy })
  return out
}
