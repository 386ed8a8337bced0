// Exponential backoff with jitter, for dials and joins: peers that fail together do not retry in step.

/** The wait after the `failures`-th failure in a row: base × 2^failures (at most `maxMs`), times 0.5 to 1.5. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number, random: () => number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures, 20)) * (0.5 + random())
}
