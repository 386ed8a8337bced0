// Polls a condition until it holds or the deadline passes; tests never sleep to synchronise.

export interface WaitOptions {
  timeoutMs?: number
  intervalMs?: number
  what?: string
}

export async function waitFor<T>(
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  opts: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000)
  let lastError: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v !== undefined && v !== false) return v
    } catch (err) {
      lastError = err
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : ''
      throw new Error(`timed out waiting for ${opts.what ?? 'condition'}${why}`)
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100))
  }
}
