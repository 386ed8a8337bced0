// Which connections murmur closes itself (libp2p never prunes those that carry gossipsub streams).
// A member probes its view round-robin, so a peer that holds us in its view sends us a frame at
// least once per view size x probe interval. A connection outside our view that carried no
// membership frame either way for several such rounds is in neither view: nobody probes over it,
// and keeping it costs a share of idle CPU (gossipsub heartbeats, yamux, keep-alives) for nothing.

/** Idle time after which a non-view connection is surplus: four probe rounds of the view, at least 10 s. */
export function surplusIdleMs(viewSize: number, probeIntervalMs: number): number {
  return Math.max(10_000, 4 * viewSize * probeIntervalMs)
}

/**
 * The connected peers to hang up on, idlest first: outside `view` and silent for `idleMs`.
 * Never below the view's size: while the view is not connected yet, other links carry gossip.
 */
export function surplusPeers(
  connected: readonly string[],
  view: ReadonlySet<string>,
  lastTraffic: ReadonlyMap<string, number>,
  now: number,
  idleMs: number,
): string[] {
  const spare = connected.length - view.size
  if (spare <= 0) return []
  return connected
    .filter((p) => !view.has(p) && now - (lastTraffic.get(p) ?? 0) > idleMs)
    .sort((a, b) => (lastTraffic.get(a) ?? 0) - (lastTraffic.get(b) ?? 0))
    .slice(0, spare)
}
