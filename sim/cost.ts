// What work costs a node: CPU time per packet, timer, accepted update, member learnt and
// connection, spent on a CPU that does one thing at a time. Off unless a run asks for it (the
// burst scenario): the other scenarios handle everything at once, as before.
//
// Model. Each node is one single-threaded process (a Node.js event loop). Its work waits in a FIFO
// queue: packets that arrived and handshake messages, each costing CPU time. A timer that is due
// runs before the queued I/O (Node runs the timers phase before the poll phase), so an ack that
// waits behind a long queue is read after its probe timed out, as on an overloaded agent. An item
// takes effect when its CPU time is over (the node's clock reads that time, and what it sends
// leaves then). Low-priority work (deferred per-connection work, the fix) runs only when nothing
// else waits. `cores` > 0 puts all nodes on one host with that many cores (the bench machine: 30
// agents on 2 cores): a node with work waits for a free core in FIFO order and runs for at most
// `sliceMs` before it goes to the back of the line (round robin, close to Linux's fair share:
// a node with a 17 ms handshake step gets no more of the CPU than one reading 0.2 ms packets).
// `cores` = 0: a core per node (a fleet of machines), no slicing.

import type { Packet } from '../src/membership/messages.js'
import type { MemberEventType } from '../src/membership/types.js'
import { ACTION, type EventQueue } from './events.js'

export interface CostOptions {
  /** CPU per Swim packet handled, ms ("well under 1 ms"). */
  packetMs: number
  /** CPU per update a packet carries (decode and compare), ms. */
  updateMs: number
  /** CPU per update accepted (an Ed25519 verify: 0.105 ms with node:crypto on this machine), ms. */
  verifyMs: number
  /** CPU per timer run, ms. */
  timerMs: number
  /** CPU per member a node learns (event handlers, peer store, dialer bookkeeping), ms. */
  memberMs: number
  /**
   * CPU per new connection on each side before its first frame, ms: TCP, the private-mesh nonce
   * exchange, noise XX (three X25519 DHs and an Ed25519 signature each side), yamux, identify.
   * Spent in four handshake steps, alternating sides.
   */
  connMs: number
  /** CPU per new connection on each side once it is up (sync session, gossipsub stream), ms. */
  connExtraMs: number
  /** A dial not up within this fails, ms. */
  dialTimeoutMs: number
  /** Cores shared by all nodes; 0: a core per node. */
  cores: number
  /** With shared cores: longest run before a node yields its core to the next in line, ms. */
  sliceMs: number
}

/**
 * Measured on main (2 cores, 30 agents): 40-50 ms of CPU per new connection on a cold agent, split
 * here into 35 before the first frame and 10 after; a joiner spends 450-700 ms in the first 3 s of
 * a 10-agent burst. memberMs and updateMs are estimates (not measured alone).
 */
export const DEFAULT_COSTS: Readonly<CostOptions> = Object.freeze({
  packetMs: 0.2,
  updateMs: 0.01,
  verifyMs: 0.1,
  timerMs: 0.05,
  memberMs: 2,
  connMs: 35,
  connExtraMs: 10,
  dialTimeoutMs: 5000,
  cores: 0,
  sliceMs: 3,
})

/** The parts of a cluster the host drives. */
export interface HostTarget {
  readonly queue: EventQueue
  readonly up: Uint8Array
  receive(i: number, from: number, packet: Packet): void
  tick(i: number): void
}

interface Item {
  cost: number
  /** CPU still to spend (shared cores: an item runs in slices). */
  left: number
  /** When it was queued (for the queue delay). */
  at: number
  run: () => void
}

class Fifo<T> {
  private items: T[] = []
  private head = 0
  get length(): number {
    return this.items.length - this.head
  }
  push(x: T): void {
    this.items.push(x)
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined
    const x = this.items[this.head]
    this.items[this.head++] = undefined as T
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return x
  }
}

const noop = (): void => {}

export class Host {
  readonly costs: CostOptions
  /** CPU time spent per node, ms. */
  readonly cpuMs: Float64Array
  /** Longest time an item waited in the node's queue (timers: after they were due; not low-priority work), ms. */
  readonly peakWaitMs: Float64Array
  /** 1 while a due timer waits to run. */
  readonly timerDue: Uint8Array
  private readonly timerAt: Float64Array
  private readonly io: Fifo<Item>[] = []
  private readonly low: Fifo<Item>[] = []
  private readonly busy: Uint8Array
  /** Shared cores: the item a node has started and not finished. */
  private readonly running: (Item | undefined)[]
  private readonly waiting: Uint8Array
  private readonly runq = new Fifo<number>()
  private freeCores: number
  /** The node whose item is taking effect, and the CPU its effect added (accepted updates). */
  private current = -1
  private debt = 0

  constructor(
    private readonly t: HostTarget,
    size: number,
    costs: Partial<CostOptions> = {},
  ) {
    this.costs = { ...DEFAULT_COSTS, ...costs }
    this.cpuMs = new Float64Array(size)
    this.peakWaitMs = new Float64Array(size)
    this.timerDue = new Uint8Array(size)
    this.timerAt = new Float64Array(size)
    this.busy = new Uint8Array(size)
    this.running = new Array(size).fill(undefined)
    this.waiting = new Uint8Array(size)
    for (let i = 0; i < size; i++) {
      this.io.push(new Fifo())
      this.low.push(new Fifo())
    }
    this.freeCores = this.costs.cores
  }

  private get now(): number {
    return this.t.queue.time
  }

  /** A packet arrived at node `i`. */
  packet(i: number, from: number, p: Packet): void {
    const c = this.costs
    const updates = 'updates' in p ? p.updates.length : 'entries' in p ? p.entries.length : 0
    this.work(i, c.packetMs + updates * c.updateMs, () => this.t.receive(i, from, p))
  }

  /** Node `i`'s timer is due: it runs before queued I/O. */
  timer(i: number): void {
    if (this.timerDue[i] === 1) return
    this.timerDue[i] = 1
    this.timerAt[i] = this.now
    this.poke(i)
  }

  /** Queues `cost` ms of work at node `i`; `run` takes effect when it is done. */
  work(i: number, cost: number, run: () => void = noop, low = false): void {
    ;(low ? this.low : this.io)[i]!.push({ cost, left: cost, at: this.now, run })
    this.poke(i)
  }

  /**
   * `cost` ms of work node `i` does at once, before any queued I/O: the continuation of the item
   * taking effect (promise callbacks run before the event loop reads the next socket).
   */
  atOnce(i: number, cost: number): void {
    if (this.current === i) this.debt += cost
    else this.work(i, cost)
  }

  /** Node `i` emitted a membership event: an accepted update, maybe a new member. */
  emitted(i: number, type: MemberEventType): void {
    if (type === 'reap' || type === 'refute') return
    this.atOnce(i, this.costs.verifyMs + (type === 'join' ? this.costs.memberMs : 0))
  }

  /** Work queued at node `i` (not counting the item it runs). */
  queued(i: number): number {
    return this.io[i]!.length + this.low[i]!.length + this.timerDue[i]!
  }

  private hasWork(i: number): boolean {
    return (
      this.running[i] !== undefined ||
      this.timerDue[i] === 1 ||
      this.io[i]!.length > 0 ||
      this.low[i]!.length > 0
    )
  }

  private poke(i: number): void {
    if (this.busy[i] === 1 || this.waiting[i] === 1 || !this.hasWork(i)) return
    if (this.costs.cores <= 0) {
      this.start(i)
      return
    }
    this.waiting[i] = 1
    this.runq.push(i)
    this.dispatch()
  }

  private dispatch(): void {
    while (this.freeCores > 0 && this.runq.length > 0) {
      const i = this.runq.shift()!
      this.waiting[i] = 0
      this.freeCores--
      this.start(i)
    }
  }

  private start(i: number): void {
    const now = this.now
    let item = this.running[i]
    if (item === undefined) {
      if (this.timerDue[i] === 1) {
        this.timerDue[i] = 0
        const cost = this.costs.timerMs
        item = { cost, left: cost, at: this.timerAt[i]!, run: () => this.t.tick(i) }
        if (now - item.at > this.peakWaitMs[i]!) this.peakWaitMs[i] = now - item.at
      } else {
        item = this.io[i]!.shift()
        if (item !== undefined) {
          if (now - item.at > this.peakWaitMs[i]!) this.peakWaitMs[i] = now - item.at
        } else item = this.low[i]!.shift()!
      }
    }
    this.busy[i] = 1
    const shared = this.costs.cores > 0
    const run = shared ? Math.min(item.left, this.costs.sliceMs) : item.left
    item.left -= run
    this.cpuMs[i]! += run
    const it = item
    if (shared && item.left > 1e-9) {
      this.running[i] = item
      this.t.queue.push(now + run, ACTION, -1, 0, () => this.release(i))
    } else {
      this.running[i] = undefined
      this.t.queue.push(now + run, ACTION, -1, 0, () => this.done(i, it))
    }
  }

  private done(i: number, item: Item): void {
    if (this.t.up[i] === 1) {
      this.current = i
      this.debt = 0
      item.run()
      this.current = -1
    }
    const debt = this.debt
    this.debt = 0
    if (debt > 0) {
      this.cpuMs[i]! += debt
      this.t.queue.push(this.now + debt, ACTION, -1, 0, () => this.release(i))
    } else this.release(i)
  }

  private release(i: number): void {
    this.busy[i] = 0
    if (this.costs.cores > 0) this.freeCores++
    this.poke(i)
    this.dispatch()
  }
}
