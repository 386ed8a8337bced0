// Members enter the active view when they cost nothing, or after a jittered wait. A new member of
// the view that we hold no connection to costs a dial, a handshake and a round of streams on both
// ends; in a burst of joins every agent's view is redrawn many times as its table grows, and
// dialling each draw at once is what starved the probes (#28). So a member we are not connected
// to joins the view only after it has stayed in the drawn view for a random 1-3 probe periods
// (a draw that changes meanwhile costs nothing), and until then a member we are connected to
// (the seed we joined through, a peer that dialled us) stands in for it: probes and gossip keep
// flowing over the connections there are.

/** What the admission needs of its node. */
export interface AdmissionHost {
  /** Is there a connection to this member now? */
  connected(slot: number): boolean
  /** Members we hold a connection to (stand-in candidates), as slots; may include non-members. */
  connectedSlots(): Iterable<number>
  /** May this slot be in a view at all (alive or suspect, not ourselves, not avoided)? */
  eligible(slot: number): boolean
  random(): number
}

/** How long (ms) an unconnected member waits in the drawn view before it is dialled. */
export function admissionWait(probeIntervalMs: number, random: () => number): number {
  return probeIntervalMs * (0.5 + random())
}

export class ViewAdmission {
  /** Drawn-view members we are not connected to: when each may be admitted. */
  private readonly waitUntil = new Map<number, number>()
  /** Admitted (connected once, or waited): they stay while they are drawn. */
  private readonly admitted = new Set<number>()
  private drawn: readonly number[] = []
  private cached: number[] = []
  private validUntil = Number.NEGATIVE_INFINITY
  /** Admitted after a wait, not yet handed out by `takeAdmitted`. */
  private fresh: number[] = []

  constructor(
    private readonly host: AdmissionHost,
    private readonly probeIntervalMs: number,
  ) {}

  /** The view to probe, gossip and connect with, given the drawn one. */
  effective(drawn: readonly number[], now: number): readonly number[] {
    if (drawn === this.drawn && now < this.validUntil) return this.cached
    this.drawn = drawn
    const inDraw = new Set(drawn)
    for (const s of this.admitted) if (!inDraw.has(s)) this.admitted.delete(s)
    for (const s of this.waitUntil.keys()) if (!inDraw.has(s)) this.waitUntil.delete(s)
    const out: number[] = []
    let next = now + this.probeIntervalMs / 4
    for (const s of drawn) {
      if (!this.admitted.has(s)) {
        let at = this.waitUntil.get(s)
        if (this.host.connected(s)) at = now
        else if (at === undefined) {
          at = now + admissionWait(this.probeIntervalMs, () => this.host.random())
          this.waitUntil.set(s, at)
        }
        if (at > now) {
          next = Math.min(next, at)
          continue
        }
        if (this.waitUntil.delete(s) && !this.host.connected(s)) this.fresh.push(s)
        this.admitted.add(s)
      }
      out.push(s)
    }
    if (out.length < drawn.length) {
      for (const s of this.host.connectedSlots()) {
        if (out.length >= drawn.length) break
        if (!inDraw.has(s) && this.host.eligible(s) && !out.includes(s)) out.push(s)
      }
    }
    this.cached = out
    // Connections come and go between calls: look again soon, and when a wait ends.
    this.validUntil = next
    return out
  }

  /**
   * Members admitted after a wait since the last call: new neighbours that missed what was
   * gossiped while they waited, so the caller runs a push-pull with each (digest first: cheap
   * when nothing differs).
   */
  takeAdmitted(): number[] {
    const out = this.fresh
    this.fresh = []
    return out
  }
}
