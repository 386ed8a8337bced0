// What a function writes to process.stdout and process.stderr, for in-process CLI tests.

export interface Captured<T> {
  result: T
  stdout: string
  stderr: string
}

/** Runs `fn` with both streams captured (restored after, even if it throws). */
export async function captureOutput<T>(fn: () => T | Promise<T>): Promise<Captured<T>> {
  const out = { stdout: '', stderr: '' }
  const [w1, w2] = [process.stdout.write, process.stderr.write]
  process.stdout.write = ((s: string) => {
    out.stdout += s
    return true
  }) as typeof process.stdout.write
  process.stderr.write = ((s: string) => {
    out.stderr += s
    return true
  }) as typeof process.stderr.write
  try {
    return { result: await fn(), ...out }
  } finally {
    process.stdout.write = w1
    process.stderr.write = w2
  }
}
