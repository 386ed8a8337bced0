// `npm run bench`: prints figures for the pure CRDT and for real agents on 127.0.0.1, then the
// comparable published figures (../shared/ANCHORS.md). Asserts nothing. See docs/benchmarks.md.
import { cpus, loadavg, totalmem } from 'node:os'
import { runAgentBench, stopAll, TIMERS_NOTE } from './agents.js'
import { runBurstBench, stopBurstAgents } from './burst.js'
import { runConnectionBench } from './connection.js'
import { runCrdtBench } from './crdt.js'
import { runGossipsubBaseline } from './gossipsub-baseline.js'
import { runHealBench } from './heal.js'
import { runPskBench } from './psk.js'
import { runStoreBench } from './store.js'
import { membershipReport, runMembershipBench, stopMembershipAgents } from './membership.js'
import { removeOrbitdbDirs, runOrbitdbBaseline } from './orbitdb-baseline.js'
import { stopAllPeers } from './peer-proc.js'
import { ratioLines } from './ratios.js'
import { runJoin100k, runWriteRate } from './scale.js'
import { type Figure, fmtBytes, fmtMs, log, now, printTable } from './util.js'

// Optional arguments pick parts: `node dist/bench/run.js crdt heal1m psk store n3 writes3 join100k keyed n10
// gossipsub orbitdb members connection burst` (default: all). gossipsub and orbitdb are baselines measured in the same run (bench/ratios.ts).
const parts = process.argv.slice(2)
const want = (p: string): boolean => parts.length === 0 || parts.includes(p)
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`${sig}: stopping agents and baseline peers`)
    void Promise.all([stopAll(), stopMembershipAgents(), stopBurstAgents(), stopAllPeers()])
      .then(removeOrbitdbDirs)
      .finally(() => process.exit(130))
  })
}

/** A baseline that fails is reported as a line of the table; the parts after it still run. */
async function baseline(what: string, run: () => Promise<{ figures: Figure[] }>): Promise<Figure[]> {
  try {
    return (await run()).figures
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err)
    log(`${what} baseline failed: ${msg}`)
    return [
      { section: `baseline: ${what}`, name: `${what} baseline`, value: 'failed', detail: msg.slice(0, 300) },
    ]
  }
}

const t0 = now()
const loadBefore = load()
const figs: Figure[] = []
let failure: unknown
try {
  if (want('crdt')) figs.push(...(await runCrdtBench()))
  if (want('psk')) figs.push(...runPskBench())
  if (want('heal1m')) figs.push(...(await runHealBench()))
  if (want('store')) figs.push(...(await runStoreBench()))
  figs.push(...(await runAgentBench({ n3: want('n3'), n10: want('n10'), keyed: want('keyed') })))
  if (want('writes3')) await runWriteRate(figs)
  if (want('join100k')) await runJoin100k(figs)
  if (want('gossipsub')) figs.push(...(await baseline('bare gossipsub', runGossipsubBaseline)))
  if (want('orbitdb')) figs.push(...(await baseline('OrbitDB 4', runOrbitdbBaseline)))
  if (want('members')) figs.push(...(await runMembershipBench()))
  if (want('connection')) figs.push(...(await runConnectionBench()))
  if (want('burst')) figs.push(...(await runBurstBench()))
} catch (err) {
  failure = err
} finally {
  await stopAll()
  await stopMembershipAgents()
  await stopBurstAgents()
  await stopAllPeers()
  removeOrbitdbDirs()
}

const cpu = cpus()
console.log(
  `\nmurmur benchmarks — ${cpu.length} x ${cpu[0]?.model.trim() ?? 'cpu'}, ${fmtBytes(totalmem())} RAM, node ${process.version}`,
)
console.log(`load average (1/5/15 min) before: ${loadBefore}, after: ${load()}; total ${fmtMs(now() - t0)}`)
console.log(`${TIMERS_NOTE}\n`)
printTable(figs)
for (const line of membershipReport()) console.log(line)
const anchored = figs.filter((f) => f.anchor !== undefined)
if (anchored.length > 0) {
  console.log('\nAnchors (../shared/ANCHORS.md):')
  for (const f of anchored) console.log(`- ${f.section} ${f.name}: ${f.value}  |  ${f.anchor}`)
}
const ratios = ratioLines(figs)
if (ratios.length > 0) {
  console.log('\nRatios against the baselines of this run (below 1: murmur takes less time):')
  for (const line of ratios) console.log(`- ${line}`)
}
if (failure !== undefined) {
  console.log(
    `\nbenchmark stopped early: ${failure instanceof Error ? (failure.stack ?? failure.message) : String(failure)}`,
  )
  process.exitCode = 1
}
