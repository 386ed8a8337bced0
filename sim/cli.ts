// npm run sim -- --nodes 100,1000,10000 --seconds 60 --loss 0.1 --seed 1 [--scenario all|join|leave|crash|loss|slow|partition|churn|burst|coords]
//   [--slow-factor 10] [--slow-ms R] [--lag-ms 200] [--latency 1-5] [--transport stream|datagram] [--rto-ms 200] [--lossy-sync] [--skip-loss] [--loss50-max-nodes 1000] [--swim key=value,...] [--jobs 2] [--json]
// Runs the real src/membership Swim on a virtual clock; the same seed prints the same figures
// (only the wall and CPU times differ).

import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import type { SwimOptions } from '../src/membership/swim-options.js'
import { burst, DEFAULT_BURST, POLICIES, type Policy } from './burst.js'
import { coordsRun, DEFAULT_COORDS, renderCoords } from './coords-run.js'
import { type CostOptions, DEFAULT_COSTS } from './cost.js'
import { churn, partition } from './dynamics.js'
import type { Transport } from './network.js'
import { type PlannedRun, plan, planBurst, SCENARIOS, type Scenario } from './plan.js'
import { DEFAULT_REGIONS } from './regions.js'
import { render, renderBurst, renderDynamics, renderTimes, summarise } from './report.js'
import { type RunResult, run } from './scenario.js'
import { packetSize, swimNode } from './swim-node.js'

/** Default sizes: --nodes for every scenario but coords, which stops at 1,000. */
const NODES = '100,1000,10000'
const COORDS_NODES = '40,100,1000'

const { values: a } = parseArgs({
  options: {
    nodes: { type: 'string' },
    seconds: { type: 'string' },
    loss: { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
    scenario: { type: 'string', default: 'all' },
    'slow-factor': { type: 'string', default: '10' },
    'slow-ms': { type: 'string' },
    'lag-ms': { type: 'string', default: '200' },
    latency: { type: 'string', default: '1-5' },
    swim: { type: 'string' },
    'partition-s': { type: 'string', default: '30' },
    'churn-s': { type: 'string', default: '30' },
    jobs: { type: 'string', default: '1' },
    'lossy-sync': { type: 'boolean', default: false },
    transport: { type: 'string', default: 'stream' },
    'rto-ms': { type: 'string', default: '200' },
    'skip-loss': { type: 'boolean', default: false },
    'loss50-max-nodes': { type: 'string', default: '1000' },
    policy: { type: 'string', default: POLICIES.join(',') },
    cores: { type: 'string', default: String(DEFAULT_COSTS.cores) },
    'slice-ms': { type: 'string', default: String(DEFAULT_COSTS.sliceMs) },
    'packet-ms': { type: 'string', default: String(DEFAULT_COSTS.packetMs) },
    'update-ms': { type: 'string', default: String(DEFAULT_COSTS.updateMs) },
    'verify-ms': { type: 'string', default: String(DEFAULT_COSTS.verifyMs) },
    'timer-ms': { type: 'string', default: String(DEFAULT_COSTS.timerMs) },
    'member-ms': { type: 'string', default: String(DEFAULT_COSTS.memberMs) },
    'conn-ms': { type: 'string', default: String(DEFAULT_COSTS.connMs) },
    'conn-extra-ms': { type: 'string', default: String(DEFAULT_COSTS.connExtraMs) },
    'dial-timeout-ms': { type: 'string', default: String(DEFAULT_COSTS.dialTimeoutMs) },
    'defer-ms': { type: 'string', default: String(DEFAULT_BURST.deferMs) },
    'pending-cap': { type: 'string', default: String(DEFAULT_BURST.pendingCap) },
    'no-dial-back': { type: 'boolean', default: false },
    intra: { type: 'string', default: DEFAULT_REGIONS.intraMs.join('-') },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})

function num(name: string, v: string | undefined, min = 0): number {
  const n = Number(v)
  if (v === undefined || !Number.isFinite(n) || n < min)
    throw new Error(`--${name}: not a number >= ${min}: ${v}`)
  return n
}

function main(): Promise<void> | undefined {
  if (a.help) {
    process.stdout.write(`${readHead()}\n`)
    return
  }
  if (!SCENARIOS.includes(a.scenario as Scenario))
    throw new Error(`--scenario: one of ${SCENARIOS.join(', ')}`)
  if (a.transport !== 'stream' && a.transport !== 'datagram')
    throw new Error('--transport: stream or datagram')
  const [lo, hi = lo] = (a.latency ?? '').split('-')
  const swim: Partial<SwimOptions> = {}
  for (const kv of a.swim ? a.swim.split(',') : []) {
    const [k, v] = kv.split('=')
    swim[k as keyof SwimOptions] = num(`swim ${k}`, v)
  }
  if (a.scenario === 'burst') return runBurst(swim, num('latency', lo), num('latency', hi))
  if (a.scenario === 'coords') return runCoords(swim)
  const runs = plan({
    nodes: (a.nodes ?? NODES).split(',').map((n) => num('nodes', n, 2)),
    seconds: num('seconds', a.seconds ?? '60', 1),
    seed: num('seed', a.seed),
    loss: num('loss', a.loss),
    scenario: a.scenario as Scenario,
    slowFactor: num('slow-factor', a['slow-factor'], 1),
    slowResponseMs: a['slow-ms'] === undefined ? undefined : num('slow-ms', a['slow-ms']),
    lagResponseMs: num('lag-ms', a['lag-ms']),
    latencyMinMs: num('latency', lo),
    latencyMaxMs: num('latency', hi),
    lossySync: a['lossy-sync'] ?? false,
    transport: a.transport as Transport,
    rtoMs: num('rto-ms', a['rto-ms'], 1),
    skipLoss: a['skip-loss'] ?? false,
    loss50MaxNodes: num('loss50-max-nodes', a['loss50-max-nodes']),
  })
  if (Object.keys(swim).length > 0) for (const r of runs) r.spec.swim = swim
  if (a.scenario === 'partition' || a.scenario === 'churn') {
    const impl = { factory: swimNode, sizeOf: packetSize }
    const results = runs.map((r) =>
      a.scenario === 'partition'
        ? partition(r.spec, impl, num('partition-s', a['partition-s']))
        : churn(r.spec, impl, num('churn-s', a['churn-s'])),
    )
    process.stdout.write(a.json ? `${JSON.stringify(results, null, 2)}\n` : `${renderDynamics(results)}\n`)
    return
  }
  const jobs = Math.min(num('jobs', a.jobs, 1), runs.length)
  const print = (results: RunResult[]): void => {
    if (a.json) {
      const out = runs.map((r, i) => ({ role: r.role, ...results[i] }))
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`)
      return
    }
    process.stdout.write(`${render(summarise(runs, results))}\n\n${renderTimes(runs, results)}\n`)
  }
  if (jobs <= 1) {
    const results: RunResult[] = []
    for (const r of runs) {
      results.push(run(r.spec, { factory: swimNode, sizeOf: packetSize }))
      if (!a.json) process.stderr.write(`done: N=${r.spec.nodes} ${r.role}\n`)
    }
    print(results)
    return
  }
  return inWorkers(runs, jobs).then(print)
}

function runBurst(swim: Partial<SwimOptions>, latencyMinMs: number, latencyMaxMs: number): undefined {
  const policies = (a.policy ?? '').split(',') as Policy[]
  for (const p of policies) if (!POLICIES.includes(p)) throw new Error(`--policy: ${POLICIES.join(', ')}`)
  const costs: CostOptions = {
    cores: num('cores', a.cores),
    sliceMs: num('slice-ms', a['slice-ms'], 0.001),
    packetMs: num('packet-ms', a['packet-ms']),
    updateMs: num('update-ms', a['update-ms']),
    verifyMs: num('verify-ms', a['verify-ms']),
    timerMs: num('timer-ms', a['timer-ms']),
    memberMs: num('member-ms', a['member-ms']),
    connMs: num('conn-ms', a['conn-ms']),
    connExtraMs: num('conn-extra-ms', a['conn-extra-ms']),
    dialTimeoutMs: num('dial-timeout-ms', a['dial-timeout-ms'], 1),
  }
  const specs = planBurst(
    (a.nodes ?? NODES).split(',').map((n) => num('nodes', n, 2)),
    policies,
    {
      ...DEFAULT_BURST,
      seed: num('seed', a.seed),
      seconds: num('seconds', a.seconds ?? String(DEFAULT_BURST.seconds), 1),
      costs,
      latencyMinMs,
      latencyMaxMs,
      deferMs: num('defer-ms', a['defer-ms']),
      pendingCap: num('pending-cap', a['pending-cap']),
      dialBack: !a['no-dial-back'],
      swim: Object.keys(swim).length > 0 ? swim : undefined,
    },
  )
  const impl = { factory: swimNode, sizeOf: packetSize }
  const results = specs.map((spec) => {
    const r = burst(spec, impl)
    if (!a.json) process.stderr.write(`done: N=${spec.nodes} burst ${spec.policy}\n`)
    return r
  })
  process.stdout.write(a.json ? `${JSON.stringify(results, null, 2)}\n` : `${renderBurst(results)}\n`)
  return undefined
}

function runCoords(swim: Partial<SwimOptions>): undefined {
  const [lo, hi = lo] = (a.intra ?? '').split('-')
  // Every node holds a coordinate per member it has heard of: 10,000 nodes would hold 10^8.
  const results = (a.nodes ?? COORDS_NODES).split(',').map((n) => {
    const r = coordsRun(
      {
        ...DEFAULT_COORDS,
        nodes: num('nodes', n, 2),
        seed: num('seed', a.seed),
        seconds: num('seconds', a.seconds ?? String(DEFAULT_COORDS.seconds), 1),
        regions: { ...DEFAULT_REGIONS, intraMs: [num('intra', lo), num('intra', hi)] },
        swim: Object.keys(swim).length > 0 ? swim : undefined,
      },
      { factory: swimNode, sizeOf: packetSize },
    )
    if (!a.json) process.stderr.write(`done: N=${r.nodes} coords\n`)
    return r
  })
  process.stdout.write(a.json ? `${JSON.stringify(results, null, 2)}\n` : `${renderCoords(results)}\n`)
  return undefined
}

/** Runs in `jobs` worker threads, largest first; results in plan order. */
function inWorkers(runs: PlannedRun[], jobs: number): Promise<RunResult[]> {
  const order = runs.map((_, i) => i).sort((x, y) => runs[y]!.spec.nodes - runs[x]!.spec.nodes || x - y)
  const results: RunResult[] = new Array(runs.length)
  let next = 0
  let done = 0
  return new Promise((resolve, reject) => {
    for (let w = 0; w < jobs; w++) {
      const worker = new Worker(new URL('./worker.js', import.meta.url), {
        resourceLimits: { maxOldGenerationSizeMb: 8192 },
      })
      const feed = (): void => {
        const index = order[next++]
        if (index === undefined) {
          void worker.terminate()
          return
        }
        worker.postMessage({ index, spec: runs[index]!.spec })
      }
      worker.on('message', (m: { index: number; result: RunResult }) => {
        results[m.index] = m.result
        if (!a.json) process.stderr.write(`done: N=${m.result.nodes} ${runs[m.index]!.role}\n`)
        if (++done === runs.length) resolve(results)
        feed()
      })
      worker.on('error', reject)
      feed()
    }
  })
}

function readHead(): string {
  return [
    'npm run sim -- --nodes 100,1000,10000 --seconds 60 --loss 0.1 --seed 1 [--scenario all|join|leave|crash|loss|slow|partition|churn|burst|coords]',
    '  [--slow-factor 10] [--slow-ms R] [--lag-ms 200] [--latency 1-5] [--transport stream|datagram] [--rto-ms 200] [--lossy-sync] [--skip-loss] [--loss50-max-nodes 1000] [--swim key=value,...] [--jobs 2] [--json]',
    '  --partition-s 30 / --churn-s 30: length of the partition (then heal) / of the churn (one crash,',
    '    one leave, one join a second); then the time until every node holds exactly the running members',
    '  --transport: stream (default, the daemon: Swim frames on TCP, a lost segment is resent after',
    "    --rto-ms, doubling per loss) or datagram (memberlist's UDP: a lost packet is gone)",
    '  --skip-loss: --scenario all without the 10% / 50% loss runs (their cost grows ~N^2)',
    '  --loss50-max-nodes 1000: --scenario all runs 50% loss only up to this N (a suspicion storm, ~N^2)',
    "  --lossy-sync: loss applies to push-pull too (default: a stream, like memberlist's TCP push-pull)",
    '  --slow-ms: the normal response time the slow factor multiplies (default: mean round trip)',
    '  --lag-ms: the same for a second, lagging member run (0: none); 200 ms x 10 = +1.8 s, past the probe period',
    '  --scenario burst: N nodes alone, then N-1 join node 0 at once; work costs CPU, packets need connections',
    '    (sim/cost.ts, sim/links.ts). --seconds (default 120) after the joins. Flags (defaults):',
    '    --policy today,fix   today: one join attempt, extra work at once; fix: retries with backoff,',
    '                         deferred low-priority extra work, --pending-cap 10 handshakes per listener',
    '    --cores 0 (a core per node; k: k cores shared by all, --slice-ms 3)',
    '    --conn-ms 35 --conn-extra-ms 10 (per connection per side) --dial-timeout-ms 5000 --no-dial-back',
    '    --packet-ms 0.2 --update-ms 0.01 --verify-ms 0.1 --timer-ms 0.05 --member-ms 2 --defer-ms 2000',
    '  --scenario coords (default --nodes 40,100,1000): network coordinates over four regions (sim/regions.ts: 30-150 ms apart, --intra 1-5 ms',
    '    within one); --seconds (default 600) of probing, then the share of pairs whose estimated round trip',
    '    is within 25% of the true one, at 60, 120 and 300 s too',
  ].join('\n')
}

const p = main()
if (p)
  p.catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`)
    process.exitCode = 1
  })
