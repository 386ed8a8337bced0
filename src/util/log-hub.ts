// The agent's log sink: lines at the configured level go to stderr, and `murmur monitor` clients
// each get the lines at their own level, which may be lower than the configured one.
import { atLeast, type LogLevel, type LogSink } from './log.js'

type Listener = { level: LogLevel; cb: (line: string) => void }

export class LogHub implements LogSink {
  private readonly listeners = new Set<Listener>()
  private delivering = false

  constructor(
    private base: LogLevel,
    private readonly out: (line: string) => void = (l) => process.stderr.write(l),
  ) {}

  /** The lowest level anyone wants: below it, lines are not built at all. */
  get level(): LogLevel {
    let min = this.base
    for (const l of this.listeners) if (!atLeast(l.level, min)) min = l.level
    return min
  }

  /** The configured level (SIGHUP, reload). */
  setLevel(level: LogLevel): void {
    this.base = level
  }

  write(line: string, level: LogLevel): void {
    if (atLeast(level, this.base)) this.out(line)
    // A line logged while one is handed out (a listener's connection failing) goes to stderr only:
    // sending it to the listeners could loop.
    if (this.delivering) return
    this.delivering = true
    try {
      for (const l of this.listeners) {
        if (!atLeast(level, l.level)) continue
        try {
          l.cb(line)
        } catch {}
      }
    } finally {
      this.delivering = false
    }
  }

  /** Hands every line at `level` or above to `cb` until the returned function is called. */
  subscribe(level: LogLevel, cb: (line: string) => void): () => void {
    const l = { level, cb }
    this.listeners.add(l)
    return () => this.listeners.delete(l)
  }
}
