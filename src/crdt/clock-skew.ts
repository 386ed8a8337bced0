// How far peers' clocks are from ours, seen through their fresh writes: a gossiped write carries
// its author's clock at the moment of writing, so (its wall time - our clock at receipt) is the
// author's offset minus the delivery delay (milliseconds on a healthy mesh). `murmur doctor`
// reports the worst offsets. Pure: the caller passes both clocks' readings.

/** Offsets older than this are forgotten: a fixed clock stops being reported. */
export const SKEW_WINDOW_MS = 10 * 60_000
const MAX_PEERS = 1024

export interface SkewSummary {
  /** Peers with a recent fresh write. */
  peers: number
  /** The peer whose clock reads furthest ahead of ours, and by how much (ms, at least). */
  ahead: { peer: string; ms: number } | null
  /** The peer whose clock reads furthest behind ours, and by how much (ms, delivery delay included). */
  behind: { peer: string; ms: number } | null
}

export class ClockSkew {
  /** peer -> its last offset and when we saw it; insertion order is recency. */
  private readonly offsets = new Map<string, { ms: number; at: number }>()

  /** A fresh write by `peer` stamped `wallMs`, received at our `nowMs`. */
  record(peer: string, wallMs: number, nowMs: number): void {
    this.offsets.delete(peer)
    this.offsets.set(peer, { ms: wallMs - nowMs, at: nowMs })
    if (this.offsets.size > MAX_PEERS) this.offsets.delete(this.offsets.keys().next().value!)
  }

  summary(nowMs: number): SkewSummary {
    let ahead: SkewSummary['ahead'] = null
    let behind: SkewSummary['behind'] = null
    let peers = 0
    for (const [peer, o] of this.offsets) {
      if (nowMs - o.at > SKEW_WINDOW_MS) continue
      peers++
      if (o.ms > 0 && o.ms > (ahead?.ms ?? 0)) ahead = { peer, ms: o.ms }
      if (o.ms < 0 && -o.ms > (behind?.ms ?? 0)) behind = { peer, ms: -o.ms }
    }
    return { peers, ahead, behind }
  }
}
