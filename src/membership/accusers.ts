// Accusers whose word keeps being proved wrong lose it for a while. An accusation is proved wrong
// when its member refutes it while the suspicion is still open here: it was alive and reachable
// all along. (A member that died, was declared dead by our own timeout and later came back does
// not count: that accusation was right.) Honest members are refuted rarely, since Lifeguard keeps
// a slow member from accusing; a member that accuses a healthy one again after every refutation
// is muted after a few rounds, and its accusations neither start nor confirm a suspicion here.

/** Refuted accusations that mute an accuser... */
export const STRIKES_TO_MUTE = 3
/** ...counted over this window (older strikes are forgotten)... */
export const STRIKE_WINDOW_MS = 10 * 60_000
/** ...and how long the mute lasts. */
export const MUTE_MS = 10 * 60_000
/** Accusers tracked at once; beyond it the oldest entry goes (a muted one stays muted longest). */
const MAX_TRACKED = 4096

interface Strikes {
  strikes: number[]
  mutedUntil: number
}

export class AccuserRecord {
  private readonly byId = new Map<string, Strikes>()

  /** `id` accused a member that then refuted while the suspicion was open; true if now muted. */
  strike(id: string, now: number): boolean {
    let r = this.byId.get(id)
    if (!r) {
      if (this.byId.size >= MAX_TRACKED) this.evict(now)
      r = { strikes: [], mutedUntil: 0 }
      this.byId.set(id, r)
    }
    r.strikes = r.strikes.filter((t) => now - t < STRIKE_WINDOW_MS)
    r.strikes.push(now)
    if (r.strikes.length < STRIKES_TO_MUTE) return false
    r.strikes = []
    r.mutedUntil = now + MUTE_MS
    return true
  }

  muted(id: string, now: number): boolean {
    const r = this.byId.get(id)
    return r !== undefined && r.mutedUntil > now
  }

  /** Accusers muted now (for info and tests). */
  mutedCount(now: number): number {
    let n = 0
    for (const r of this.byId.values()) if (r.mutedUntil > now) n++
    return n
  }

  private evict(now: number): void {
    for (const [id, r] of this.byId) {
      if (r.mutedUntil <= now) {
        this.byId.delete(id)
        return
      }
    }
    const first = this.byId.keys().next().value
    if (first !== undefined) this.byId.delete(first)
  }
}
