// Membership at N = 3, 10, 30 real agents with the DEFAULT timers (config/default.json), per-agent
// idle cost, join convergence and failure detection, beside hashicorp/memberlist run in the same
// bench (../shared/baselines/memberlist). See docs/benchmarks.md, "Membership at scale".
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MembershipTraffic } from '../src/api/results.js'
import { defaultTimersConfig } from '../test/helpers/agents.js'
import { waitFor } from '../test/helpers/wait.js'
import { type BenchNode, Fleet } from './fleet.js'
import { cpuTicks, type Figure, fmtMs, log, now, rssOf, sleep } from './util.js'

/** MURMUR_BENCH_SIZES=10,30 runs only those (for diagnosis); the default is the 3, 10, 30. */
const SIZES: number[] = (process.env.MURMUR_BENCH_SIZES ?? '3,10,30').split(',').map(Number)
/** Quiet time after convergence before the idle window (memberlist's run.py waits 3 s too). */
const SETTLE_MS = 3000
/**
 * The idle window starts no earlier than this after convergence: about 45 to 60 s after an
 * agent's busy start V8's memory reducer runs a few full GCs once (heap 54 -> 24 MB), which
 * would otherwise land in the window and count as a steady idle cost (0.5% of a core over 30 s).
 */
const WARM_MS = 70_000
/** The idle window over which CPU and membership traffic are measured. */
const IDLE_MS = 20_000
const POLL_MS = 100
const START_TIMEOUT_MS = 120_000
const ALIVE_TIMEOUT_MS = 45_000
const DEAD_TIMEOUT_MS = 45_000
/** Convergence slower than this gets a who-lacks-whom snapshot in the notes. */
const SLOW_CONVERGE_MS = 10_000
const JOIN_ATTEMPTS = 3
/** warn, as the issue asks; MURMUR_BENCH_LOG=info keeps member events in the saved logs for diagnosis. */
const AGENT_LOG_LEVEL = process.env.MURMUR_BENCH_LOG ?? 'warn'
/** Per-agent figures at N = 30 within this factor of N = 3: "O(1) per member". */
const SCALE_LIMIT = 1.5
const CPU_LIMIT_PCT = 1
const MEMBERLIST_RUN = '/work/shared/baselines/memberlist/run.sh'
/** Clock ticks per second in /proc/<pid>/stat (USER_HZ; 100 on Linux). */
const HZ = 100

interface Counts {
  alive: number
  suspect: number
  dead: number
  left: number
}

type Traffic = MembershipTraffic

interface AgentInfo {
  peerId: string
  name: string
  addresses: string[]
  members: Counts
  membership?: Traffic
}

interface MemberRow {
  id: string
  name: string
  status: string
  incarnation: number
}

type Node = BenchNode<AgentInfo>

/** What one agent did over the idle window. */
interface PerAgent {
  name: string
  cpuPct: number
  rss: number
  connections: number
  activeView: number
  pktOutPerS: number
  bytesOutPerS: number
  pktInPerS: number
  bytesInPerS: number
  dropped: number
  healthScore: number
}

interface MurmurRun {
  n: number
  startMs: number
  joinMs: number
  aliveMs: number
  deadMs: number
  firstDeadMs: number
  /** First agent to list the victim as not alive, and the last one (suspect or dead). */
  firstSuspectMs: number
  suspectAllMs: number
  perAgent: PerAgent[]
  refutations: number
  load: string
  /** The agents' CPU together beside the whole machine's over the idle window. */
  cpuSplit: string
  notes: string[]
}

export interface MemberlistRun {
  n: number
  aliveS?: number
  cpuMean?: number
  cpuMax?: number
  rssMean?: number
  rssMax?: number
  deadS?: number
  error?: string
}

const fleet = new Fleet()
let baseline: ChildProcess | undefined
const murmurRuns: MurmurRun[] = []
const memberlistRuns: MemberlistRun[] = []
let memberlistSkipped: string | undefined
const failures: string[] = []

const load1 = (): string => loadavg()[0]!.toFixed(2)

/** Stops every agent and the memberlist run still going. Safe to call twice. */
export async function stopMembershipAgents(): Promise<void> {
  if (baseline?.pid !== undefined && baseline.exitCode === null) {
    try {
      process.kill(-baseline.pid, 'SIGKILL') // the whole group: bash, python and the Go nodes
    } catch {}
  }
  await fleet.stopAll()
}

export function defaultTimersNote(): string {
  const m = defaultTimersConfig().membership as Record<string, number>
  return (
    `config/default.json timers: probe ${m.probeIntervalMs} ms, probe timeout ${m.probeTimeoutMs} ms, ` +
    `gossip ${m.gossipIntervalMs} ms to ${m.gossipFanout}, suspicion mult ${m.suspicionMult}, ` +
    `push-pull ${m.pushPullIntervalMs} ms; mDNS off; agents on 127.0.0.1 port 0, log level ${AGENT_LOG_LEVEL}`
  )
}

function startNode(name: string, config: Record<string, unknown>): Promise<Node> {
  return fleet.start<AgentInfo>(name, {
    config,
    args: ['--log-level', AGENT_LOG_LEVEL],
    timeoutMs: START_TIMEOUT_MS,
    intervalMs: 100,
  })
}

const stopNodes = (nodes: Node[]): Promise<void> => fleet.stop(nodes)

function assertRunning(nodes: Node[], except?: Node): void {
  for (const n of nodes) {
    if (n === except || n.agent.running) continue
    throw new Error(`agent ${n.agent.opts.name} exited ${n.agent.exitCode}:\n${n.agent.logs.slice(-3000)}`)
  }
}

const info = (n: Node): Promise<AgentInfo> => n.client.call<AgentInfo>('info', {})
const members = async (n: Node, status?: string): Promise<MemberRow[]> =>
  (await n.client.call<{ members: MemberRow[] }>('members', status ? { status } : {})).members

const loopback = (i: AgentInfo): string => {
  const a = i.addresses.find((x) => x.includes('/127.0.0.1/'))
  if (a === undefined) throw new Error(`agent ${i.name} has no loopback address: ${i.addresses.join(', ')}`)
  return a
}

/** Busy clock ticks of the whole machine (all CPUs) from /proc/stat: user..steal minus idle, iowait. */
function machineTicks(): { busy: number } {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number)
    return { busy: f.reduce((a, b) => a + b, 0) - f[3]! - f[4]! }
  } catch {
    return { busy: Number.NaN }
  }
}

/** Highest incarnation each member has in anyone's view: a rise during idle means refutations. */
async function incarnations(nodes: Node[]): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const rows of await Promise.all(nodes.map((n) => members(n)))) {
    for (const r of rows) out.set(r.id, Math.max(out.get(r.id) ?? 0, r.incarnation))
  }
  return out
}

/** Saves every agent's log (they log at warn) so abnormal runs leave evidence behind. */
function saveLogs(nodes: Node[], n: number, why: string): string {
  const path = join(tmpdir(), `murmur-bench-members-n${n}-${Date.now()}.log`)
  const text = nodes.map((x) => `--- ${x.agent.opts.name} (${x.info.peerId}) ---\n${x.agent.logs}`).join('\n')
  writeFileSync(path, `${why}\n${text}`)
  return path
}

/** Joins `node` to `target`; a failed call (a dial timeout on a loaded machine) is retried. */
async function joinWithRetry(node: Node, target: Node): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const r = await node.client.call<{ reached: number; failed: unknown[] }>(
      'join',
      { addrs: [loopback(target.info)] },
      { timeoutMs: 60_000 },
    )
    if (r.reached >= 1) return attempt
    const why = `${node.agent.opts.name} join ${target.agent.opts.name} failed: ${JSON.stringify(r.failed)}`
    log(`  ${why}`)
    if (attempt >= JOIN_ATTEMPTS - 1) throw new Error(why)
  }
}

/** Who lists whom as not alive (or not at all): evidence for a slow convergence. */
async function missingMembers(nodes: Node[]): Promise<string> {
  const names = new Map(nodes.map((x) => [x.info.peerId, x.agent.opts.name]))
  const views = await Promise.all(nodes.map((x) => members(x).catch(() => [] as MemberRow[])))
  const lines: string[] = []
  views.forEach((rows, k) => {
    const status = new Map(rows.map((r) => [r.id, r.status]))
    const miss = nodes
      .filter((x) => status.get(x.info.peerId) !== 'alive')
      .map((x) => `${names.get(x.info.peerId)}:${status.get(x.info.peerId) ?? 'unknown'}`)
    if (miss.length > 0)
      lines.push(`${nodes[k]!.agent.opts.name} lacks ${miss.length} [${miss.slice(0, 6).join(' ')}]`)
  })
  return `${lines.length} agents incomplete; ${lines.slice(0, 4).join('; ')}`
}

async function runMurmur(n: number, config: Record<string, unknown>): Promise<MurmurRun> {
  log(`members: starting ${n} agents (default timers), load ${load1()}`)
  const notes: string[] = []
  const t0 = now()
  const nodes = await Promise.all(Array.from({ length: n }, (_, i) => startNode(`m${n}-${i}`, config)))
  try {
    const startMs = now() - t0
    // A chain: agent i joins agent i-1, one call after the other.
    const t1 = now()
    let retries = 0
    for (let i = 1; i < n; i++) retries += await joinWithRetry(nodes[i]!, nodes[i - 1]!)
    const joinMs = now() - t1
    if (retries > 0) notes.push(`${retries} join calls failed and were retried (dial timeouts under load)`)

    const t2 = now()
    let lastCounts: Counts[] = []
    let aliveMs = Number.POSITIVE_INFINITY
    let nextReport = 1000
    let reportedMissing = false
    try {
      await waitFor(
        async () => {
          assertRunning(nodes)
          lastCounts = (await Promise.all(nodes.map(info))).map((i) => i.members)
          const done = lastCounts.every((c) => c.alive === n)
          const t = now() - t2
          if (!done && t >= nextReport) {
            // A timeline of the convergence, for when it is slow.
            const alive = lastCounts.map((c) => c.alive).sort((a, b) => a - b)
            const full = alive.filter((a) => a === n).length
            log(
              `  t=${fmtMs(t)}: alive counts min ${alive[0]} median ${alive[alive.length >> 1]}, ` +
                `${full}/${n} agents list all ${n}; suspect listed ${lastCounts.reduce((x, c) => x + c.suspect, 0)} times`,
            )
            nextReport = t < 10_000 ? t + 1000 : t + 5000
          }
          if (!done && !reportedMissing && t >= SLOW_CONVERGE_MS) {
            reportedMissing = true
            const miss = await missingMembers(nodes)
            notes.push(`still converging ${fmtMs(SLOW_CONVERGE_MS)} after the last join: ${miss}`)
            log(`  after ${fmtMs(SLOW_CONVERGE_MS)}: ${miss}`)
          }
          return done
        },
        { timeoutMs: ALIVE_TIMEOUT_MS, intervalMs: POLL_MS, what: `${n} agents to list ${n} alive` },
      )
      aliveMs = now() - t2
    } catch (err) {
      const lagging = lastCounts
        .map((c, i) => ({ c, i }))
        .filter(({ c }) => c.alive !== n)
        .map(({ c, i }) => `m${n}-${i} ${JSON.stringify(c)}`)
      const file = saveLogs(nodes, n, `not converged: ${lagging.join('; ')}`)
      notes.push(
        `not all alive after ${fmtMs(ALIVE_TIMEOUT_MS)}: ${lagging.slice(0, 5).join('; ')} (logs: ${file})`,
      )
      log(`members: N=${n} ${(err as Error).message}; ${lagging.join('; ')}`)
    }
    log(
      `members: N=${n} all alive ${fmtMs(aliveMs)} after the last join; idle window next, ${fmtMs(IDLE_MS)} from ${fmtMs(WARM_MS)} after convergence`,
    )

    // Measurement quiet time, not synchronisation (from the last join if it never converged).
    await sleep(Math.max(SETTLE_MS, WARM_MS - (now() - t2 - (Number.isFinite(aliveMs) ? aliveMs : 0))))
    const inc0 = await incarnations(nodes)
    const i0 = await Promise.all(nodes.map(info))
    const c0 = nodes.map((x) => cpuTicks(x.agent.proc?.pid))
    const m0 = machineTicks()
    const w0 = now()
    const loadStart = load1()
    await sleep(IDLE_MS)
    const c1 = nodes.map((x) => cpuTicks(x.agent.proc?.pid))
    const m1 = machineTicks()
    const secs = (now() - w0) / 1000
    const machineBusyPct = ((m1.busy - m0.busy) / HZ / secs) * 100
    const agentsPct = ((c1.reduce((a, b) => a + b, 0) - c0.reduce((a, b) => a + b, 0)) / HZ / secs) * 100
    const loadEnd = load1()
    assertRunning(nodes)
    const i1 = await Promise.all(nodes.map(info))
    const inc1 = await incarnations(nodes)
    let refutations = 0
    for (const [id, v] of inc1) refutations += v - (inc0.get(id) ?? v)
    const perAgent = nodes.map((x, k): PerAgent => {
      const a = i0[k]!.membership
      const b = i1[k]!.membership
      const d = (f: keyof Traffic): number => (a && b ? (b[f] - a[f]) / secs : Number.NaN)
      return {
        name: x.agent.opts.name,
        cpuPct: ((c1[k]! - c0[k]!) / HZ / secs) * 100,
        rss: rssOf(x.agent.proc?.pid) ?? Number.NaN,
        connections: b?.connections ?? Number.NaN,
        activeView: b?.activeView ?? Number.NaN,
        pktOutPerS: d('packetsSent'),
        bytesOutPerS: d('bytesSent'),
        pktInPerS: d('packetsReceived'),
        bytesInPerS: d('bytesReceived'),
        dropped: a && b ? b.dropped - a.dropped : Number.NaN,
        healthScore: b?.healthScore ?? Number.NaN,
      }
    })
    for (const p of perAgent) {
      log(
        `  ${p.name}: cpu ${p.cpuPct.toFixed(2)}% rss ${(p.rss / 2 ** 20).toFixed(1)} MiB conns ${p.connections} ` +
          `view ${p.activeView} out ${p.pktOutPerS.toFixed(1)} pkt/s ${p.bytesOutPerS.toFixed(0)} B/s ` +
          `in ${p.pktInPerS.toFixed(1)} pkt/s ${p.bytesInPerS.toFixed(0)} B/s dropped ${p.dropped} health ${p.healthScore}`,
      )
    }
    const notAlive = i1.filter((x) => x.members.alive !== n)
    if (notAlive.length > 0) {
      notes.push(
        `after idle ${notAlive.length} agents list fewer than ${n} alive: ` +
          notAlive
            .slice(0, 3)
            .map((x) => `${x.name} ${JSON.stringify(x.members)}`)
            .join('; '),
      )
    }
    if (refutations > 0) notes.push(`${refutations} incarnation bumps (refuted suspicions) while idle`)
    const dropped = perAgent.reduce((s, p) => s + p.dropped, 0)
    if (dropped > 0) notes.push(`${dropped} membership packets dropped while idle`)
    const unhealthy = perAgent.filter((p) => p.healthScore > 0)
    if (unhealthy.length > 0)
      notes.push(`${unhealthy.length} agents with Lifeguard health score > 0 after idle`)
    if (notes.length > 0 && !notes.some((x) => x.includes('logs:'))) {
      notes.push(`logs: ${saveLogs(nodes, n, notes.join('\n'))}`)
    }

    // kill -9 the last agent; every other agent must list it dead.
    const victim = nodes[n - 1]!
    const others = nodes.slice(0, -1)
    log(`members: N=${n} kill -9 ${victim.agent.opts.name}`)
    fleet.release(victim)
    const aliveBefore = (
      await Promise.all(
        others.map(async (o) => (await members(o)).find((m) => m.id === victim.info.peerId)?.status),
      )
    ).filter((st) => st === 'alive').length
    if (aliveBefore < others.length)
      notes.push(`at the kill only ${aliveBefore} of ${others.length} others listed the victim alive`)
    const t3 = now()
    victim.agent.kill('SIGKILL')
    const seen = new Map<Node, number>()
    const suspected = new Map<Node, number>()
    let deadMs = Number.POSITIVE_INFINITY
    try {
      await waitFor(
        async () => {
          assertRunning(nodes, victim)
          await Promise.all(
            others
              .filter((o) => !seen.has(o))
              .map(async (o) => {
                const row = (await members(o)).find((m) => m.id === victim.info.peerId)
                const t = now() - t3
                if (row?.status !== 'alive' && !suspected.has(o)) suspected.set(o, t)
                if (row?.status === 'dead') seen.set(o, t)
              }),
          )
          return seen.size === others.length
        },
        { timeoutMs: DEAD_TIMEOUT_MS, intervalMs: POLL_MS, what: `${n - 1} agents to list the victim dead` },
      )
      deadMs = now() - t3
    } catch {
      const missing = others.filter((o) => !seen.has(o))
      const views = await Promise.all(
        missing.slice(0, 3).map(async (o) => {
          const row = (await members(o).catch(() => [])).find((m) => m.id === victim.info.peerId)
          return `${o.agent.opts.name} lists it ${row?.status ?? 'not at all'}`
        }),
      )
      notes.push(
        `${missing.length} agents did not list the killed agent dead within ${fmtMs(DEAD_TIMEOUT_MS)}: ` +
          `${views.join('; ')} (logs: ${saveLogs(nodes, n, 'victim not dead everywhere')})`,
      )
    }
    const firstDeadMs = Math.min(...seen.values())
    const firstSuspectMs = Math.min(...suspected.values())
    const suspectAllMs =
      suspected.size === others.length ? Math.max(...suspected.values()) : Number.POSITIVE_INFINITY
    log(
      `members: N=${n} dead everywhere ${fmtMs(deadMs)} (first ${fmtMs(firstDeadMs)}); ` +
        `suspected first ${fmtMs(firstSuspectMs)}, by all ${fmtMs(suspectAllMs)}`,
    )
    return {
      n,
      startMs,
      joinMs,
      aliveMs,
      deadMs,
      firstDeadMs,
      firstSuspectMs,
      suspectAllMs,
      perAgent,
      refutations,
      load: `${loadStart} -> ${loadEnd}`,
      cpuSplit: `${agentsPct.toFixed(0)}% of ${machineBusyPct.toFixed(0)}% busy (of ${cpus().length * 100}%)`,
      notes,
    }
  } finally {
    await stopNodes(nodes)
  }
}

/** One `run.sh N IDLE_S`; its processes run in their own group so a timeout kills them all. */
export function runMemberlist(n: number, timeoutMs: number, idleS = IDLE_MS / 1000): Promise<MemberlistRun> {
  return new Promise((resolve) => {
    const p = spawn('bash', [MEMBERLIST_RUN, String(n), String(idleS)], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    baseline = p
    let out = ''
    let err = ''
    p.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
    })
    p.stderr?.on('data', (d: Buffer) => {
      err += d.toString()
    })
    const timer = setTimeout(() => {
      if (p.pid !== undefined)
        try {
          process.kill(-p.pid, 'SIGKILL')
        } catch {}
    }, timeoutMs)
    p.on('error', (e) => {
      clearTimeout(timer)
      resolve({ n, error: e.message })
    })
    p.on('close', (code, sig) => {
      clearTimeout(timer)
      baseline = undefined
      const num = (re: RegExp): number | undefined => {
        const m = re.exec(out)
        return m ? Number(m[1]) : undefined
      }
      const r: MemberlistRun = {
        n,
        aliveS: num(/alive everywhere: ([\d.]+) s/),
        cpuMean: num(/idle CPU per node .*?mean ([\d.]+)%/),
        cpuMax: num(/idle CPU per node .*?max ([\d.]+)%/),
        rssMean: num(/RSS per node: mean ([\d.]+) MiB/),
        rssMax: num(/RSS per node: .*max ([\d.]+) MiB/),
        deadS: num(/dead everywhere: ([\d.]+) s/),
      }
      if (code !== 0 || r.cpuMean === undefined) {
        const why = sig ? `killed (${sig}) after ${fmtMs(timeoutMs)}` : `exit ${code}`
        r.error = `${why}: ${(err.trim() || out.trim()).split('\n').slice(-3).join(' | ')}`
      }
      resolve(r)
    })
  })
}

const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length
const max = (v: number[]): number => Math.max(...v)
const s = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'never')

interface Metric {
  label: string
  pick: (p: PerAgent) => number
  fmt: (x: number) => string
}

const METRICS: Metric[] = [
  { label: 'idle CPU, % of a core', pick: (p) => p.cpuPct, fmt: (x) => `${x.toFixed(2)}%` },
  { label: 'RSS, MiB', pick: (p) => p.rss / 2 ** 20, fmt: (x) => x.toFixed(1) },
  { label: 'connections', pick: (p) => p.connections, fmt: (x) => x.toFixed(1) },
  { label: 'active view', pick: (p) => p.activeView, fmt: (x) => x.toFixed(1) },
  { label: 'membership packets/s sent', pick: (p) => p.pktOutPerS, fmt: (x) => x.toFixed(2) },
  { label: 'membership bytes/s sent', pick: (p) => p.bytesOutPerS, fmt: (x) => x.toFixed(0) },
  { label: 'membership packets/s received', pick: (p) => p.pktInPerS, fmt: (x) => x.toFixed(2) },
  { label: 'membership bytes/s received', pick: (p) => p.bytesInPerS, fmt: (x) => x.toFixed(0) },
]

function table(head: string[], rows: string[][]): string[] {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(w[i]!)).join(' | ')} |`
  return [line(head), `|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...rows.map(line)]
}

const ratio = (a: number, b: number): string =>
  Number.isFinite(a / b) && b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a'

/** The two tables of this part (murmur per agent by N; murmur beside memberlist), as lines. */
export function membershipReport(): string[] {
  if (murmurRuns.length === 0 && failures.length === 0 && memberlistRuns.length === 0) return []
  const out: string[] = ['', `Membership at scale — ${defaultTimersNote()}`]
  out.push(
    `per agent over a ${IDLE_MS / 1000} s idle window (starting ${WARM_MS / 1000} s after convergence, past V8's one-time memory-reducer GCs), "mean / max" over the agents`,
  )
  // Ratios of the means: largest N over the smallest (the O(1) check) and over the middle
  // one (at N = 3 every agent is connected to everyone, so the view has not reached its bound yet).
  const last = murmurRuns[murmurRuns.length - 1]
  const bases =
    murmurRuns.length > 2 ? [murmurRuns[0]!, murmurRuns[murmurRuns.length - 2]!] : murmurRuns.slice(0, -1)
  const head = [
    'murmur',
    ...murmurRuns.map((r) => `N=${r.n}`),
    ...bases.map((b) => `N=${last!.n} / N=${b.n}`),
  ]
  const rows: string[][] = METRICS.map((m) => {
    const cells = murmurRuns.map((r) => {
      const v = r.perAgent.map(m.pick)
      return `${m.fmt(mean(v))} / ${m.fmt(max(v))}`
    })
    for (const b of bases) {
      const q = mean(last!.perAgent.map(m.pick)) / mean(b.perAgent.map(m.pick))
      const verdict = m.label.startsWith('active') ? '' : q <= SCALE_LIMIT ? ' ok' : ` > ${SCALE_LIMIT}x`
      cells.push(`${ratio(mean(last!.perAgent.map(m.pick)), mean(b.perAgent.map(m.pick)))}${verdict}`)
    }
    return [m.label, ...cells]
  })
  rows.push(['start N agents (spawned together)', ...murmurRuns.map((r) => s(r.startMs))])
  rows.push(['N-1 chained join calls', ...murmurRuns.map((r) => s(r.joinMs))])
  rows.push(['last join -> all N alive everywhere', ...murmurRuns.map((r) => s(r.aliveMs))])
  rows.push([
    'kill -9 -> dead everywhere (first)',
    ...murmurRuns.map((r) => `${s(r.deadMs)} (${s(r.firstDeadMs)})`),
  ])
  rows.push([
    'kill -9 -> suspected (first / all)',
    ...murmurRuns.map((r) => `${s(r.firstSuspectMs)} / ${s(r.suspectAllMs)}`),
  ])
  rows.push(['refuted suspicions while idle', ...murmurRuns.map((r) => String(r.refutations))])
  rows.push(['load average (1 min) over idle', ...murmurRuns.map((r) => r.load)])
  rows.push(['CPU over idle: all agents of machine busy', ...murmurRuns.map((r) => r.cpuSplit)])
  out.push(...table(head, rows))
  const over = murmurRuns.filter((r) => mean(r.perAgent.map((p) => p.cpuPct)) > CPU_LIMIT_PCT)
  out.push(
    over.length === 0
      ? `idle CPU per agent at most ${CPU_LIMIT_PCT}% of a core (mean) at every N: ok`
      : `idle CPU per agent above ${CPU_LIMIT_PCT}% of a core (mean) at N = ${over.map((r) => r.n).join(', ')}`,
  )
  for (const r of murmurRuns) for (const x of r.notes) out.push(`N=${r.n}: ${x}`)
  out.push(...failures)

  out.push('')
  if (memberlistSkipped !== undefined) {
    out.push(`memberlist baseline skipped: ${memberlistSkipped}`)
    return out
  }
  const cmp: string[][] = []
  for (const ml of memberlistRuns) {
    const r = murmurRuns.find((x) => x.n === ml.n)
    if (ml.error !== undefined) {
      cmp.push([`N=${ml.n}`, 'memberlist run failed', ml.error, ''])
      continue
    }
    if (r === undefined) {
      cmp.push([
        `N=${ml.n} (murmur run failed)`,
        'n/a',
        `alive ${ml.aliveS} s, CPU ${ml.cpuMean}%, RSS ${ml.rssMean} MiB, dead ${ml.deadS} s`,
        '',
      ])
      continue
    }
    const cpu = mean(r.perAgent.map((p) => p.cpuPct))
    const rss = mean(r.perAgent.map((p) => p.rss)) / 2 ** 20
    const f = (x: number | undefined, unit: string, d = 2): string =>
      x === undefined ? 'n/a' : `${x.toFixed(d)}${unit}`
    cmp.push([
      `N=${ml.n} all alive (murmur: after last join; memberlist: after last start)`,
      s(r.aliveMs),
      f(ml.aliveS, ' s'),
      ratio(r.aliveMs / 1000, ml.aliveS ?? Number.NaN),
    ])
    cmp.push([
      `N=${ml.n} idle CPU per agent, mean (max)`,
      `${cpu.toFixed(2)}% (${max(r.perAgent.map((p) => p.cpuPct)).toFixed(2)}%)`,
      `${f(ml.cpuMean, '%')} (${f(ml.cpuMax, '%')})`,
      ratio(cpu, ml.cpuMean ?? Number.NaN),
    ])
    cmp.push([
      `N=${ml.n} RSS per agent, mean (max)`,
      `${rss.toFixed(1)} MiB (${max(r.perAgent.map((p) => p.rss / 2 ** 20)).toFixed(1)} MiB)`,
      `${f(ml.rssMean, ' MiB', 1)} (${f(ml.rssMax, ' MiB', 1)})`,
      ratio(rss, ml.rssMean ?? Number.NaN),
    ])
    cmp.push([
      `N=${ml.n} kill -9 -> dead everywhere`,
      s(r.deadMs),
      f(ml.deadS, ' s'),
      ratio(r.deadMs / 1000, ml.deadS ?? Number.NaN),
    ])
  }
  out.push(
    `memberlist (${MEMBERLIST_RUN}, default LAN timers, same idle window), run after murmur in this bench:`,
  )
  out.push(...table(['figure', 'murmur', 'memberlist', 'murmur / memberlist'], cmp))
  return out
}

async function baselineAvailable(): Promise<string | undefined> {
  try {
    readFileSync(MEMBERLIST_RUN)
  } catch {
    return `${MEMBERLIST_RUN} not found`
  }
  return undefined
}

/** The `members` part of `npm run bench`. Figures go into the main table; see membershipReport. */
export async function runMembershipBench(): Promise<Figure[]> {
  const figs: Figure[] = []
  const config = defaultTimersConfig()
  try {
    for (const n of SIZES) {
      let r: MurmurRun
      try {
        r = await runMurmur(n, config)
      } catch (err) {
        // Reported, and the other sizes and the baseline still run.
        const msg = err instanceof Error ? (err.stack ?? err.message) : String(err)
        failures.push(`N=${n}: murmur run failed: ${msg.slice(0, 2000)}`)
        log(`members: N=${n} failed: ${msg.slice(0, 2000)}`)
        await stopMembershipAgents()
        continue
      }
      murmurRuns.push(r)
      const section = `members N=${n}`
      const cpu = r.perAgent.map((p) => p.cpuPct)
      const out = r.perAgent.map((p) => p.bytesOutPerS)
      figs.push(
        {
          section,
          name: 'last join -> all alive everywhere',
          value: s(r.aliveMs),
          detail: `${n - 1} chained joins`,
        },
        {
          section,
          name: 'kill -9 -> dead everywhere',
          value: s(r.deadMs),
          detail: `first agent ${s(r.firstDeadMs)}`,
        },
        {
          section,
          name: 'idle CPU per agent (mean)',
          value: `${mean(cpu).toFixed(2)}% of a core`,
          detail: `max ${max(cpu).toFixed(2)}%, default timers, load ${r.load}`,
        },
        {
          section,
          name: 'membership bytes/s sent per agent (mean)',
          value: `${mean(out).toFixed(0)} B/s`,
          detail: `${mean(r.perAgent.map((p) => p.pktOutPerS)).toFixed(2)} packets/s`,
        },
      )
    }
  } finally {
    await stopMembershipAgents()
  }
  memberlistSkipped =
    process.env.MURMUR_BENCH_BASELINE === 'off' ? 'MURMUR_BENCH_BASELINE=off' : await baselineAvailable()
  if (memberlistSkipped === undefined) {
    for (const n of SIZES) {
      log(`members: memberlist baseline N=${n}, load ${load1()}`)
      // The first run may install Go through apt and build the node.
      const r = await runMemberlist(n, memberlistRuns.length === 0 ? 400_000 : 150_000)
      memberlistRuns.push(r)
      if (r.error !== undefined) {
        log(`members: memberlist N=${n} failed: ${r.error}`)
        if (memberlistRuns.every((x) => x.error !== undefined)) {
          memberlistSkipped = `run.sh ${n} failed: ${r.error}`
          break
        }
      }
    }
  }
  return figs
}
