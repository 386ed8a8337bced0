// N membership nodes in one process on one virtual clock, sharing one IdRegistry. Nodes start
// seeded converged (each knows every other alive); spares are started later by join(). The run
// loop pops events and calls into nodes; after every call it re-reads the node's next wake-up.

import type { Packet } from '../src/membership/messages.js'
import { IdRegistry } from '../src/membership/registry.js'
import type { SwimOptions } from '../src/membership/swim-options.js'
import type { MemberEvent } from '../src/membership/types.js'
import { type CostOptions, Host } from './cost.js'
import { ACTION, EventQueue, PACKET, WAKE } from './events.js'
import { memberIds } from './ids.js'
import { type LinkOptions, Links } from './links.js'
import { Observer } from './measure.js'
import { Network, type NetworkOptions } from './network.js'
import type { NodeFactory, SimNode } from './node.js'
import { pick, type Random, rng } from './rng.js'
import { CRASHED, LEAVING, RUNNING, SPARE, STOPPED } from './states.js'

/** Virtual time starts at a plausible epoch, so incarnations look like real ones. */
export const EPOCH_MS = 1_700_000_000_000

export interface ClusterOptions {
  nodes: number
  /** Extra nodes that can join later. */
  spares: number
  seed: number
  factory: NodeFactory
  sizeOf: (packet: Packet) => number
  network?: Partial<NetworkOptions<Packet>>
  swim?: Partial<SwimOptions>
  /** A leaving node keeps running this long after leave(), then stops. */
  leaveLingerMs?: number
  /** Seed by copying node 0's table when the node can (default true). */
  bulkSeed?: boolean
  /** Precomputed ids (at least nodes + spares), else generated from the seed. */
  ids?: string[]
  /** Work costs CPU time (cost.ts); off by default: everything is handled at once. */
  costs?: Partial<CostOptions>
  /** With costs: packets need a connection, set up at a cost (links.ts). */
  links?: LinkOptions
  /** With links: members that cost a dial wait before they join the view (view-admission.ts). */
  admission?: boolean
}

export class Cluster {
  readonly queue = new EventQueue(EPOCH_MS)
  readonly registry = new IdRegistry(false)
  readonly ids: string[]
  readonly index = new Map<string, number>()
  readonly nodes: (SimNode | undefined)[]
  readonly state: Uint8Array
  readonly net: Network<Packet>
  readonly observer: Observer
  readonly random: Random
  readonly size: number
  /** With costs: per-node CPU and work queues. */
  readonly host?: Host
  /** With links: the connections between nodes. */
  readonly links?: Links
  private readonly leaveLingerMs: number
  /** Nodes in state RUNNING. */
  live = 0
  /** Calls into nodes, for the rate of the loop. */
  calls = 0

  constructor(private readonly o: ClusterOptions) {
    this.size = o.nodes + o.spares
    this.ids = o.ids?.slice(0, this.size) ?? memberIds(this.size, o.seed)
    if (this.ids.length < this.size) throw new RangeError('not enough ids')
    for (let i = 0; i < this.ids.length; i++) this.index.set(this.ids[i]!, i)
    this.nodes = new Array(this.size).fill(undefined)
    this.state = new Uint8Array(this.size)
    this.random = rng(o.seed, 2)
    this.leaveLingerMs = o.leaveLingerMs ?? 2000
    this.net = new Network<Packet>(this.queue, this.index, this.size, rng(o.seed, 1), o.sizeOf, o.network)
    this.observer = new Observer(this)
    if (o.costs) {
      this.host = new Host(this, this.size, o.costs)
      if (o.links)
        this.links = new Links(this.queue, this.net, this.index, this.host, rng(o.seed, 3), o.links)
    }
    for (let i = 0; i < o.nodes; i++) this.start(i)
    const claims = []
    for (let i = 0; i < o.nodes; i++) claims.push(this.node(i).selfClaim())
    // seed() skips the node's own claim, so one array serves all; a node that can copies the
    // first one's table instead (the same table, 10,000 x faster).
    const first = o.nodes > 0 ? this.node(0) : undefined
    for (let i = 0; i < o.nodes; i++) {
      const n = this.node(i)
      if (i > 0 && n.seedFrom && first && o.bulkSeed !== false) n.seedFrom(first)
      else n.seed(claims)
      this.rewake(i)
    }
  }

  node(i: number): SimNode {
    const n = this.nodes[i]
    if (n === undefined) throw new Error(`node ${i} not started`)
    return n
  }

  /** Every running node holds the running members alive and none suspect. */
  agreed(): boolean {
    for (let i = 0; i < this.size; i++) {
      if (this.state[i] !== RUNNING) continue
      const k = this.node(i).counts()
      if (k.alive !== this.live || k.suspect !== 0) return false
    }
    return true
  }

  get now(): number {
    return this.queue.time
  }

  /** Nodes that run (the host's view of net.up). */
  get up(): Uint8Array {
    return this.net.up
  }

  /** Node i handles a packet from node `from` (the host calls this when its CPU gets to it). */
  receive(i: number, from: number, packet: Packet): void {
    this.nodes[i]!.receive(this.ids[from]!, packet)
    this.calls++
    this.rewake(i)
  }

  /** Node i runs its due timers (the host calls this when its CPU gets to it). */
  tick(i: number): void {
    this.nodes[i]!.tick()
    this.calls++
    this.rewake(i)
  }

  /** Nodes whose state is RUNNING (not leaving). */
  running(): number[] {
    const out: number[] = []
    for (let i = 0; i < this.size; i++) if (this.state[i] === RUNNING) out.push(i)
    return out
  }

  /** A random RUNNING node other than those in `except`. */
  randomRunning(except: readonly number[] = []): number {
    const live = this.running().filter((i) => !except.includes(i))
    if (live.length === 0) throw new Error('no running node')
    return live[pick(this.random, live.length)]!
  }

  /** A spare never started; -1 if none is left. */
  spare(): number {
    for (let i = this.o.nodes; i < this.size; i++) if (this.state[i] === SPARE) return i
    return -1
  }

  // ---- actions ----

  /** Starts spare `i` alone: it knows no one until it joins. */
  boot(i: number): void {
    this.start(i)
    this.rewake(i)
  }

  /** Starts spare `i` and has it join through `via`. */
  join(i: number, via: number): void {
    this.start(i)
    this.node(i).join(this.ids[via]!)
    this.rewake(i)
  }

  leave(i: number): void {
    this.setState(i, LEAVING)
    this.node(i).leave()
    this.rewake(i)
    this.at(this.now + this.leaveLingerMs, () => this.stop(i, STOPPED))
  }

  crash(i: number): void {
    this.stop(i, CRASHED)
  }

  /** Runs `action` at virtual time `t` (absolute ms). */
  at(t: number, action: () => void): void {
    this.queue.push(t, ACTION, -1, 0, action)
  }

  /** Runs events up to and including time `t`, then sets the clock to `t`. */
  runUntil(t: number): void {
    const q = this.queue
    const nodes = this.nodes
    const ids = this.ids
    const net = this.net
    const host = this.host
    while (q.peekTime() <= t) {
      q.pop()
      const i = q.node
      if (q.kind === PACKET) {
        if (!net.deliverable(i)) continue
        if (host) {
          host.packet(i, q.aux, q.payload as Packet)
          continue
        }
        nodes[i]!.receive(ids[q.aux]!, q.payload as Packet)
        this.calls++
        this.rewake(i)
      } else if (q.kind === WAKE) {
        if (!q.due() || net.up[i] !== 1) continue
        if (host) {
          host.timer(i)
          continue
        }
        nodes[i]!.tick()
        this.calls++
        this.rewake(i)
      } else if (q.kind === ACTION) {
        ;(q.payload as () => void)()
      }
    }
    if (t > q.time) q.time = t
  }

  runFor(ms: number): void {
    this.runUntil(this.now + ms)
  }

  /** Re-reads node i's next timer; a slow node handles it late by its delay. */
  rewake(i: number): void {
    // A due timer waits for the node's CPU; it is re-read once it has run.
    if (this.host?.timerDue[i] === 1) return
    let at = this.nodes[i]!.nextWakeAt()
    if (at !== Number.POSITIVE_INFINITY) {
      if (Number.isNaN(at)) throw new Error(`node ${i}: nextWakeAt() is NaN`)
      at += this.net.delay[i]!
    }
    this.queue.wake(i, at)
  }

  private start(i: number): void {
    const id = this.ids[i]!
    const random = rng(this.o.seed, 1000 + i)
    const observer = this.observer
    const net = this.net
    const host = this.host
    const links = this.links
    this.nodes[i] = this.o.factory({
      self: {
        id,
        name: `n${i}`,
        incarnation: this.now,
        addrs: [`/ip4/10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/udp/7946`],
      },
      send: links ? (to, packet) => links.send(i, to, packet) : (to, packet) => net.send(i, to, packet),
      emit: host
        ? (event: MemberEvent) => {
            host.emitted(i, event.type)
            observer.event(i, event)
          }
        : (event: MemberEvent) => observer.event(i, event),
      drop: (reason) => observer.drop(reason),
      clock: this.queue,
      random,
      registry: this.registry,
      options: this.o.swim,
      ...(links && this.o.admission
        ? {
            links: {
              connected: (to: string) => {
                const j = this.index.get(to)
                return j !== undefined && links.connected(i, j)
              },
              connectedPeers: () => links.peersOf(i).map((j) => this.ids[j]!),
            },
          }
        : {}),
    })
    net.up[i] = 1
    this.setState(i, RUNNING)
  }

  private stop(i: number, state: number): void {
    if (this.state[i] === STOPPED || this.state[i] === CRASHED) return
    this.net.up[i] = 0
    this.queue.cancel(i)
    this.setState(i, state)
  }

  private setState(i: number, s: number): void {
    const was = this.state[i]
    this.state[i] = s
    if (was === RUNNING && s !== RUNNING) {
      this.live--
      this.observer.lost(i)
    } else if (was !== RUNNING && s === RUNNING) this.live++
  }
}
