// How the CLI prints: tables for humans, JSON for machines, one line for errors. Everything a
// human reads goes through escapeControl, so names, tags, keys, values and payloads that peers
// chose cannot drive the terminal (retitle, clear, move the cursor) nor forge extra lines.

/**
 * Characters a terminal acts on or that break a line: C0 controls (with tab, CR and LF), DEL, C1
 * controls (0x9b is a one-byte CSI), the line and paragraph separators U+2028/U+2029, and the
 * bidi embeddings, overrides and isolates U+202A-U+202E, U+2066-U+2069 (which reorder what
 * follows them on screen).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its purpose
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/** `text` with every unsafe character as a visible escape: `\n`, `\x1b`, `\x9b`, `\u202e`. */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const named = NAMED[c]
    if (named) return named
    const code = c.charCodeAt(0)
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`
  })
}

/** Characters JSON.stringify leaves raw that a terminal may still act on (it escapes C0 itself). */
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/**
 * One line of JSON that is safe on a terminal: JSON.stringify's text with the characters above as
 * `\u` escapes, which parses back to exactly the same value.
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(
    JSON_UNSAFE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

/** --json output: exactly JSON.stringify's text, for machines. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** One line for a human on stdout, escaped: whatever the text holds, it stays one line. */
export function printLine(text: string): void {
  process.stdout.write(`${escapeControl(text)}\n`)
}

/** One `murmur: ...` line on stderr, escaped (error messages echo names, keys and peers' words). */
export function printError(text: string): void {
  process.stderr.write(`murmur: ${escapeControl(text)}\n`)
}

/** One line for a human on stderr that is not an error (a status, such as "connected"), escaped. */
export function printNote(text: string): void {
  process.stderr.write(`${escapeControl(text)}\n`)
}

/**
 * An error under --json: one line `{"error":{"code","message"}}` on stderr (stdout stays empty),
 * `code` one of the stable codes of src/errors.ts.
 */
export function printErrorJson(code: string, message: string): void {
  process.stderr.write(`${jsonLine({ error: { code, message } })}\n`)
}

/**
 * A plain aligned table, each cell escaped so it stays on its row; the last column is never
 * padded so lines carry no trailing spaces.
 */
export function formatTable(headers: string[], rows: string[][]): string {
  const safe = rows.map((r) => r.map(escapeControl))
  const widths = headers.map((h, i) => Math.max(h.length, ...safe.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return [line(headers.map(escapeControl)), ...safe.map(line)].join('\n')
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
