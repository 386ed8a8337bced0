// Small helpers shared by the benchmarks: timing, percentiles, formatting, the result table.
import { readFileSync } from 'node:fs'

/** One line of the final table. `anchor` is the comparable published figure, if any. */
export interface Figure {
  section: string
  name: string
  value: string
  detail?: string
  anchor?: string
  /** The figure as a number of milliseconds, for ratio lines (bench/ratios.ts); unset if not a duration. */
  ms?: number
  /** How many items (writes, messages) `ms` covers, for ratios of rates when the counts differ. */
  count?: number
}

export const now = (): number => performance.now()

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/** Nearest-rank percentile of an unsorted sample (p in 0..100). */
export function percentile(sample: readonly number[], p: number): number {
  if (sample.length === 0) return Number.NaN
  const s = [...sample].sort((a, b) => a - b)
  const rank = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)))
  return s[rank - 1]!
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a'
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`
  if (ms < 10) return `${ms.toFixed(2)} ms`
  if (ms < 1000) return `${ms.toFixed(0)} ms`
  return `${(ms / 1000).toFixed(2)} s`
}

export function fmtRate(perSec: number): string {
  if (perSec >= 1e6) return `${(perSec / 1e6).toFixed(2)} M/s`
  if (perSec >= 1e3) return `${(perSec / 1e3).toFixed(0)} k/s`
  return `${perSec.toFixed(0)} /s`
}

export function fmtBytes(b: number): string {
  if (!Number.isFinite(b)) return 'n/a'
  if (b >= 1024 * 1024) return `${(b / 1024 / 1024).toFixed(1)} MiB`
  if (b >= 1024) return `${(b / 1024).toFixed(0)} KiB`
  return `${b} B`
}

export const int = (n: number): string => n.toLocaleString('en-US')

/** CPU clock ticks (USER_HZ, 1/100 s on Linux) a process has used, user + system, from /proc. */
export function cpuTicks(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return Number(f[11]) + Number(f[12])
  } catch {
    return Number.NaN
  }
}

/** Resident set size of a process in bytes, from /proc/<pid>/status (undefined if unavailable). */
export function rssOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : undefined
  } catch {
    return undefined
  }
}

/** Runs `fn` a few times and returns the median duration in ms (after `warmup` unmeasured runs). */
export function medianTime(fn: () => void, runs: number, warmup = 1): number {
  for (let i = 0; i < warmup; i++) fn()
  const t: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = now()
    fn()
    t.push(now() - t0)
  }
  return percentile(t, 50)
}

export function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`)
}

export function printTable(figs: readonly Figure[]): void {
  const head = ['section', 'figure', 'value', 'detail']
  const rows = figs.map((f) => [f.section, f.name, f.value, f.detail ?? ''])
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(w[i]!)).join(' | ')} |`
  console.log(line(head))
  console.log(`|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`)
  for (const r of rows) console.log(line(r))
}
