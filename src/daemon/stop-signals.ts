// SIGINT and SIGTERM: the first makes the agent leave gracefully, a later one exits at once.
// Ctrl-C under `npm start` delivers SIGINT twice (the terminal signals the whole process group,
// and npm forwards its own copy): a second signal within SAME_STOP_MS of the first is that same
// request, not an impatient user, or every Ctrl-C would skip the leave.

/** A second stop signal this soon after the first is the same request. */
export const SAME_STOP_MS = 1000

export type StopAction = 'leave' | 'ignore' | 'exit'

/** Decides what each stop signal does; `now` is injected for tests. */
export function stopSignals(now: () => number = Date.now): () => StopAction {
  let first: number | undefined
  return () => {
    const t = now()
    if (first === undefined) {
      first = t
      return 'leave'
    }
    return t - first < SAME_STOP_MS ? 'ignore' : 'exit'
  }
}
