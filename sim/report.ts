// The printed report: one row per mesh size, Serf's model figures beside ours.

import { SERF_MODEL_S } from './anchors.js'
import type { BurstResult } from './burst.js'
import type { DynamicsResult } from './dynamics.js'
import type { Spread } from './measure.js'
import type { PlannedRun, Role } from './plan.js'
import type { RunResult } from './scenario.js'

export type Summary = { nodes: number } & Partial<Record<Role, RunResult>>

export function summarise(runs: readonly PlannedRun[], results: readonly RunResult[]): Summary[] {
  const by = new Map<number, Summary>()
  runs.forEach((r, i) => {
    const s = by.get(r.spec.nodes) ?? { nodes: r.spec.nodes }
    s[r.role] = results[i]
    by.set(r.spec.nodes, s)
  })
  for (const s of by.values()) if (!s.loss10 && s.base?.loss === 0.1) s.loss10 = s.base
  return [...by.values()]
}

const secs = (ms: number | null | undefined, deadline: number): string =>
  ms === null || ms === undefined ? `>${deadline}` : (ms / 1000).toFixed(2)

const spread = (s: Spread | null | undefined, deadline: number): string =>
  s ? `${secs(s.t9999, deadline)} / ${secs(s.t100, deadline)}` : '-'

const ratio = (ours: number | null | undefined, theirs: number | undefined): string =>
  ours === null || ours === undefined || theirs === undefined ? '-' : `${(ours / 1000 / theirs).toFixed(2)}x`

const serf = (n: number, k: 'lossless' | 'loss50'): number | undefined => SERF_MODEL_S[n]?.[k]

const deaths = (r: RunResult | undefined): string => (r ? `${r.falseDeaths} (${r.falselyDead})` : '-')

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (r: string[]): string =>
    r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n')
}

export function render(sums: readonly Summary[]): string {
  const out: string[] = []
  const t = sums.map((x) => x.base ?? x.loss10 ?? x.slow).find((r) => r !== undefined)?.transport
  if (t) {
    out.push(
      t === 'stream'
        ? 'Transport: stream (Swim frames on TCP, as the daemon sends them): a lost segment is resent after --rto-ms, doubling per loss'
        : "Transport: datagram (memberlist's UDP): a lost packet is gone; push-pull is a stream",
      '',
    )
  }
  out.push('Convergence: virtual seconds after the action until 99.99% / 100% of live nodes emitted it')
  out.push(
    table(
      ['N', 'join', 'Serf 99.99%', 'ratio', 'join @50% loss', 'Serf @50%', 'ratio', 'leave', 'crash -> dead'],
      sums.map((s) => {
        const b = s.base
        const l = s.loss50
        return [
          String(s.nodes),
          spread(b?.join, b?.window.join ?? 0),
          String(serf(s.nodes, 'lossless') ?? '-'),
          ratio(b?.join?.t9999, serf(s.nodes, 'lossless')),
          spread(l?.join, l?.window.join ?? 0),
          String(serf(s.nodes, 'loss50') ?? '-'),
          ratio(l?.join?.t9999, serf(s.nodes, 'loss50')),
          spread(b?.leave, b?.window.leave ?? 0),
          spread(b?.crash, b?.window.crash ?? 0),
        ]
      }),
    ),
  )
  out.push('', 'Traffic sent per node per second (mean; max node in brackets): idle, then during the events')
  const f = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(2))
  out.push(
    table(
      ['N', 'loss', 'msgs idle', 'msgs events', 'bytes idle', 'bytes events'],
      sums.map((s) => {
        const b = s.base
        if (!b) return [String(s.nodes), '-', '-', '-', '-', '-']
        return [
          String(s.nodes),
          `${b.loss * 100}%`,
          `${f(b.idle.msgs)} [${f(b.idle.maxMsgs)}]`,
          `${f(b.busy.msgs)} [${f(b.busy.maxMsgs)}]`,
          `${f(b.idle.bytes)} [${f(b.idle.maxBytes)}]`,
          `${f(b.busy.bytes)} [${f(b.busy.maxBytes)}]`,
        ]
      }),
    ),
  )
  out.push('', "False deaths: 'dead' events about running members (distinct members in brackets)")
  const slowCell = (r: RunResult | undefined): string =>
    r ? `${deaths(r)}, of it ${r.slowFalseDeaths} (+${r.slowDelayMs.toFixed(0)} ms)` : '-'
  const sr = (r: RunResult | undefined): string => (r ? `${r.suspicions} / ${r.refutes}` : '-')
  out.push(
    table(
      ['N', '10% loss', '50% loss', 'slowed 10x', 'lagging', 'susp/refute 10%', '50%', 'slowed', 'lagging'],
      sums.map((s) => [
        String(s.nodes),
        deaths(s.loss10),
        deaths(s.loss50),
        slowCell(s.slow),
        slowCell(s.lag),
        sr(s.loss10),
        sr(s.loss50),
        sr(s.slow),
        sr(s.lag),
      ]),
    ),
  )
  return out.join('\n')
}

export function renderTimes(runs: readonly PlannedRun[], results: readonly RunResult[]): string {
  return table(
    ['N', 'run', 'loss', 'virtual s', 'setup s', 'wall s', 'cpu s', 'node calls'],
    runs.map((r, i) => {
      const x = results[i]!
      return [
        String(x.nodes),
        r.role,
        `${x.loss * 100}%`,
        String(x.seconds),
        (x.setupMs / 1000).toFixed(1),
        (x.wallMs / 1000).toFixed(1),
        Number.isFinite(x.cpuMs) ? (x.cpuMs / 1000).toFixed(1) : '-',
        String(x.calls),
      ]
    }),
  )
}

export function renderDynamics(results: readonly DynamicsResult[]): string {
  const head =
    results[0]?.kind === 'churn'
      ? 'Churn: each second one member crashes, one leaves, one joins; then until all views agree'
      : 'Partition into two halves, then heal; until all views agree (every running member alive, none suspect)'
  return [
    head,
    table(
      ['N', 'loss', 'for s', 'agreed after s', "'dead' about running", 'crashed/left/joined', 'wall s'],
      results.map((r) => [
        String(r.nodes),
        `${r.loss * 100}%`,
        String(r.disturbanceS),
        r.convergedS === null ? 'not by the end' : r.convergedS.toFixed(2),
        String(r.deaths),
        `${r.crashed}/${r.left}/${r.joined}`,
        (r.wallMs / 1000).toFixed(1),
      ]),
    ),
  ].join('\n')
}

export function renderBurst(results: readonly BurstResult[]): string {
  const c = results[0]
  const host = !c ? '' : c.cores > 0 ? `${c.cores} cores shared by all nodes` : 'a core per node'
  const s = (x: number): string => (x / 1000).toFixed(2)
  return [
    `Burst: N nodes start alone, then nodes 1..N-1 join node 0 at once (${host}); seconds after the joins`,
    table(
      [
        'N',
        'policy',
        'all alive everywhere',
        'alone at end',
        'join dials failed (1st)',
        'last join up',
        'suspicions',
        'false deaths',
        'seed peak queue',
        'node peak queue',
        'seed CPU s',
        'joiner CPU 3 s',
        'conns/node',
        'dials failed',
        'wall s',
      ],
      results.map((r) => [
        String(r.nodes),
        r.policy,
        r.convergedS === null ? `never (by ${r.ranS.toFixed(0)} s)` : r.convergedS.toFixed(2),
        String(r.alone),
        `${r.joinFailures} (${r.firstJoinFailed})`,
        r.lastJoinUpS === null ? '-' : r.lastJoinUpS.toFixed(2),
        String(r.suspicions),
        String(r.falseDeaths),
        s(r.seedPeakWaitMs),
        s(r.peakWaitMs),
        s(r.seedCpuMs),
        r.joinerCpu3sMs.toFixed(0),
        r.connsMean.toFixed(1),
        String(r.dialFailures),
        (r.wallMs / 1000).toFixed(1),
      ]),
    ),
  ].join('\n')
}
