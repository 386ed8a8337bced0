// The simulated network: per-packet latency and independent loss, partitions, down nodes and
// slow nodes. Packets are objects handed over as they are (nothing is encoded); bytes are counted
// with the codec's exact size function.
//
// Slow node model: a node slowed by factor k handles every incoming packet and every timer
// (k - 1) * R ms late, R being the normal response time (the mean round trip of the latency
// model, or an explicit figure). Its handling stays in FIFO order and its clock reads the
// handling time, so it answers a ping k times slower than a normal node and its own timers run
// late by the same amount: a member that lags, as under CPU starvation.
//
// Transports. 'datagram' (memberlist's UDP): a lost packet is gone. 'stream' (the daemon: every
// Swim frame rides one TCP connection per pair): a lost segment is sent again after the
// retransmission timeout, which doubles per loss (Linux: 200 ms minimum, far above a LAN round
// trip; tail loss probes, which often recover sooner, are left out to stay pessimistic), and a
// later packet of the same pair never overtakes it (head-of-line blocking). Jitter within the
// latency bounds may still reorder packets that were not resent; Swim does not mind.

import { type EventQueue, PACKET } from './events.js'
import type { Random } from './rng.js'

export interface NetworkOptions<P = object> {
  /** One-way latency of each packet, uniform in [min, max] ms. */
  latencyMinMs: number
  latencyMaxMs: number
  /** Probability that a packet is lost, each one independently. */
  loss: number
  /** Packets never lost (stream traffic), only blocked by partitions and down nodes. */
  reliable?: (packet: P) => boolean
  /** What loss does: drop the packet, or delay it by retransmissions (see the head comment). */
  transport: Transport
  /** First retransmission timeout of the stream transport, ms. */
  rtoMs: number
  /** One-way latency per pair (regions.ts), replacing the uniform draw; `random` for jitter. */
  path?: (from: number, to: number, random: Random) => number
}

export type Transport = 'datagram' | 'stream'

export const DEFAULT_NETWORK: Readonly<Omit<NetworkOptions, 'reliable'>> = Object.freeze({
  latencyMinMs: 1,
  latencyMaxMs: 5,
  loss: 0,
  transport: 'stream',
  rtoMs: 200,
})

export class Network<P extends object = object> {
  loss: number
  latencyMinMs: number
  latencyMaxMs: number
  private readonly reliable?: (packet: P) => boolean
  readonly transport: Transport
  private readonly rtoMs: number
  private readonly path?: (from: number, to: number, random: Random) => number
  /** Stream transport: per (from, to) pair, when its latest delayed packet arrives. */
  private readonly streamTail = new Map<number, number>()
  /** 1: the node runs (gets packets and timers); 0: not started, crashed or stopped. */
  readonly up: Uint8Array
  /** Partition group per node: packets only flow within a group. */
  readonly group: Int32Array
  /** Extra handling delay per node, ms (slow nodes). */
  readonly delay: Float64Array
  /** Sent per node: packets and bytes (lost ones included: they left the sender). */
  readonly msgs: Float64Array
  readonly bytes: Float64Array
  lost = 0
  blocked = 0
  /** Packets that arrived at a node that was not running. */
  undelivered = 0
  /** Packets to an address no node has. */
  unknown = 0

  constructor(
    private readonly queue: EventQueue,
    private readonly index: ReadonlyMap<string, number>,
    nodes: number,
    private readonly random: Random,
    private readonly sizeOf: (packet: P) => number,
    options: Partial<NetworkOptions<P>> = {},
  ) {
    const o: NetworkOptions<P> = { ...DEFAULT_NETWORK, ...options }
    this.loss = o.loss
    this.latencyMinMs = o.latencyMinMs
    this.latencyMaxMs = o.latencyMaxMs
    this.reliable = o.reliable
    this.transport = o.transport
    this.rtoMs = o.rtoMs
    this.path = o.path
    this.up = new Uint8Array(nodes)
    this.group = new Int32Array(nodes)
    this.delay = new Float64Array(nodes)
    this.msgs = new Float64Array(nodes)
    this.bytes = new Float64Array(nodes)
    queue.nodes(nodes)
  }

  /** Mean round trip of the latency model, ms. */
  get meanRoundTripMs(): number {
    return this.latencyMinMs + this.latencyMaxMs
  }

  /** Node `from` sends `packet` to the node whose id is `to`. */
  send(from: number, to: string, packet: P): void {
    this.msgs[from]!++
    this.bytes[from]! += this.sizeOf(packet)
    const dest = this.index.get(to)
    if (dest === undefined) {
      this.unknown++
      return
    }
    if (this.group[from] !== this.group[dest]) {
      this.blocked++
      return
    }
    const random = this.random
    const now = this.queue.time
    let at = this.path
      ? now + this.path(from, dest, random)
      : now + this.latencyMinMs + random() * (this.latencyMaxMs - this.latencyMinMs)
    // Later than this only after a retransmission.
    const onTime = this.path ? at : now + this.latencyMaxMs
    if (this.transport === 'stream') at = this.inOrder(from, dest, at + this.retransmitDelay(), onTime)
    else if (this.loss > 0 && !this.reliable?.(packet) && random() < this.loss) {
      this.lost++
      return
    }
    this.queue.push(at + this.delay[dest]!, PACKET, dest, from, packet)
  }

  /** Stream transport: the time lost transmissions add, RTO doubling per loss. */
  private retransmitDelay(): number {
    let wait = 0
    for (let rto = this.rtoMs; this.loss > 0 && this.random() < this.loss; rto *= 2) {
      this.lost++
      wait += rto
    }
    return wait
  }

  /** Stream transport: a packet arrives no earlier than the pair's previous one. */
  private inOrder(from: number, dest: number, at: number, onTime: number): number {
    const key = from * this.up.length + dest
    const tail = this.streamTail.get(key)
    if (tail !== undefined) {
      if (tail > at) return tail
      this.streamTail.delete(key)
    }
    // Only a delayed packet can be overtaken; remember those alone, so the map stays small.
    if (at > onTime) this.streamTail.set(key, at)
    return at
  }

  /** For a popped PACKET event: may the destination handle it? */
  deliverable(dest: number): boolean {
    if (this.up[dest] === 1) return true
    this.undelivered++
    return false
  }

  /** Splits nodes into groups that cannot reach each other; nodes not listed join group 0. */
  partition(groups: readonly (readonly number[])[]): void {
    this.group.fill(0)
    groups.forEach((g, i) => {
      for (const n of g) this.group[n] = i + 1
    })
  }

  heal(): void {
    this.group.fill(0)
  }

  /** Slows `node` by `factor` (1: normal) relative to a response time of `responseMs`. */
  slow(node: number, factor: number, responseMs = this.meanRoundTripMs): void {
    this.delay[node] = Math.max(0, factor - 1) * responseMs
  }

  /** Sums of the per-node counters over `nodes`. */
  totals(nodes: Iterable<number>): { msgs: number; bytes: number } {
    let msgs = 0
    let bytes = 0
    for (const n of nodes) {
      msgs += this.msgs[n]!
      bytes += this.bytes[n]!
    }
    return { msgs, bytes }
  }
}
