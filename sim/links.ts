// Connections between nodes (burst scenario): two nodes must set one up before their first
// packet, and it costs CPU on both sides (cost.ts). Off unless a run asks for it.
//
// A dial is four handshake steps, alternating sides, each a work item in that node's queue
// and a message over the network between them: the dialer's TCP connect, nonce and noise msg1
// (0.2 x connMs), the listener's nonce check and msg2 (0.5), the dialer's msg3, yamux and identify
// (0.8), the listener's msg3, yamux and identify (0.5); each side spends connMs. The connection is
// up when the listener's last step is done; then the packets held for it leave, and each side
// queues connExtraMs of work (sync session, gossipsub stream): at once (today), or after a
// random delay in [0, deferMs] at low priority, behind packets and timers (the fix). A dial not up
// within dialTimeoutMs fails: the packets held for it are dropped and the dialer's callbacks hear
// of it; steps the listener had already queued still cost it CPU (the data is in its socket). With
// a pending cap, a listener with that many handshakes under way refuses a new one at once (cheap).
// Connections are never closed: surplus pruning and dead members' connections are left out.

import type { Packet } from '../src/membership/messages.js'
import type { Host } from './cost.js'
import { ACTION, type EventQueue } from './events.js'
import type { Network } from './network.js'
import type { Random } from './rng.js'

export interface LinkOptions {
  /** Per-connection work after it is up: 0 runs it at once; > 0 defers it by up to this, low priority. */
  deferMs: number
  /** Handshakes a listener accepts at once (0: no cap, as on loopback today). */
  pendingCap: number
  /**
   * AutoNAT: on each new connection the dialer asks the listener to dial it back, and the listener
   * sets up a throw-away connection to it (full cost on both sides). Deferred like the extra work.
   */
  dialBack: boolean
}

export interface DialCallbacks {
  up?: () => void
  fail?: (why: 'timeout' | 'refused') => void
}

interface Conn {
  key: number
  dialer: number
  listener: number
  up: boolean
  dead: boolean
  /** The listener counts it among its pending handshakes. */
  pending: boolean
  held: { from: number; to: string; packet: Packet }[]
  callbacks: DialCallbacks[]
}

const STEP = [0.2, 0.5, 0.8, 0.5] as const

export class Links {
  private readonly conns = new Map<number, Conn>()
  /** Handshakes under way per listener. */
  private readonly pending: Int32Array
  /** Connections set up per node, and dials failed per dialer. */
  readonly opened: Int32Array
  readonly failed: Int32Array
  /** Packets dropped because their connection's dial failed. */
  dropped = 0
  refused = 0
  /** Each node's connected peers, as node indexes (connections are never closed here). */
  private readonly peers = new Map<number, number[]>()
  /** AutoNAT dial-back connections set up. */
  dialBacks = 0

  constructor(
    private readonly queue: EventQueue,
    private readonly net: Network<Packet>,
    private readonly index: ReadonlyMap<string, number>,
    private readonly host: Host,
    private readonly random: Random,
    private readonly o: LinkOptions,
  ) {
    const size = net.up.length
    this.pending = new Int32Array(size)
    this.opened = new Int32Array(size)
    this.failed = new Int32Array(size)
  }

  private key(a: number, b: number): number {
    return a < b ? a * this.net.up.length + b : b * this.net.up.length + a
  }

  /** The nodes `a` holds a connection to. */
  peersOf(a: number): readonly number[] {
    return this.peers.get(a) ?? []
  }

  connected(a: number, b: number): boolean {
    return this.conns.get(this.key(a, b))?.up === true
  }

  /** Node `from` sends a packet: now if connected, else once a dial succeeds. */
  send(from: number, to: string, packet: Packet): void {
    const dest = this.index.get(to)
    if (dest === undefined) {
      this.net.send(from, to, packet)
      return
    }
    const c = this.conns.get(this.key(from, dest))
    if (c?.up) this.net.send(from, to, packet)
    else (c ?? this.open(from, dest)).held.push({ from, to, packet })
  }

  /** Node `from` dials `to` (a join): the callbacks hear whether it came up. */
  dial(from: number, to: number, cb: DialCallbacks): void {
    const c = this.conns.get(this.key(from, to))
    if (c?.up) cb.up?.()
    else (c ?? this.open(from, to)).callbacks.push(cb)
  }

  private open(dialer: number, listener: number): Conn {
    const c: Conn = {
      key: this.key(dialer, listener),
      dialer,
      listener,
      up: false,
      dead: false,
      pending: false,
      held: [],
      callbacks: [],
    }
    this.conns.set(c.key, c)
    this.queue.push(this.queue.time + this.host.costs.dialTimeoutMs, ACTION, -1, 0, () =>
      this.fail(c, 'timeout'),
    )
    this.handshake(c, false, () => this.established(c))
    return c
  }

  /**
   * The four steps of a dial (head comment). `c.dead` (the dialer gave up) stops the dialer's
   * work; `low`: the dialer's steps are low-priority work (a deferred dial-back).
   */
  private handshake(c: Conn, low: boolean, up: () => void): void {
    const connMs = this.host.costs.connMs
    const { dialer, listener } = c
    this.host.work(
      dialer,
      STEP[0] * connMs,
      () =>
        this.carry(c, listener, () => {
          // The listener reads msg1: refused over the cap, else it answers with msg2.
          if (this.o.pendingCap > 0 && this.pending[listener]! >= this.o.pendingCap) {
            this.refused++
            this.carry(c, dialer, () => this.fail(c, 'refused'))
            return
          }
          this.pending[listener]!++
          c.pending = true
          this.host.work(listener, STEP[1] * connMs, () =>
            this.carry(c, dialer, () => {
              if (c.dead) return
              this.host.work(
                dialer,
                STEP[2] * connMs,
                () => this.carry(c, listener, () => this.host.work(listener, STEP[3] * connMs, up)),
                low,
              )
            }),
          )
        }),
      low,
    )
  }

  /** AutoNAT: `listener` dials `dialer` back on a throw-away connection, then hangs up. */
  private dialBack(from: number, to: number, low: boolean): void {
    const c: Conn = {
      key: -1,
      dialer: from,
      listener: to,
      up: false,
      dead: false,
      pending: false,
      held: [],
      callbacks: [],
    }
    this.handshake(c, low, () => {
      this.unpend(c)
      this.dialBacks++
    })
  }

  /** A handshake message to `to`, arriving after the network latency (if it can arrive at all). */
  private carry(c: Conn, to: number, then: () => void): void {
    const net = this.net
    const other = to === c.dialer ? c.listener : c.dialer
    if (net.group[other] !== net.group[to]) return
    const at = this.queue.time + net.latencyMinMs + this.random() * (net.latencyMaxMs - net.latencyMinMs)
    this.queue.push(at, ACTION, -1, 0, () => {
      if (net.up[to] === 1) then()
    })
  }

  private unpend(c: Conn): void {
    if (!c.pending) return
    c.pending = false
    this.pending[c.listener]!--
  }

  private established(c: Conn): void {
    this.unpend(c)
    if (c.dead) return
    c.up = true
    for (const [x, y] of [
      [c.dialer, c.listener],
      [c.listener, c.dialer],
    ] as const) {
      const list = this.peers.get(x) ?? []
      list.push(y)
      this.peers.set(x, list)
    }
    this.opened[c.dialer]!++
    this.opened[c.listener]!++
    for (const h of c.held) this.net.send(h.from, h.to, h.packet)
    c.held = []
    const extra = this.host.costs.connExtraMs
    const defer = this.o.deferMs > 0
    const later = (then: () => void): void => {
      if (!defer) then()
      else this.queue.push(this.queue.time + this.random() * this.o.deferMs, ACTION, -1, 0, then)
    }
    // Today the listener's share runs at once, before the next socket is read (it is the
    // continuation of the handshake's last step); the dialer's when its side sees the connection.
    if (defer) for (const n of [c.dialer, c.listener]) later(() => this.host.work(n, extra, undefined, true))
    else {
      this.host.atOnce(c.listener, extra)
      this.host.work(c.dialer, extra)
    }
    if (this.o.dialBack) later(() => this.dialBack(c.listener, c.dialer, defer))
    for (const cb of c.callbacks) cb.up?.()
    c.callbacks = []
  }

  private fail(c: Conn, why: 'timeout' | 'refused'): void {
    if (c.up || c.dead) return
    c.dead = true
    // The dialer closes the socket: the listener frees the slot (work already queued still runs).
    this.unpend(c)
    this.conns.delete(c.key)
    this.failed[c.dialer]!++
    this.dropped += c.held.length
    c.held = []
    for (const cb of c.callbacks) cb.fail?.(why)
    c.callbacks = []
  }
}
