// The virtual clock and its event queue: a binary min-heap ordered by (time, insertion order), so
// a run is a pure function of its seed. Events live in typed arrays (no object per event); a
// popped event is read from the queue's "current" fields.

import type { Clock } from '../src/util/clock.js'

/** Event kinds. */
export const WAKE = 0
export const PACKET = 1
export const ACTION = 2

export class EventQueue implements Clock {
  /** Virtual ms; only pop() moves it. */
  time: number
  // The popped event.
  kind = 0
  node = 0
  aux = 0
  payload: unknown = undefined

  private heap = new Int32Array(1024)
  private size = 0
  private seq = 0
  private t = new Float64Array(1024)
  private s = new Float64Array(1024)
  private k = new Uint8Array(1024)
  private n = new Int32Array(1024)
  private a = new Int32Array(1024)
  private p: unknown[] = []
  private free: number[] = []
  private slots = 0
  // Per-node wake-ups: the one armed heap event (its time and generation) and the wanted time.
  private armed = new Float64Array(0)
  private want = new Float64Array(0)
  private gen = new Int32Array(0)

  constructor(start = 0) {
    this.time = start
  }

  now(): number {
    return this.time
  }

  get length(): number {
    return this.size
  }

  push(time: number, kind: number, node: number, aux = 0, payload?: unknown): void {
    if (!(time >= this.time)) throw new RangeError(`event at ${time} before now ${this.time}`)
    const slot = this.free.pop() ?? this.newSlot()
    this.t[slot] = time
    this.s[slot] = this.seq++
    this.k[slot] = kind
    this.n[slot] = node
    this.a[slot] = aux
    this.p[slot] = payload
    let i = this.size++
    if (i >= this.heap.length) this.heap = grow(this.heap, Int32Array)
    const heap = this.heap
    while (i > 0) {
      const up = (i - 1) >> 1
      const u = heap[up]!
      if (!this.before(slot, u)) break
      heap[i] = u
      i = up
    }
    heap[i] = slot
  }

  /** Pops the earliest event into the current fields and moves the clock; false when empty. */
  pop(): boolean {
    if (this.size === 0) return false
    const heap = this.heap
    const top = heap[0]!
    const last = heap[--this.size]!
    const n = this.size
    let i = 0
    for (;;) {
      let c = 2 * i + 1
      if (c >= n) break
      if (c + 1 < n && this.before(heap[c + 1]!, heap[c]!)) c++
      if (!this.before(heap[c]!, last)) break
      heap[i] = heap[c]!
      i = c
    }
    heap[i] = last
    this.time = this.t[top]!
    this.kind = this.k[top]!
    this.node = this.n[top]!
    this.aux = this.a[top]!
    this.payload = this.p[top]
    this.p[top] = undefined
    this.free.push(top)
    return true
  }

  /** Time of the earliest event, Infinity when empty. */
  peekTime(): number {
    return this.size === 0 ? Number.POSITIVE_INFINITY : this.t[this.heap[0]!]!
  }

  // ---- per-node wake-ups ----

  /** Room for wake-ups of nodes 0..n-1. */
  nodes(n: number): void {
    if (n <= this.armed.length) return
    const armed = new Float64Array(n).fill(Number.POSITIVE_INFINITY)
    const want = new Float64Array(n).fill(Number.POSITIVE_INFINITY)
    const gen = new Int32Array(n)
    armed.set(this.armed)
    want.set(this.want)
    gen.set(this.gen)
    this.armed = armed
    this.want = want
    this.gen = gen
  }

  /**
   * The node's next wake-up is `at` (Infinity: none). A new heap event only if it moved earlier
   * than the armed one; a later time is picked up when the armed one fires.
   */
  wake(node: number, at: number): void {
    this.want[node] = at
    if (at < this.armed[node]!) {
      const t = Math.max(at, this.time)
      this.armed[node] = t
      this.push(t, WAKE, node, ++this.gen[node]!)
    }
  }

  /** Forget the node's wake-up (a crashed node). */
  cancel(node: number): void {
    this.gen[node]!++
    this.armed[node] = Number.POSITIVE_INFINITY
    this.want[node] = Number.POSITIVE_INFINITY
  }

  /**
   * For a popped WAKE event: true if the node is due now. Stale events and early ones (the node
   * moved its time later) return false; an early one re-arms at the wanted time.
   */
  due(): boolean {
    const node = this.node
    if (this.aux !== this.gen[node]) return false
    this.armed[node] = Number.POSITIVE_INFINITY
    const want = this.want[node]!
    if (want > this.time) {
      if (want !== Number.POSITIVE_INFINITY) this.wake(node, want)
      return false
    }
    return true
  }

  private before(x: number, y: number): boolean {
    const tx = this.t[x]!
    const ty = this.t[y]!
    return tx < ty || (tx === ty && this.s[x]! < this.s[y]!)
  }

  private newSlot(): number {
    const slot = this.slots++
    if (slot >= this.t.length) {
      this.t = grow(this.t, Float64Array)
      this.s = grow(this.s, Float64Array)
      this.k = grow(this.k, Uint8Array)
      this.n = grow(this.n, Int32Array)
      this.a = grow(this.a, Int32Array)
    }
    return slot
  }
}

type Typed = Int32Array | Float64Array | Uint8Array
function grow<T extends Typed>(a: T, Ctor: new (n: number) => T): T {
  const b = new Ctor(a.length * 2)
  b.set(a)
  return b
}
