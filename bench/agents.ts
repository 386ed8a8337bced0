// Real agents as separate processes on 127.0.0.1, driven through persistent admin connections.
import { AdminCallError } from '../src/admin/protocol.js'
import { FAST_CONFIG } from '../test/helpers/agents.js'
import { waitFor } from '../test/helpers/wait.js'
import { type BenchNode, Fleet } from './fleet.js'
import { cpuSeconds } from './load.js'
import { type Figure, fmtBytes, fmtMs, int, log, now, percentile, rssOf, sleep } from './util.js'

/** Every agent the agent parts start (bench/agents.ts, bench/scale.ts): stopAll stops them all. */
export const fleet = new Fleet()

export interface AgentInfo {
  peerId: string
  addresses: string[]
  members: { alive: number; suspect: number; dead: number; left: number }
  state: { keys: number; records: number; digest: string }
}

export type Node = BenchNode<AgentInfo>

/** Polling interval of the "has every agent got the value" loop. */
const POLL_MS = 5
/** Keys in flight per admin connection when writing in bulk (the agent allows 64). */
const IN_FLIGHT = 32
/** The agents log at warn: debug logging of every sync would cost CPU we are trying to measure. */
const AGENT_ARGS = ['--log-level', 'warn']

export const TIMERS_NOTE =
  `agent timers (FAST_CONFIG from test/helpers/agents.ts): probe every ${FAST_CONFIG.membership.probeIntervalMs} ms, ` +
  `gossip every ${FAST_CONFIG.membership.gossipIntervalMs} ms, anti-entropy sync every ${FAST_CONFIG.sync.intervalMs} ms ` +
  `with one random live peer, reconnect ${FAST_CONFIG.reconnectIntervalMs} ms, mDNS off; gossipsub defaults ` +
  `(D=6, heartbeat 1 s); poll ${POLL_MS} ms; agents log at warn`

/** Stops every agent still running and closes every admin connection. Safe to call twice. */
export const stopAll = (): Promise<void> => fleet.stopAll()

export function startNode(name: string, extraArgs: string[] = []): Promise<Node> {
  return fleet.start<AgentInfo>(name, { args: [...AGENT_ARGS, ...extraArgs] })
}

export const stopNodes = (nodes: Node[]): Promise<void> => fleet.stop(nodes)

const loopback = (info: AgentInfo): string => {
  const a = info.addresses.find((x) => x.includes('/127.0.0.1/'))
  if (a === undefined) throw new Error(`agent has no loopback address: ${info.addresses.join(', ')}`)
  return a
}

export async function join(node: Node, target: Node): Promise<void> {
  const r = await node.client.call<{ reached: number; failed: unknown[] }>('join', {
    addrs: [loopback(target.info)],
  })
  if (r.reached < 1) throw new Error(`join failed: ${JSON.stringify(r.failed)}`)
}

export const info = (n: Node, timeoutMs?: number): Promise<AgentInfo> =>
  n.client.call<AgentInfo>('info', {}, { timeoutMs })

/** ms until every agent lists all of them alive; Infinity if that does not happen in time. */
async function waitAllAlive(nodes: Node[], timeoutMs = 30_000): Promise<number> {
  const t0 = now()
  try {
    await waitFor(
      async () =>
        (await Promise.all(nodes.map((n) => info(n)))).every((i) => i.members.alive === nodes.length),
      { timeoutMs, intervalMs: 100, what: `${nodes.length} agents to see each other alive` },
    )
  } catch {
    return Number.POSITIVE_INFINITY // reported as "> 30 s"; the figures after it still run
  }
  return now() - t0
}

/** Waits until every agent reports the same digest; returns it. */
export async function waitConverged(nodes: Node[], timeoutMs: number, what: string): Promise<string> {
  return waitFor(
    async () => {
      const ds = (await Promise.all(nodes.map((n) => info(n)))).map((i) => i.state.digest)
      return ds.every((d) => d === ds[0]) ? ds[0] : undefined
    },
    { timeoutMs, intervalMs: 50, what },
  )
}

/** A chain: agent i joins agent i-1. */
export async function startMesh(
  n: number,
  tag: string,
  extraArgs: string[] = [],
): Promise<{ nodes: Node[]; startMs: number; joinMs: number; aliveMs: number }> {
  const t0 = now()
  const nodes = await Promise.all(Array.from({ length: n }, (_, i) => startNode(`${tag}-${i}`, extraArgs)))
  const startMs = now() - t0
  const t1 = now()
  for (let i = 1; i < n; i++) await join(nodes[i]!, nodes[i - 1]!)
  const joinMs = now() - t1
  const aliveMs = await waitAllAlive(nodes)
  return { nodes, startMs, joinMs, aliveMs }
}

const isNotFound = (err: unknown): boolean => err instanceof AdminCallError && err.code === 'NOT_FOUND'

/** A write not everywhere after this long counts as lost (the sample then shows "> 5 s"). */
const WRITE_TIMEOUT_MS = 5_000
/** The propagation loop stops sampling after this long, so a loaded machine still finishes. */
const LATENCY_BUDGET_MS = 30_000
/** Longer than one anti-entropy interval: the write probably missed gossip somewhere. */
const SLOW_MS = FAST_CONFIG.sync.intervalMs

/** ms from the kv.set call until every agent's kv.get returns the value (Infinity on timeout). */
async function propagation(nodes: Node[], writer: number, key: string, value: string): Promise<number> {
  const t0 = now()
  const deadline = t0 + WRITE_TIMEOUT_MS
  const per = await Promise.all(
    nodes.map(async (n, i) => {
      if (i === writer) {
        await n.client.call('kv.set', { key, value })
        return now() - t0
      }
      while (now() < deadline) {
        try {
          const r = await n.client.call<{ value: unknown }>('kv.get', { key })
          if (r.value === value) return now() - t0
        } catch (err) {
          if (!isNotFound(err)) throw err
        }
        await sleep(POLL_MS)
      }
      return Number.POSITIVE_INFINITY
    }),
  )
  return Math.max(...per)
}

async function latencyFigures(
  nodes: Node[],
  writes: number,
  label: string,
  figs: Figure[],
  anchor: string,
): Promise<void> {
  const sample: number[] = []
  const stopAt = now() + LATENCY_BUDGET_MS
  for (let i = 0; i < writes && now() < stopAt; i++) {
    sample.push(await propagation(nodes, i % nodes.length, `lat/${label}/${i}`, `v${i}`))
    await sleep(20)
  }
  const lost = sample.filter((x) => !Number.isFinite(x)).length
  const slow = sample.filter((x) => x > SLOW_MS).length
  const show = (ms: number): string => (Number.isFinite(ms) ? fmtMs(ms) : `> ${fmtMs(WRITE_TIMEOUT_MS)}`)
  const cut = sample.length < writes ? ` (stopped after ${fmtMs(LATENCY_BUDGET_MS)})` : ''
  figs.push({
    section: label,
    name: 'one write -> on every agent, p50',
    value: show(percentile(sample, 50)),
    detail: `${sample.length} of ${writes} writes${cut}, writer rotates; includes the writer's fsync`,
    ms: percentile(sample, 50),
  })
  figs.push({
    section: label,
    name: 'one write -> on every agent, p99',
    value: show(percentile(sample, 99)),
    detail:
      `p90 ${show(percentile(sample, 90))}; ${slow} over ${SLOW_MS} ms` +
      `${lost > 0 ? `, ${lost} not everywhere within ${fmtMs(WRITE_TIMEOUT_MS)}` : ''}`,
    anchor,
    ms: percentile(sample, 99),
  })
}

/** Writes `count` keys spread round-robin over the agents, IN_FLIGHT at a time per agent. */
async function writeSpread(nodes: Node[], count: number, prefix: string): Promise<number> {
  const t0 = now()
  await Promise.all(
    nodes.map(async (n, a) => {
      const mine: number[] = []
      for (let i = a; i < count; i += nodes.length) mine.push(i)
      let next = 0
      const worker = async (): Promise<void> => {
        while (next < mine.length) {
          const i = mine[next++]!
          await n.client.call('kv.set', { key: `${prefix}/${i}`, value: `value-${i}` }, { timeoutMs: 60_000 })
        }
      }
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
    }),
  )
  return now() - t0
}

const CONVERGE_TIMEOUT_MS = 60_000

async function bulkFigures(
  nodes: Node[],
  count: number,
  label: string,
  figs: Figure[],
  anchor: string,
): Promise<void> {
  const t0 = now()
  const writeMs = await writeSpread(nodes, count, `bulk-${count}`)
  let value: string
  let ms = Number.POSITIVE_INFINITY
  try {
    await waitConverged(nodes, CONVERGE_TIMEOUT_MS, `${count} writes to converge on ${nodes.length} agents`)
    ms = now() - t0
    value = fmtMs(ms)
  } catch {
    value = `> ${fmtMs(now() - t0)}` // not converged: reported, not fatal
  }
  figs.push({
    section: label,
    name: `${int(count)} writes spread -> same digest`,
    value,
    detail: `from the first kv.set to equal digests everywhere; the writes alone took ${fmtMs(writeMs)} (${IN_FLIGHT} in flight per agent)`,
    anchor,
    ms,
    count,
  })
}

/** Mean and total CPU use of the agents over `ms`, in % of one core. */
async function meshCpu(nodes: Node[], ms: number): Promise<{ mean: number; total: number }> {
  const before = nodes.map((n) => cpuSeconds(n.agent.proc?.pid))
  const t0 = now()
  await sleep(ms)
  const secs = (now() - t0) / 1000
  const used = nodes.map((n, i) => cpuSeconds(n.agent.proc?.pid) - before[i]!)
  const total = (used.reduce((a, b) => a + b, 0) / secs) * 100
  return { mean: total / nodes.length, total }
}

export function rssSummary(nodes: Node[]): { text: string; mean: number } {
  const v = nodes.map((n) => rssOf(n.agent.proc?.pid)).filter((x): x is number => x !== undefined)
  if (v.length === 0) return { text: 'n/a (no /proc)', mean: Number.NaN }
  const mean = v.reduce((s, x) => s + x, 0) / v.length
  return {
    text: `min ${fmtBytes(Math.min(...v))}, max ${fmtBytes(Math.max(...v))} over ${v.length} agents`,
    mean,
  }
}

const SERF_MODEL =
  'Serf model (fanout 3, 200 ms): 30 nodes 1.8 s to 99.99%; gossipsub sim: 95% < 300 ms (1,000 nodes, WAN)'

const ORBIT_1K = 'OrbitDB: 1,000 entries about 20 s to replicate on localhost'
const SERF_RSS = 'Serf: about 5 to 10 MB resident per agent'

/** Starts a chain of n agents, reports start/join and idle RSS; the caller must stop the nodes. */
async function meshWithIdleFigures(n: number, label: string, figs: Figure[]): Promise<Node[]> {
  log(`agents: starting ${n}`)
  const { nodes, startMs, joinMs, aliveMs } = await startMesh(n, `b${n}`)
  figs.push({
    section: label,
    name: `start ${n} agents`,
    value: fmtMs(startMs),
    detail: 'spawned together, until each admin socket answers',
  })
  figs.push({
    section: label,
    name: 'membership: last join -> all alive everywhere',
    value: Number.isFinite(aliveMs) ? fmtMs(aliveMs) : '> 30 s (members kept flapping)',
    detail: `after ${n - 1} sequential join calls (agent i joins agent i-1, ${fmtMs(joinMs)}), until every agent lists ${n} alive`,
    anchor: 'Serf model (fanout 3, 200 ms gossip): 30 nodes 1.8 s to reach 99.99%',
  })
  const cpu = await meshCpu(nodes, 3000)
  figs.push({
    section: label,
    name: 'idle CPU per agent (mean)',
    value: `${cpu.mean.toFixed(0)}% of a core`,
    detail: `over 3 s with no writes (heartbeats, pings, sync rounds); whole mesh ${cpu.total.toFixed(0)}%`,
  })
  const idle = rssSummary(nodes)
  figs.push({
    section: label,
    name: 'idle RSS per agent (mean)',
    value: fmtBytes(idle.mean),
    detail: idle.text,
    anchor: SERF_RSS,
  })
  return nodes
}

/** N=3: propagation, 1,000 writes, then 10,000 more keys, RSS with them, and a late joiner. */
async function smallMesh(figs: Figure[]): Promise<void> {
  const label = 'N=3'
  const nodes = await meshWithIdleFigures(3, label, figs)
  try {
    log(`agents: ${label} propagation`)
    await latencyFigures(nodes, 50, label, figs, SERF_MODEL)
    log(`agents: ${label} 1,000 writes`)
    await bulkFigures(nodes, 1000, label, figs, ORBIT_1K)
    log(`agents: ${label} 10,000 writes`)
    await bulkFigures(
      nodes,
      10_000,
      label,
      figs,
      'OrbitDB: 10,000 documents 1 m 43 s to insert, 57 s to sync',
    )
    const keys = (await info(nodes[0]!)).state.keys
    const full = rssSummary(nodes)
    figs.push({
      section: label,
      name: `RSS per agent with ${int(keys)} keys (mean)`,
      value: fmtBytes(full.mean),
      detail: full.text,
      anchor: 'OrbitDB: about 1.3 GB replicating 18k entries',
    })

    log('agents: late joiner')
    const digest = await waitConverged(nodes, 30_000, 'mesh to agree before the late joiner')
    const t0 = now()
    const late = await startNode(`b3-late`)
    const startLate = now() - t0
    try {
      const t1 = now()
      await join(late, nodes[nodes.length - 1]!)
      await waitFor(async () => (await info(late)).state.digest === digest, {
        timeoutMs: 120_000,
        intervalMs: 50,
        what: 'late joiner to receive the state',
      })
      const ms = now() - t1
      const li = await info(late)
      figs.push({
        section: label,
        name: `late joiner receives ${int(li.state.keys)} keys`,
        value: fmtMs(ms),
        detail:
          `from its join call to the mesh's digest; its process start before that: ${fmtMs(startLate)}; ` +
          `its RSS then ${fmtBytes(rssOf(late.agent.proc?.pid) ?? Number.NaN)}`,
        anchor: 'OrbitDB: 10,000 documents took 57 s to sync',
        ms,
        count: li.state.keys,
      })
    } finally {
      await stopNodes([late])
    }
  } finally {
    await stopNodes(nodes)
  }
}

/** N=10: propagation and 1,000 writes (the 10k-key figures run on N=3 to stay within time). */
async function largeMesh(figs: Figure[]): Promise<void> {
  const label = 'N=10'
  const nodes = await meshWithIdleFigures(10, label, figs)
  try {
    log(`agents: ${label} propagation`)
    await latencyFigures(nodes, 50, label, figs, SERF_MODEL)
    log(`agents: ${label} 1,000 writes`)
    await bulkFigures(nodes, 1000, label, figs, ORBIT_1K)
  } finally {
    await stopNodes(nodes)
  }
}

/**
 * N=3 open (--open, no swarm key): the bulk-write figures again without the private-mesh layer.
 * Every other mesh here runs private, as agents do by default (one shared key).
 */
async function openMesh(figs: Figure[]): Promise<void> {
  const label = 'N=3, open (no swarm key)'
  log(`agents: ${label}`)
  const { nodes } = await startMesh(3, 'bo', ['--open'])
  try {
    await bulkFigures(nodes, 1000, label, figs, ORBIT_1K)
    await bulkFigures(nodes, 10_000, label, figs, 'the same figure with the default swarm key, N=3 above')
    const cpu = await meshCpu(nodes, 3000)
    figs.push({
      section: label,
      name: 'idle CPU per agent (mean)',
      value: `${cpu.mean.toFixed(0)}% of a core`,
      detail: 'over 3 s after the writes',
    })
  } finally {
    await stopNodes(nodes)
  }
}

export async function runAgentBench(which: { n3: boolean; n10: boolean; keyed: boolean }): Promise<Figure[]> {
  const figs: Figure[] = []
  try {
    if (which.n3) await smallMesh(figs)
    if (which.keyed) await openMesh(figs)
    if (which.n10) await largeMesh(figs)
  } finally {
    await stopAll()
  }
  return figs
}
