// The load generator for real agents: several admin connections per agent and many `kv.set` calls
// in flight on each, so that a write-rate figure measures the agents (group commit, gossip,
// replication) rather than one connection's round trips. Also the CPU use of the agents and of
// this process over a timed run, to tell which of them is the bottleneck.
import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import type { AdminClient } from '../src/admin/client.js'
import { now } from './util.js'

/** Requests the agent's admin server accepts in flight on one connection (server.ts maxInFlight). */
export const MAX_IN_FLIGHT = 64

/** How the load is sent: admin connections per agent, calls in flight on each. */
export interface LoadShape {
  connections: number
  inFlight: number
}

export const describeShape = (s: LoadShape): string =>
  `${s.connections} admin connection${s.connections === 1 ? '' : 's'} per agent x ${s.inFlight} in flight`

/**
 * Writes keys `prefix/0` .. `prefix/count-1` (value `value-i`), key i on agent i mod agents.length.
 * `agents[a]` holds that agent's admin connections; each runs `inFlight` calls at a time, all
 * taking the agent's next key from one shared counter. Returns the ms from the first call until
 * the last one is acknowledged (each after its group commit's fsync).
 */
export async function writeKeys(
  agents: ReadonlyArray<readonly AdminClient[]>,
  count: number,
  prefix: string,
  inFlight: number,
): Promise<number> {
  if (inFlight > MAX_IN_FLIGHT) throw new Error(`at most ${MAX_IN_FLIGHT} calls in flight per connection`)
  const t0 = now()
  await Promise.all(
    agents.map(async (clients, a) => {
      let next = a
      const worker = async (c: AdminClient): Promise<void> => {
        while (next < count) {
          const i = next
          next += agents.length
          await c.call('kv.set', { key: `${prefix}/${i}`, value: `value-${i}` }, { timeoutMs: 120_000 })
        }
      }
      await Promise.all(clients.flatMap((c) => Array.from({ length: inFlight }, () => worker(c))))
    }),
  )
  return now() - t0
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat; 100 ticks per second. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return (Number(f[11]) + Number(f[12])) / 100
  } catch {
    return Number.NaN
  }
}

/** [busy, all] jiffies of the whole machine from /proc/stat (idle and iowait are not busy). */
function machineJiffies(): [number, number] {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
    const all = f.slice(0, 8).reduce((x, y) => x + y, 0)
    return [all - f[3]! - f[4]!, all]
  } catch {
    return [Number.NaN, Number.NaN]
  }
}

export interface CpuUse {
  /** % of one core, per agent, over the measured span. */
  agents: number[]
  /** % of one core used by this process (the harness: admin clients, polling). */
  harness: number
  /** Agents and harness together, % of one core. */
  total: number
  /** The whole machine, % of one core (other processes' use included). */
  machine: number
}

/** Starts measuring CPU use of the given agent pids and of this process; call the result to stop. */
export function cpuMeter(pids: ReadonlyArray<number | undefined>): () => CpuUse {
  const before = pids.map(cpuSeconds)
  const self = process.cpuUsage()
  const m0 = machineJiffies()
  const t0 = now()
  return () => {
    const secs = (now() - t0) / 1000
    const agents = pids.map((p, i) => ((cpuSeconds(p) - before[i]!) / secs) * 100)
    const u = process.cpuUsage(self)
    const harness = ((u.user + u.system) / 1e6 / secs) * 100
    const m1 = machineJiffies()
    const machine = ((m1[0] - m0[0]) / (m1[1] - m0[1])) * cpus().length * 100
    return { agents, harness, total: agents.reduce((s, x) => s + x, 0) + harness, machine }
  }
}

/** "CPU: agents 61/63/61%, harness 8% of a core (193% in all; the machine 196% of 200%)" */
export function fmtCpu(c: CpuUse): string {
  return (
    `CPU: agents ${c.agents.map((x) => x.toFixed(0)).join('/')}%, harness ${c.harness.toFixed(0)}% of a core ` +
    `(${c.total.toFixed(0)}% in all; the machine ${c.machine.toFixed(0)}% of ${cpus().length * 100}%)`
  )
}

/** Whether the run was CPU-bound: the machine's cores were (nearly) all busy, and whose work that was. */
export function cpuVerdict(c: CpuUse): string {
  const cores = cpus().length
  const others = Math.max(0, c.machine - c.total)
  const share =
    others >= 10 ? ` (other processes than this bench's took ${others.toFixed(0)}% of a core of it)` : ''
  return c.machine >= 0.9 * cores * 100
    ? `CPU-bound: the ${cores} cores were ${(c.machine / cores).toFixed(0)}% busy${share}`
    : `not CPU-bound: the ${cores} cores were ${(c.machine / cores).toFixed(0)}% busy${share}`
}
