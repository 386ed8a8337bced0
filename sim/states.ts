// Life states of a simulated node.

/** Not started yet: a spare that may join later. */
export const SPARE = 0
export const RUNNING = 1
/** Left gracefully, still running for the linger time. */
export const LEAVING = 2
export const STOPPED = 3
export const CRASHED = 4
