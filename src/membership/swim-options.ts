// Timers and factors of the SWIM + Lifeguard protocol. Defaults are memberlist's LAN profile, so
// figures compare with Serf's; every one is per member and independent of the mesh size.

export interface SwimOptions {
  /** One direct probe per period; stretched by the local health score. */
  probeIntervalMs: number
  /** No ack within this: ask `indirectChecks` members to probe for us. */
  probeTimeoutMs: number
  indirectChecks: number
  /** A gossip round sends queued changes to `gossipFanout` neighbours; no changes, no round. */
  gossipIntervalMs: number
  gossipFanout: number
  /** Each change is sent retransmitMult * ceil(log10(N + 1)) times (at least once per view member), then dropped. */
  retransmitMult: number
  /** Suspicion lasts suspicionMult * max(1, log10 N) probe periods with enough confirmations... */
  suspicionMult: number
  /** ...and up to this many times longer with none (Lifeguard). */
  suspicionMaxTimeoutMult: number
  /** Local health score cap: timeouts stretch up to (cap + 1) times. */
  maxHealthScore: number
  /** Push-pull of digests with one neighbour; scaled up beyond 32 members like memberlist. */
  pushPullIntervalMs: number
  /** How often one member held dead is tried again (partition healing), with per-member backoff. */
  reconnectIntervalMs: number
  reconnectMaxBackoffMs: number
  /** Dead and left members are forgotten this long after entering that status. */
  reapAfterMs: number
  /** The random chords of the active view are redrawn this often (the overlay's shuffle). */
  shuffleIntervalMs: number
  /** Ring neighbours on each side in the active view; chords add about log2 N more. */
  ringNeighbours: number
  /** Byte budget for changes piggybacked on one probe packet and on one gossip packet. */
  piggybackBytes: number
  gossipBytes: number
}

export const DEFAULT_SWIM_OPTIONS: Readonly<SwimOptions> = Object.freeze({
  probeIntervalMs: 1000,
  probeTimeoutMs: 500,
  indirectChecks: 3,
  gossipIntervalMs: 200,
  gossipFanout: 3,
  retransmitMult: 4,
  suspicionMult: 4,
  suspicionMaxTimeoutMult: 6,
  maxHealthScore: 8,
  pushPullIntervalMs: 30_000,
  reconnectIntervalMs: 10_000,
  reconnectMaxBackoffMs: 300_000,
  reapAfterMs: 24 * 60 * 60 * 1000,
  shuffleIntervalMs: 300_000,
  ringNeighbours: 2,
  piggybackBytes: 4096,
  gossipBytes: 16_384,
})
