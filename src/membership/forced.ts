// `murmur force-leave` (Serf's): an operator says that a member held dead will not come back.
// Only a member this agent itself holds dead is affected (one member's word never decides another
// member's fate), at the incarnation it died with: if it comes back, its new claim outranks this.
// - left: shown as `left` (handlers get member-leave), while the table keeps it dead, so push-pull
//   digests stay equal between agents that did and did not hear the operator.
// - pruned: forgotten at once, as reaping does after reapAfterMs; until then its old claim and
//   verdict are refused, so a peer that still holds it cannot bring it back.

/** Bound on remembered forced members; past it the oldest go (reaping forgets them anyway). */
const MAX_FORCED = 4096

export class ForcedLeaves {
  private readonly left = new Map<string, number>()
  private readonly pruned = new Map<string, { incarnation: number; until: number }>()

  /** Shown as left: held dead at exactly this incarnation. */
  isLeft(id: string, incarnation: number): boolean {
    return this.left.get(id) === incarnation
  }

  markLeft(id: string, incarnation: number): void {
    bounded(this.left).set(id, incarnation)
  }

  prune(id: string, incarnation: number, until: number): void {
    this.left.delete(id)
    bounded(this.pruned).set(id, { incarnation, until })
  }

  /** An update about a pruned member from the life it was pruned in: refused. */
  blocks(id: string, incarnation: number, now: number): boolean {
    const p = this.pruned.get(id)
    if (p === undefined) return false
    if (p.until <= now) {
      this.pruned.delete(id)
      return false
    }
    return incarnation <= p.incarnation
  }

  /** The member is gone from the table, or came back: nothing to show any more. */
  forget(id: string): void {
    this.left.delete(id)
  }

  /** Members shown as left among `ids` held dead (for counts). */
  leftCount(isDeadAt: (id: string, incarnation: number) => boolean): number {
    let n = 0
    for (const [id, inc] of this.left) if (isDeadAt(id, inc)) n++
    return n
  }

  expire(now: number): void {
    for (const [id, p] of this.pruned) if (p.until <= now) this.pruned.delete(id)
  }
}

function bounded<V>(m: Map<string, V>): Map<string, V> {
  if (m.size >= MAX_FORCED) m.delete(m.keys().next().value!)
  return m
}
