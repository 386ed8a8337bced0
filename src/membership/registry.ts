// Member ids interned to dense slots, so a member table is a few typed arrays instead of a map of
// objects. One registry serves one agent; the simulator shares one among all its nodes, which is
// what keeps 10,000 simulated tables of 10,000 members in memory.

import { hashString } from '../util/hash.js'

export class IdRegistry {
  private readonly slots = new Map<string, number>()
  private ids: string[] = []
  private hashes = new Uint32Array(64)
  private readonly free: number[] = []
  /** A registry shared by many tables must never reuse a slot one of them still holds. */
  constructor(private readonly reuseSlots = true) {}

  /** One past the highest slot ever handed out: tables size their arrays by it. */
  get capacity(): number {
    return this.ids.length
  }

  slotOf(id: string): number | undefined {
    return this.slots.get(id)
  }

  intern(id: string): number {
    const known = this.slots.get(id)
    if (known !== undefined) return known
    const slot = this.free.pop() ?? this.ids.length
    if (slot === this.ids.length) this.ids.push(id)
    else this.ids[slot] = id
    if (slot >= this.hashes.length) {
      const grown = new Uint32Array(this.hashes.length * 2)
      grown.set(this.hashes)
      this.hashes = grown
    }
    this.hashes[slot] = hashString(id)
    this.slots.set(id, slot)
    return slot
  }

  idAt(slot: number): string {
    return this.ids[slot] ?? ''
  }

  /** Position of the member on the overlay ring and the key of its digest bucket. */
  hashAt(slot: number): number {
    return this.hashes[slot] ?? 0
  }

  release(slot: number): void {
    if (!this.reuseSlots) return
    const id = this.ids[slot]
    if (id === undefined || this.slots.get(id) !== slot) return
    this.slots.delete(id)
    this.ids[slot] = ''
    this.free.push(slot)
  }
}
