
import { defaultTimersConfig } from '../test/helpers/agents.js'
import { waitFor } from '../test/helpers/wait.js'
import { type BenchNode, Fleet } from './fleet.js'
import { type MemberlistRun, runMemberlist } from './membership.js'
import { cpuTicks, type Figure, fmtMs, log, now, sleep } from './util.js'

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length

interface Counts {
  alive: number
  suspect: number
  dead: number
  left: number
}
interface AgentInfo {
  peerId: string
  name: string
  addresses: string[]
  members: Counts
}
type Node = BenchNode<AgentInfo>

export interface BurstRun {
  n: number
  /** Join calls issued -> every agent lists n alive (Infinity: not within the timeout). */
  aliveMs: number
  /** Join calls that returned reached 0 (or threw). */
  failedCalls: number
  /** Slowest join call. */
  slowestCallMs: number
  /** Times any agent listed any member suspect during the burst (sampled every POLL_MS). */
  suspectSeen: number
  /** CPU per agent (ms) from the join calls to convergence: the burst's cost. */
  burstCpuMs: { seed: number; mean: number }
  /** Per agent over IDLE_MS starting SETTLE_MS after convergence: % of a core, TCP connections. */
  idle?: { cpuMean: number; cpuMax: number; connMean: number; connMax: number }
  notes: string[]
}

/** Quiet time after convergence before the idle window (memberlist's run.py waits 3 s too). */
const SETTLE_MS = 3000
const IDLE_MS = 10_000

const POLL_MS = 200
const fleet = new Fleet()

export const stopBurstAgents = (): Promise<void> => fleet.stopAll()

/** Default timers and sync; mDNS off so that the joins, not discovery, form the mesh. */
function agentConfig(): Record<string, unknown> {
  return {
    ...defaultTimersConfig(),
    ...(process.env.BURST_CONFIG ? JSON.parse(process.env.BURST_CONFIG) : {}),
  }
}

const loopback = (i: AgentInfo): string => {
  const a = i.addresses.find((x) => x.includes('/127.0.0.1/'))
  if (a === undefined) throw new Error(`agent ${i.name} has no loopback address`)
  return a
}

export async function runBurst(
  n: number,
  timeoutMs = Number(process.env.BURST_TIMEOUT_MS ?? 60_000),
  extraArgs: string[] = [],
): Promise<BurstRun> {
  const config = agentConfig()
  const nodes: Node[] = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      fleet.start<AgentInfo>(`b${n}-${i}`, {
        config,
        args: ['--log-level', process.env.MURMUR_BENCH_LOG ?? 'info', ...extraArgs],
        timeoutMs: 120_000,
        intervalMs: 100,
      }),
    ),
  )
  const notes: string[] = []
  try {
    const seed = nodes[0]!
    const addr = loopback(seed.info)
    const ticks = (): number[] => nodes.map((x) => cpuTicks(x.agent.proc?.pid))
    const cpu0 = ticks()
    const t0 = now()
    let failedCalls = 0
    let slowestCallMs = 0
    const calls = nodes.slice(1).map(async (x) => {
      const t = now()
      try {
        const r = await x.client.call<{ reached: number; failed: unknown[] }>(
          'join',
          { addrs: [addr] },
          { timeoutMs: 60_000 },
        )
        if (r.reached < 1) {
          failedCalls++
          notes.push(`${x.agent.opts.name}: ${JSON.stringify(r.failed).slice(0, 200)}`)
        }
      } catch (err) {
        failedCalls++
        notes.push(`${x.agent.opts.name}: ${(err as Error).message.slice(0, 200)}`)
      }
      slowestCallMs = Math.max(slowestCallMs, now() - t)
    })
    let suspectSeen = 0
    let aliveMs = Number.POSITIVE_INFINITY
    let next = 1000
    try {
      await waitFor(
        async () => {
          const infos = await Promise.all(
            nodes.map((x) => x.client.call<AgentInfo & { membership: Record<string, number> }>('info', {})),
          )
          const counts = infos.map((i) => i.members)
          suspectSeen += counts.reduce((s, c) => s + c.suspect, 0)
          const full = counts.filter((c) => c.alive === n).length
          const t = now() - t0
          if (t >= next) {
            const m = infos[0]!.membership
            const tot = infos.reduce((s, i) => s + i.membership.packetsSent!, 0)
            log(
              `  burst N=${n} t=${fmtMs(t)}: ${full}/${n} agents list all ${n}; seed sent ${m.packetsSent} recv ${m.packetsReceived} conns ${m.connections} view ${m.activeView} health ${m.healthScore}; fleet sent ${tot} suspect ${counts.reduce((s, c) => s + c.suspect, 0)}`,
            )
            next += 1000
          }
          return full === n
        },
        { timeoutMs, intervalMs: POLL_MS, what: `${n} agents to list ${n} alive` },
      )
      aliveMs = now() - t0
    } catch (err) {
      notes.push((err as Error).message)
    }
    const used = ticks().map((c, i) => (c - cpu0[i]!) * 10)
    const burstCpuMs = {
      seed: used[0]!,
      mean: Math.round(used.slice(1).reduce((a, b) => a + b, 0) / (n - 1)),
    }
    await Promise.all(calls)
    let idle: BurstRun['idle']
    if (Number.isFinite(aliveMs)) {
      await sleep(SETTLE_MS) // measurement quiet time, not synchronisation
      const c0 = ticks()
      const w0 = now()
      await sleep(IDLE_MS)
      const secs = (now() - w0) / 1000
      const cpu = ticks().map((c, i) => ((c - c0[i]!) / 100 / secs) * 100)
      const conns = (
        await Promise.all(
          nodes.map((x) => x.client.call<{ membership: { connections: number } }>('info', {})),
        )
      ).map((i) => i.membership.connections)
      idle = {
        cpuMean: mean(cpu),
        cpuMax: Math.max(...cpu),
        connMean: mean(conns),
        connMax: Math.max(...conns),
      }
    }
    return { n, aliveMs, failedCalls, slowestCallMs, suspectSeen, burstCpuMs, idle, notes }
  } finally {
    await fleet.stop(nodes)
  }
}

/** MURMUR_BURST_SIZES=10,30,60 (default 10,30): the fleet sizes of the `burst` part. */
const SIZES = (process.env.MURMUR_BURST_SIZES ?? '10,30').split(',').map(Number)
const s = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'never')

/** Each size: murmur's burst, then memberlist's N nodes started at once and joined to node 0. */
export async function runBurstBench(): Promise<Figure[]> {
  const figs: Figure[] = []
  for (const n of SIZES) {
    log(`burst: N=${n}`)
    const r = await runBurst(n, 120_000)
    for (const note of r.notes.slice(0, 5)) log(`  ${note}`)
    const ml: MemberlistRun = await runMemberlist(n, 180_000, IDLE_MS / 1000)
    const section = `burst N=${n}`
    const mlAlive = ml.aliveS !== undefined ? ml.aliveS * 1000 : Number.NaN
    const slack = n <= 10 ? 1000 : 2000
    const target = Number.isFinite(mlAlive) ? 2 * mlAlive + slack : Number.NaN
    figs.push(
      {
        section,
        name: `${n - 1} admin joins at once -> all alive everywhere`,
        value: s(r.aliveMs),
        detail:
          `memberlist ${ml.error ?? s(mlAlive)}; target <= 2x + ${slack / 1000} s = ${s(target)}` +
          `${r.aliveMs <= target ? ' (met)' : ' (missed)'}; ${r.failedCalls} calls reached nobody at first, slowest call ${s(r.slowestCallMs)}`,
        ms: r.aliveMs,
      },
      {
        section,
        name: 'suspect listings during the burst',
        value: String(r.suspectSeen),
        detail: `every agent polled every ${POLL_MS} ms; CPU per agent in the burst: seed ${r.burstCpuMs.seed} ms, others ${r.burstCpuMs.mean} ms`,
      },
    )
    if (r.idle)
      figs.push(
        {
          section,
          name: `idle CPU per agent, ${SETTLE_MS / 1000} s after convergence`,
          value: `${r.idle.cpuMean.toFixed(2)}% of a core`,
          detail: `max ${r.idle.cpuMax.toFixed(2)}%; memberlist ${ml.cpuMean ?? 'n/a'}% (max ${ml.cpuMax ?? 'n/a'}%) over ${IDLE_MS / 1000} s`,
        },
        {
          section,
          name: 'TCP connections per agent',
          value: `${r.idle.connMean.toFixed(1)} (max ${r.idle.connMax})`,
          detail: `target <= log2 N + 8 = ${(Math.log2(n) + 8).toFixed(1)}`,
        },
      )
  }
  return figs
}

// `node dist/bench/burst.js 10 30`: runs the burst at those sizes and prints each run (no baseline).
if (process.argv[1]?.endsWith('burst.js')) {
  const sizes = process.argv.slice(2).map(Number)
  try {
    for (const n of sizes.length > 0 ? sizes : [10]) {
      const r = await runBurst(n)
      log(
        `burst N=${r.n}: all alive ${fmtMs(r.aliveMs)}, failed calls ${r.failedCalls}, slowest call ${fmtMs(r.slowestCallMs)}, ` +
          `suspect samples ${r.suspectSeen}, burst CPU seed ${r.burstCpuMs.seed} ms others ${r.burstCpuMs.mean} ms, idle ${JSON.stringify(r.idle)}`,
      )
      for (const note of r.notes.slice(0, 10)) log(`  ${note}`)
    }
  } finally {
    await stopBurstAgents()
  }
}
