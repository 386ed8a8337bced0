// Serf's published convergence model (../shared/ANCHORS.md): seconds until 99.99% of nodes know
// of a change, fanout 3, 200 ms gossip interval. A formula, not a measurement.

export const SERF_MODEL_S: Readonly<Record<number, { lossless: number; loss50: number }>> = {
  30: { lossless: 1.8, loss50: 3.4 },
  100: { lossless: 2.0, loss50: 3.8 },
  1000: { lossless: 2.2, loss50: 4.4 },
  10000: { lossless: 2.6, loss50: 5.0 },
}

/** memberlist 0.2.2 measured on this machine: kill -9 until dead on every node, seconds. */
export const MEMBERLIST_CRASH_S: Readonly<Record<number, number>> = { 3: 5.8, 10: 6.0, 30: 9.4 }
