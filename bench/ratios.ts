// Ratio lines "murmur X vs baseline Y = r": murmur's figures against the baselines measured in the
// same run (bench/gossipsub-baseline.ts, bench/orbitdb-baseline.ts). A figure takes part when it
// carries `ms` (and `count` when it covers many items); see Figure in bench/util.ts.
import { type Figure, fmtMs } from './util.js'

/** Picks a figure by its name (exact, or a pattern) and, if given, its section. */
export interface FigureRef {
  section?: string
  name: string | RegExp
}

/** One comparison; the first `baseline` ref that matches a figure is used (a fallback list). */
export interface RatioPair {
  murmur: FigureRef
  baseline: FigureRef | FigureRef[]
}

export function findFigure(figs: readonly Figure[], ref: FigureRef): Figure | undefined {
  return figs.find(
    (f) =>
      (ref.section === undefined || f.section === ref.section) &&
      (typeof ref.name === 'string' ? f.name === ref.name : ref.name.test(f.name)) &&
      f.ms !== undefined,
  )
}

/**
 * murmur / baseline, per item: (m.ms / m.count) / (b.ms / b.count), which is the plain time ratio
 * when both cover as many items (or neither says). Below 1 means murmur is faster. NaN when either
 * figure is not a finite duration (a timeout).
 */
export function ratio(m: Figure, b: Figure): number {
  const per = (f: Figure): number => (f.ms ?? Number.NaN) / (f.count ?? 1)
  const r = per(m) / per(b)
  return Number.isFinite(r) ? r : Number.NaN
}

const fmtRatio = (r: number): string =>
  Number.isNaN(r)
    ? 'n/a (a figure timed out)'
    : `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toFixed(2)}x`

/** `murmur <section> "<name>" <value> vs <section> "<name>" <value> = <r>` */
export function ratioLine(m: Figure, b: Figure): string {
  const perItem = m.count !== undefined && b.count !== undefined && m.count !== b.count ? ', per item' : ''
  const show = (f: Figure): string =>
    `${f.section} "${f.name}" ${Number.isFinite(f.ms) ? fmtMs(f.ms!) : f.value}`
  return `murmur ${show(m)} vs ${show(b)} = ${fmtRatio(ratio(m, b))} (time${perItem}, murmur / baseline)`
}

/** One line per pair whose two figures are both present (a part not run gives no line). */
export function ratioLines(figs: readonly Figure[], pairs: readonly RatioPair[] = DEFAULT_RATIOS): string[] {
  const out: string[] = []
  for (const p of pairs) {
    const m = findFigure(figs, p.murmur)
    const refs = Array.isArray(p.baseline) ? p.baseline : [p.baseline]
    const b = refs.map((r) => findFigure(figs, r)).find((f) => f !== undefined)
    if (m !== undefined && b !== undefined) out.push(ratioLine(m, b))
  }
  return out
}

const ORBIT_PUTS = (k: string): FigureRef => ({ name: `OrbitDB: ${k} puts on A -> all on B` })
const GOSSIP = (what: string, n: number): FigureRef => ({ name: `bare gossipsub: ${what} (N=${n})` })

/** The comparisons bench/run.ts prints: murmur's figures in bench/agents.ts against the baselines. */
export const DEFAULT_RATIOS: RatioPair[] = [
  {
    murmur: { section: 'N=3', name: '10,000 writes spread -> same digest' },
    baseline: [ORBIT_PUTS('10,000'), ORBIT_PUTS('1,000')],
  },
  { murmur: { section: 'N=3', name: '1,000 writes spread -> same digest' }, baseline: ORBIT_PUTS('1,000') },
  {
    murmur: { section: 'N=3', name: /^late joiner receives/ },
    baseline: [
      { name: 'OrbitDB: late joiner opens the db -> holds all 10,000' },
      { name: 'OrbitDB: late joiner opens the db -> holds all 1,000' },
    ],
  },
  {
    murmur: { section: 'N=10', name: 'one write -> on every agent, p99' },
    baseline: GOSSIP('one message -> on every peer, p99', 10),
  },
  {
    murmur: { section: 'N=10', name: 'one write -> on every agent, p50' },
    baseline: GOSSIP('one message -> on every peer, p50', 10),
  },
  {
    murmur: { section: 'N=3', name: 'one write -> on every agent, p99' },
    baseline: GOSSIP('one message -> on every peer, p99', 3),
  },
  {
    murmur: { section: 'N=3', name: 'one write -> on every agent, p50' },
    baseline: GOSSIP('one message -> on every peer, p50', 3),
  },
  {
    murmur: { section: 'N=3', name: '10,000 writes spread -> same digest' },
    baseline: GOSSIP('10,000 messages spread -> all received', 3),
  },
  {
    murmur: { section: 'N=10', name: '1,000 writes spread -> same digest' },
    baseline: GOSSIP('1,000 messages spread -> all received', 10),
  },
]
