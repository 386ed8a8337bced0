// One simulated run on a fixed timeline (virtual seconds from the converged start):
//   [0, warmup)            timers settle, nothing measured but false deaths
//   [warmup, +idle)        idle traffic
//   T = warmup + idle      a spare joins through one random member
//   T + gap                a random member leaves gracefully
//   T + 2 gap              a random member crashes
//   until `seconds`        traffic during the events; convergence deadlines
// Loss and the slowed member apply for the whole run.

import type { Packet } from '../src/membership/messages.js'
import type { SwimOptions } from '../src/membership/swim-options.js'
import { Cluster, EPOCH_MS } from './cluster.js'
import type { NetworkOptions, Transport } from './network.js'
import { type Spread, type Traffic, TrafficWindow, type Watch } from './measure.js'
import type { NodeFactory } from './node.js'
import { RUNNING } from './states.js'

/** A run's settings: plain data, so a worker thread can receive them. */
export interface RunSpec {
  nodes: number
  seed: number
  seconds: number
  loss: number
  /** Slow one member by this factor (1: none); see network.ts for the model. */
  slowFactor: number
  /** The normal response time the slow factor multiplies, ms; default the mean round trip. */
  slowResponseMs?: number
  join: boolean
  leave: boolean
  crash: boolean
  warmupS: number
  idleS: number
  gapS: number
  latencyMinMs: number
  latencyMaxMs: number
  /** Push-pull packets (sync-*) are lost like the others; by default they are a stream. */
  lossySync: boolean
  /** What loss does to a packet: see network.ts. */
  transport: Transport
  rtoMs: number
  swim?: Partial<SwimOptions>
}

/** The node under test and its packet size function. */
export interface Impl {
  factory: NodeFactory
  sizeOf: (packet: Packet) => number
}

export const DEFAULT_RUN = {
  seconds: 60,
  loss: 0,
  slowFactor: 1,
  join: true,
  leave: true,
  crash: true,
  warmupS: 5,
  idleS: 10,
  gapS: 5,
  latencyMinMs: 1,
  latencyMaxMs: 5,
  lossySync: false,
  transport: 'stream',
  rtoMs: 200,
} as const

/** Push-pull travels on a stream (memberlist: TCP); probes and gossip are datagrams. */
const isStream = (p: Packet): boolean => p.type.startsWith('sync-')

/** The network a run's settings describe (every kind of run builds it here). */
export function networkOf(cfg: RunSpec): Partial<NetworkOptions<Packet>> {
  return {
    loss: cfg.loss,
    latencyMinMs: cfg.latencyMinMs,
    latencyMaxMs: cfg.latencyMaxMs,
    reliable: cfg.lossySync ? undefined : isStream,
    transport: cfg.transport,
    rtoMs: cfg.rtoMs,
  }
}

export interface RunResult {
  nodes: number
  seed: number
  seconds: number
  loss: number
  transport: Transport
  slowFactor: number
  /** Extra handling delay of the slowed member, ms. */
  slowDelayMs: number
  join: Spread | null
  leave: Spread | null
  crash: Spread | null
  /** Virtual seconds from each action to the end of the run (the deadline of its spread). */
  window: { join: number; leave: number; crash: number }
  idle: Traffic
  busy: Traffic
  falseDeaths: number
  falselyDead: number
  /** False 'dead' declarations about the slowed member. */
  slowFalseDeaths: number
  suspicions: number
  refutes: number
  /** At the end: the least and most members a running node holds alive or suspect. */
  viewMin: number
  viewMax: number
  live: number
  events: Record<string, number>
  drops: Record<string, number>
  net: { lost: number; blocked: number; undelivered: number; unknown: number }
  calls: number
  setupMs: number
  wallMs: number
  /** CPU time of the process (user + system) during the run; NaN (JSON null) from a worker. */
  cpuMs: number
}

export function run(cfg: RunSpec, impl: Impl, ids?: string[]): RunResult {
  const wall0 = performance.now()
  const cpu0 = process.cpuUsage()
  const c = new Cluster({
    nodes: cfg.nodes,
    spares: 1,
    seed: cfg.seed,
    factory: impl.factory,
    sizeOf: impl.sizeOf,
    swim: cfg.swim,
    ids,
    network: networkOf(cfg),
  })
  const setupMs = performance.now() - wall0
  const s = (secs: number): number => EPOCH_MS + secs * 1000
  const used: number[] = []
  let slowed = -1
  if (cfg.slowFactor > 1) {
    slowed = c.randomRunning()
    used.push(slowed)
    c.net.slow(slowed, cfg.slowFactor, cfg.slowResponseMs)
    c.rewake(slowed)
  }
  c.runUntil(s(cfg.warmupS))
  const idleWindow = new TrafficWindow(c, c.net)
  c.runUntil(s(cfg.warmupS + cfg.idleS))
  const idle = idleWindow.end()
  const busyWindow = new TrafficWindow(c, c.net)
  const t0 = cfg.warmupS + cfg.idleS
  let join: Watch | undefined
  let leave: Watch | undefined
  let crash: Watch | undefined
  if (cfg.join) {
    const spare = c.spare()
    used.push(spare)
    join = c.observer.watch('join', spare)
    c.join(spare, c.randomRunning(used))
  }
  if (cfg.leave) {
    c.runUntil(s(t0 + cfg.gapS))
    const who = c.randomRunning(used)
    used.push(who)
    leave = c.observer.watch('leave', who)
    c.leave(who)
  }
  if (cfg.crash) {
    c.runUntil(s(t0 + 2 * cfg.gapS))
    const who = c.randomRunning(used)
    used.push(who)
    crash = c.observer.watch('dead', who)
    c.crash(who)
  }
  c.runUntil(s(cfg.seconds))
  const busy = busyWindow.end()

  let viewMin = Number.POSITIVE_INFINITY
  let viewMax = 0
  for (let i = 0; i < c.size; i++) {
    if (c.state[i] !== RUNNING) continue
    const k = c.node(i).counts()
    const v = k.alive + k.suspect
    if (v < viewMin) viewMin = v
    if (v > viewMax) viewMax = v
  }
  const o = c.observer
  const slowFalseDeaths = slowed >= 0 ? (o.falselyDead.get(slowed) ?? 0) : 0
  return {
    nodes: cfg.nodes,
    seed: cfg.seed,
    seconds: cfg.seconds,
    loss: cfg.loss,
    transport: cfg.transport,
    slowFactor: cfg.slowFactor,
    slowDelayMs: slowed >= 0 ? c.net.delay[slowed]! : 0,
    join: join?.spread ?? null,
    leave: leave?.spread ?? null,
    crash: crash?.spread ?? null,
    window: {
      join: cfg.seconds - t0,
      leave: cfg.seconds - t0 - cfg.gapS,
      crash: cfg.seconds - t0 - 2 * cfg.gapS,
    },
    idle,
    busy,
    falseDeaths: o.falseDeaths,
    falselyDead: o.falselyDead.size,
    slowFalseDeaths,
    suspicions: o.suspicions,
    refutes: o.refutes,
    viewMin: viewMin === Number.POSITIVE_INFINITY ? 0 : viewMin,
    viewMax,
    live: c.live,
    events: { ...o.events },
    drops: Object.fromEntries([...o.drops].sort((a, b) => b[1] - a[1])),
    net: { lost: c.net.lost, blocked: c.net.blocked, undelivered: c.net.undelivered, unknown: c.net.unknown },
    calls: c.calls,
    setupMs,
    wallMs: performance.now() - wall0,
    cpuMs: cpuMs(process.cpuUsage(cpu0)),
  }
}

const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000
