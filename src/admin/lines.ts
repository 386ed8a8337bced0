// Newline framing with a hard cap, so a peer that never sends '\n' cannot make us buffer forever.

export interface SplitResult {
  /** Complete lines, without the trailing '\n'. */
  lines: Buffer[]
  /** A line grew past the cap; the stream is unusable after this. */
  overflow: boolean
}

export class LineSplitter {
  private chunks: Buffer[] = []
  private size = 0
  constructor(readonly maxLineBytes: number) {}

  push(chunk: Buffer): SplitResult {
    const lines: Buffer[] = []
    let start = 0
    for (;;) {
      const nl = chunk.indexOf(0x0a, start)
      if (nl === -1) break
      const part = chunk.subarray(start, nl)
      if (this.size + part.length > this.maxLineBytes) return { lines, overflow: true }
      lines.push(this.size === 0 ? part : Buffer.concat([...this.chunks, part]))
      this.chunks = []
      this.size = 0
      start = nl + 1
    }
    const rest = chunk.subarray(start)
    if (rest.length > 0) {
      if (this.size + rest.length > this.maxLineBytes) return { lines, overflow: true }
      this.chunks.push(rest)
      this.size += rest.length
    }
    return { lines, overflow: false }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Parses one line as JSON; undefined when it is not valid UTF-8 or not valid JSON. */
export function parseJsonLine(line: Buffer): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(utf8.decode(line)) }
  } catch {
    return undefined
  }
}

export function isBlank(line: Buffer): boolean {
  for (const b of line) {
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false
  }
  return true
}
