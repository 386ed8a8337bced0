// Issue #10's figures at scale with real agents (the fleet of bench/agents.ts), driven by the load
// generator of bench/load.ts (several admin connections per agent, many calls in flight):
//   'writes3'  replicated writes/s on 3 agents: from the first kv.set until all 3 report the same
//              digest holding every key (the definition of the N=3 "10,000 writes" figure), with
//              the load shape of that figure beside it for comparison
//   'join100k' 100,000 keys written into 2 agents, RSS per agent idle and with them, then a fresh
//              agent joins and is timed until it holds all 100,000
import { waitFor } from '../test/helpers/wait.js'
import { type AgentInfo, fleet, info, join, type Node, startMesh, startNode, stopNodes } from './agents.js'
import { cpuMeter, cpuVerdict, describeShape, fmtCpu, type LoadShape, writeKeys } from './load.js'
import { type Figure, fmtBytes, fmtMs, int, log, now, rssOf, sleep } from './util.js'

/** `MURMUR_BENCH_LOAD=4x64`: connections per agent x calls in flight on each (for diagnosis). */
function loadShape(fallback: LoadShape): LoadShape {
  const m = /^(\d+)x(\d+)$/.exec(process.env.MURMUR_BENCH_LOAD ?? '')
  return m ? { connections: Number(m[1]), inFlight: Number(m[2]) } : fallback
}

/** The shape the new figures use: 4 connections per agent x 64 in flight (the agent's limit). */
export const DEFAULT_SHAPE: LoadShape = { connections: 4, inFlight: 64 }
/** The shape of the N=3 "10,000 writes" figure (bench/agents.ts): one connection x 32. */
const OLD_SHAPE: LoadShape = { connections: 1, inFlight: 32 }

/** Waits until every agent reports the same digest and at least `keys` keys; returns the digest. */
async function waitAllHold(nodes: Node[], keys: number, timeoutMs: number, what: string): Promise<string> {
  return waitFor(
    async () => {
      const is: AgentInfo[] = await Promise.all(nodes.map((n) => info(n, 30_000)))
      const d = is[0]!.state.digest
      return is.every((i) => i.state.digest === d && i.state.keys >= keys) ? d : undefined
    },
    { timeoutMs, intervalMs: 50, what },
  )
}

const pids = (nodes: Node[]): Array<number | undefined> => nodes.map((n) => n.agent.proc?.pid)

interface RateRun {
  ms: number
  writeMs: number
  cpu: ReturnType<ReturnType<typeof cpuMeter>>
  converged: boolean
}

/** `count` writes spread over the nodes with `shape`, until all hold `total` keys and agree. */
async function rateRun(
  nodes: Node[],
  shape: LoadShape,
  count: number,
  total: number,
  prefix: string,
): Promise<RateRun> {
  const conns = await Promise.all(nodes.map((n) => fleet.connect(n, shape.connections)))
  const meter = cpuMeter(pids(nodes))
  const t0 = now()
  const writeMs = await writeKeys(conns, count, prefix, shape.inFlight)
  let converged = true
  try {
    await waitAllHold(nodes, total, 120_000, `${int(count)} writes to reach all ${nodes.length} agents`)
  } catch {
    converged = false
  }
  const ms = now() - t0
  const cpu = meter()
  for (const c of conns.flat()) c.close()
  return { ms, writeMs, cpu, converged }
}

const rate = (count: number, ms: number): string => `${int(Math.round((count / ms) * 1000))}/s`

/** Replicated writes/s on 3 agents with the load generator, and with the old shape for comparison. */
export async function runWriteRate(figs: Figure[], writes = 30_000): Promise<void> {
  const label = 'N=3 writes/s'
  const shape = loadShape(DEFAULT_SHAPE)
  log(`agents: ${label}: starting 3`)
  const { nodes } = await startMesh(3, 'bw')
  try {
    log(`agents: ${label}: 10,000 writes, ${describeShape(OLD_SHAPE)}`)
    const old = await rateRun(nodes, OLD_SHAPE, 10_000, 10_000, 'old')
    log(`agents: ${label}: ${int(writes)} writes, ${describeShape(shape)}`)
    const now_ = await rateRun(nodes, shape, writes, 10_000 + writes, 'gen')
    const show = (r: RateRun, count: number): string =>
      r.converged ? rate(count, r.ms) : `not converged after ${fmtMs(r.ms)}`
    figs.push({
      section: label,
      name: 'replicated writes/s, 3 agents, all keeping up',
      value: show(now_, writes),
      detail:
        `${int(writes)} writes spread over 3 agents, ${describeShape(shape)}: ${fmtMs(now_.ms)} from the first ` +
        `kv.set until all 3 hold every key with the same digest (the writes alone ${fmtMs(now_.writeMs)}); ` +
        `${fmtCpu(now_.cpu)}; ${cpuVerdict(now_.cpu)}. Target >= 12,000/s`,
      ms: now_.ms,
      count: writes,
    })
    figs.push({
      section: label,
      name: 'the same with the old load shape',
      value: show(old, 10_000),
      detail:
        `10,000 writes, ${describeShape(OLD_SHAPE)} (as the N=3 "10,000 writes" figure): ${fmtMs(old.ms)}, ` +
        `the writes alone ${fmtMs(old.writeMs)}; ${fmtCpu(old.cpu)}; ${cpuVerdict(old.cpu)}`,
      ms: old.ms,
      count: 10_000,
    })
  } finally {
    await stopNodes(nodes)
  }
}

const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length
const rssAll = (nodes: Node[]): number[] => nodes.map((n) => rssOf(n.agent.proc?.pid) ?? Number.NaN)
const listMiB = (v: number[]): string => v.map((x) => fmtBytes(x)).join(', ')

/**
 * Settled RSS: V8's memory reducer compacts a heap some seconds after allocation slows (8 s at the soonest; 15 s was often not enough), so wait 30 s, then
 * poll until no process shrank by more than 1 MiB in 3 s, or `maxMs`. Returns each process's last
 * reading and the ms waited.
 */
async function settledRss(nodes: Node[], maxMs = 60_000): Promise<{ rss: number[]; ms: number }> {
  const t0 = now()
  await sleep(30_000)
  let prev = rssAll(nodes)
  for (;;) {
    await sleep(3000)
    const cur = rssAll(nodes)
    const shrank = cur.some((x, i) => prev[i]! - x > 1024 * 1024)
    prev = cur
    if (!shrank || now() - t0 >= maxMs) return { rss: cur, ms: now() - t0 }
  }
}

/** 100,000 keys into 2 agents, RSS idle and with them, then a late joiner timed until it holds all. */
export async function runJoin100k(figs: Figure[], keys = 100_000): Promise<void> {
  const label = 'join100k'
  const shape = loadShape(DEFAULT_SHAPE)
  log(`agents: ${label}: starting 2`)
  const { nodes } = await startMesh(2, 'bj')
  try {
    await sleep(3000) // settle after the start, as the idle figures of bench/agents.ts do
    const idle = rssAll(nodes)
    log(`agents: ${label}: writing ${int(keys)} keys, ${describeShape(shape)}`)
    const run = await rateRun(nodes, shape, keys, keys, 'k')
    if (!run.converged) throw new Error(`${label}: the 2 agents did not converge on ${int(keys)} keys`)
    const digest = (await info(nodes[0]!)).state.digest
    const full = rssAll(nodes)
    figs.push({
      section: label,
      name: `${int(keys)} writes into 2 agents -> same digest`,
      value: fmtMs(run.ms),
      detail:
        `${rate(keys, run.ms)}; the writes alone ${fmtMs(run.writeMs)}, ${describeShape(shape)}; ` +
        `${fmtCpu(run.cpu)}; ${cpuVerdict(run.cpu)}`,
      ms: run.ms,
      count: keys,
    })
    figs.push({
      section: label,
      name: 'idle RSS per agent (mean)',
      value: fmtBytes(mean(idle)),
      detail: `${listMiB(idle)}; 3 s after the start, before any write`,
    })
    const grew = mean(full) - mean(idle)
    figs.push({
      section: label,
      name: `RSS per agent with ${int(keys)} keys (mean)`,
      value: fmtBytes(mean(full)),
      detail:
        `${listMiB(full)}; +${fmtBytes(grew)} over idle (${int(Math.round(grew / keys))} B a key), ` +
        `target <= +50 MB; right after the writes converged`,
    })
    const settled = await settledRss(nodes)
    const grewSettled = mean(settled.rss) - mean(idle)
    figs.push({
      section: label,
      name: `RSS per agent with ${int(keys)} keys, settled (mean)`,
      value: fmtBytes(mean(settled.rss)),
      detail:
        `${listMiB(settled.rss)}; +${fmtBytes(grewSettled)} over idle (${int(Math.round(grewSettled / keys))} B a key), ` +
        `target <= +50 MB; once no agent shrank by 1 MiB in 3 s (after ${fmtMs(settled.ms)} idle)`,
    })

    log(`agents: ${label}: late joiner`)
    const t0 = now()
    const late = await startNode('bj-late')
    const startMs = now() - t0
    log(`agents: ${label}: late joiner started (pid ${late.agent.proc?.pid}, for --cpu-prof files)`)
    try {
      const meter = cpuMeter(pids([...nodes, late]))
      const t1 = now()
      await join(late, nodes[1]!)
      let held = 0
      await waitFor(
        async () => {
          const li = await info(late, 30_000)
          held = li.state.keys
          return li.state.keys >= keys && li.state.digest === digest
        },
        { timeoutMs: 180_000, intervalMs: 50, what: `late joiner to receive ${int(keys)} keys` },
      ).catch(() => {})
      const ms = now() - t1
      const cpu = meter()
      const done = held >= keys
      const lateAtOnce = rssOf(late.agent.proc?.pid) ?? Number.NaN
      const lateSettled = await settledRss([late])
      figs.push({
        section: label,
        name: `late joiner receives ${int(keys)} keys`,
        value: done ? fmtMs(ms) : `> ${fmtMs(ms)} (${int(held)} keys)`,
        detail:
          `from its join call until it holds all ${int(keys)} with the mesh's digest; target < 3 s; its ` +
          `process start before that ${fmtMs(startMs)}; its RSS then ${fmtBytes(lateAtOnce)}, settled ` +
          `${fmtBytes(lateSettled.rss[0]!)} (after ${fmtMs(lateSettled.ms)} idle); ` +
          `CPU meanwhile: the 2 agents ${cpu.agents
            .slice(0, 2)
            .map((x) => x.toFixed(0))
            .join(
              '/',
            )}%, the joiner ${cpu.agents[2]!.toFixed(0)}% of a core; ${cpuVerdict(cpu)}${cpu.agents[2]! >= 90 ? ' (but the joiner used a whole core: its one thread is the bottleneck)' : ''}`,
        anchor: 'OrbitDB: 10,000 documents took 57 s to sync',
        ms: done ? ms : Number.POSITIVE_INFINITY,
        count: keys,
      })
    } finally {
      await stopNodes([late])
    }
  } finally {
    await stopNodes(nodes)
  }
}
