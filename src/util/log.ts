// Structured log lines to stderr: one JSON object per line with time, level, component, message.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }
export const LOG_LEVELS = Object.keys(RANK) as LogLevel[]

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
  child(component: string): Logger
}

export interface LogSink {
  /** Lines below this level are not even built. */
  readonly level: LogLevel
  write(line: string, level: LogLevel): void
}

export const atLeast = (level: LogLevel, min: LogLevel): boolean => RANK[level] >= RANK[min]

export function createLogger(
  component: string,
  sink: LogSink = { level: 'info', write: (l) => process.stderr.write(l) },
): Logger {
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (RANK[level] < RANK[sink.level]) return
    const line = { time: new Date().toISOString(), level, component, msg, ...fields }
    sink.write(`${JSON.stringify(line, errorReplacer)}\n`, level)
  }
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (c) => createLogger(`${component}:${c}`, sink),
  }
}

/** A logger that drops everything, for unit tests. */
export const silentLogger: Logger = createLogger('silent', { level: 'error', write: () => {} })

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message }
  if (typeof value === 'bigint') return value.toString()
  return value
}
