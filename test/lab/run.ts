import { execFile } from 'node:child_process'

export interface RunOptions {
  input?: string
  timeoutMs?: number
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly stderr: string,
    readonly notFound: boolean,
  ) {
    super(`${command}: ${stderr.trim() || 'failed'}`)
    this.name = 'CommandError'
  }
}

/** Run a command without a shell and resolve with its stdout; reject with a CommandError. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { timeout: opts.timeoutMs ?? 10_000, maxBuffer: 16 << 20, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout)
        const notFound = (err as NodeJS.ErrnoException).code === 'ENOENT'
        const why = err.killed ? `timed out after ${opts.timeoutMs ?? 10_000} ms` : stderr || err.message
        reject(new CommandError([cmd, ...args].join(' '), why, notFound))
      },
    )
    // Close stdin so nothing waits on it; a command that exits without reading it gives EPIPE, which is fine
    child.stdin?.on('error', () => {})
    if (opts.input === undefined) child.stdin?.end()
    else child.stdin?.end(opts.input)
  })
}

/** `ip -n NS -batch -`: one process for many link/addr/route commands; stops at the first error. */
export function ipBatch(ns: string, lines: string[]): Promise<string> {
  return run('ip', ['-n', ns, '-batch', '-'], { input: `${lines.join('\n')}\n` })
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Poll `check` until it returns true or the deadline passes. Returns the last verdict. */
export async function until(
  check: () => Promise<boolean> | boolean,
  { timeoutMs = 5000, intervalMs = 100 } = {},
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return true
    if (Date.now() >= deadline) return false
    await sleep(intervalMs)
  }
}
