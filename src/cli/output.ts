// How the CLI prints: tables for humans, JSON for machines, one line for errors.

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** A plain aligned table; the last column is never padded so lines carry no trailing spaces. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return [line(headers), ...rows.map(line)].join('\n')
}

export function printTable(headers: string[], rows: string[][]): void {
  process.stdout.write(`${formatTable(headers, rows)}\n`)
}

export function formatAge(ms: number): string {
  if (ms < 1000) return 'now'
  const s = Math.round(ms / 1000)
  if (s < 120) return `${s}s ago`
  const m = Math.round(s / 60)
  if (m < 120) return `${m}m ago`
  return `${Math.round(m / 60)}h ago`
}
