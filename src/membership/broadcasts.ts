// The dissemination queue: each change about a member waits here until it was sent
// retransmitLimit times (piggybacked on probes or in gossip rounds). A newer change about the
// same member replaces the older one, so the queue holds at most two entries per member.

import type { Update } from './messages.js'
import { encodedUpdateSize } from './wire.js'

interface Item {
  update: Update
  size: number
  sent: number
  /** Insertion order: among equally sent items the newest goes first, as in memberlist. */
  order: number
}

/** Bound on queued changes; the most-sent are dropped first (push-pull repairs what is lost). */
export const MAX_QUEUED = 4096

export class BroadcastQueue {
  private readonly items = new Map<number, Item>()
  private counter = 0

  get length(): number {
    return this.items.size
  }

  /** `key` is slot * 2 for a member's own claim, slot * 2 + 1 for an accusation about it. */
  push(key: number, update: Update): void {
    this.items.set(key, { update, size: encodedUpdateSize(update), sent: 0, order: this.counter++ })
    if (this.items.size > MAX_QUEUED) this.dropMostSent()
  }

  delete(key: number): void {
    this.items.delete(key)
  }

  /**
   * Up to `budget` bytes of changes, least-sent first; each counts as one transmission and leaves
   * the queue after `limit` of them. `first` goes in ahead of the rest (Lifeguard's buddy rule).
   */
  take(budget: number, limit: number, first?: Update): Update[] {
    const out: Update[] = []
    let used = 0
    if (first) {
      out.push(first)
      used += encodedUpdateSize(first)
    }
    if (this.items.size === 0) return out
    const ordered = [...this.items.entries()].sort(
      ([, a], [, b]) => a.sent - b.sent || b.order - a.order,
    )
    for (const [key, item] of ordered) {
      if (item.update === first) continue
      if (used + item.size > budget) continue
      out.push(item.update)
      used += item.size
      if (++item.sent >= limit) this.items.delete(key)
    }
    return out
  }

  private dropMostSent(): void {
    let worst: [number, Item] | undefined
    for (const e of this.items) if (!worst || e[1].sent > worst[1].sent) worst = e
    if (worst) this.items.delete(worst[0])
  }
}
