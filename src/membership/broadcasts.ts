// The dissemination queue: each change about a member waits here until gossip rounds sent it
// retransmitLimit times; meanwhile it also rides free on probe traffic. A newer change about the
// same member replaces the older one, so the queue holds at most two entries per member.
// Items sit in levels by how often they were sent (memberlist keeps a btree for the same order),
// so filling a packet visits only what goes in it, however long the queue.

import type { Update } from './messages.js'
import { encodedUpdateSize } from './wire.js'

interface Item {
  key: number
  update: Update
  size: number
  sent: number
}

/** Bound on queued changes; the oldest unsent-most are dropped first (push-pull repairs them). */
export const MAX_QUEUED = 4096
/** No update encodes smaller than this: a packet with less room left is full. */
const MIN_UPDATE_BYTES = 100

export class BroadcastQueue {
  private readonly items = new Map<number, Item>()
  /** levels[n]: live or replaced items sent n times, oldest first. */
  private levels: Item[][] = [[]]

  get length(): number {
    return this.items.size
  }

  /** `key` is slot * 2 for a member's own claim, slot * 2 + 1 for an accusation about it. */
  push(key: number, update: Update): void {
    const item = { key, update, size: encodedUpdateSize(update), sent: 0 }
    this.items.set(key, item)
    this.levels[0]!.push(item)
    if (this.items.size > MAX_QUEUED) this.dropMostSent()
    if (this.levels[0]!.length > 2 * this.items.size + 64) this.compact()
  }

  /** Replaced items linger in their level until visited; rebuild when they outnumber the live ones. */
  private compact(): void {
    this.levels = this.levels.map((level) => level.filter((item) => this.items.get(item.key) === item))
  }

  delete(key: number): void {
    this.items.delete(key)
  }

  /**
   * Up to `budget` bytes of changes, least-sent and then newest first. With `count`, each is one
   * transmission and leaves the queue after `limit` of them. `first` goes in ahead of the rest
   * (Lifeguard's buddy rule).
   */
  take(budget: number, limit: number, first?: Update, count = true): Update[] {
    const out: Update[] = []
    let used = 0
    if (first) {
      out.push(first)
      used += encodedUpdateSize(first)
    }
    const moved: Item[] = []
    for (let lvl = 0; lvl < this.levels.length && budget - used >= MIN_UPDATE_BYTES; lvl++) {
      const level = this.levels[lvl]!
      const keep: Item[] = []
      let i = level.length - 1
      for (; i >= 0 && budget - used >= MIN_UPDATE_BYTES; i--) {
        const item = level[i]!
        if (this.items.get(item.key) !== item) continue // replaced or deleted: forget it here
        if (item.update === first || used + item.size > budget) {
          keep.push(item)
          continue
        }
        out.push(item.update)
        used += item.size
        if (!count) keep.push(item)
        else if (++item.sent >= limit) this.items.delete(item.key)
        else moved.push(item)
      }
      this.levels[lvl] = level.slice(0, i + 1).concat(keep.reverse())
    }
    for (const item of moved) {
      while (this.levels.length <= item.sent) this.levels.push([])
      this.levels[item.sent]!.push(item)
    }
    while (this.levels.length > 1 && this.levels[this.levels.length - 1]!.length === 0) this.levels.pop()
    return out
  }

  private dropMostSent(): void {
    for (let lvl = this.levels.length - 1; lvl >= 0; lvl--) {
      for (const item of this.levels[lvl]!) {
        if (this.items.get(item.key) === item) {
          this.items.delete(item.key)
          return
        }
      }
    }
  }
}
