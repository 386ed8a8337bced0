// What a run measures from the nodes' events: how long until the live nodes have all heard of a
// join, a leave or a death, and which 'dead' declarations named a member that was running.

import type { MemberEvent, MemberEventType } from '../src/membership/types.js'
import { RUNNING } from './states.js'

/** The parts of a cluster the observer reads. */
export interface ClusterView {
  readonly state: Uint8Array
  readonly index: ReadonlyMap<string, number>
  readonly live: number
  readonly now: number
}

/** Time (ms after the action) until half, 99.99% and all of the live nodes emitted the event. */
export interface Spread {
  t50: number | null
  t9999: number | null
  t100: number | null
}

export class Watch {
  readonly seen: Uint8Array
  /** RUNNING nodes that have emitted the event. */
  count = 0
  readonly spread: Spread = { t50: null, t9999: null, t100: null }

  constructor(
    readonly type: MemberEventType,
    readonly subject: number,
    readonly start: number,
    size: number,
  ) {
    this.seen = new Uint8Array(size)
  }

  get done(): boolean {
    return this.spread.t100 !== null
  }

  check(c: ClusterView): void {
    const target = c.live - (c.state[this.subject] === RUNNING ? 1 : 0)
    const s = this.spread
    const dt = c.now - this.start
    if (s.t50 === null && this.count * 2 >= target) s.t50 = dt
    if (s.t9999 === null && this.count >= target - Math.floor(target / 10_000)) s.t9999 = dt
    if (s.t100 === null && this.count >= target) s.t100 = dt
  }
}

export class Observer {
  readonly watches: Watch[] = []
  /** 'dead' events about a member that was RUNNING at the time. */
  falseDeaths = 0
  /** Member -> false 'dead' events about it. */
  readonly falselyDead = new Map<number, number>()
  /** 'suspect' events about a RUNNING member, and refutations. */
  suspicions = 0
  refutes = 0
  readonly events: Record<string, number> = {}
  readonly drops = new Map<string, number>()

  constructor(private readonly c: ClusterView) {}

  watch(type: MemberEventType, subject: number): Watch {
    const w = new Watch(type, subject, this.c.now, this.c.state.length)
    this.watches.push(w)
    return w
  }

  /** Node `node` emitted `e`. */
  event(node: number, e: MemberEvent): void {
    const type = e.type
    this.events[type] = (this.events[type] ?? 0) + 1
    if (type === 'refute') {
      this.refutes++
      return
    }
    if (type === 'dead' || type === 'suspect') {
      const about = this.c.index.get(e.member.id)
      if (about !== undefined && this.c.state[about] === RUNNING) {
        if (type === 'suspect') this.suspicions++
        else {
          this.falseDeaths++
          this.falselyDead.set(about, (this.falselyDead.get(about) ?? 0) + 1)
        }
      }
    }
    const ws = this.watches
    for (let k = 0; k < ws.length; k++) {
      const w = ws[k]!
      if (w.type !== type || w.seen[node] === 1 || w.done) continue
      if (this.c.index.get(e.member.id) !== w.subject) continue
      w.seen[node] = 1
      if (this.c.state[node] === RUNNING) w.count++
      w.check(this.c)
    }
  }

  drop(reason: string): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1)
  }

  /** Node `node` stopped counting as live. */
  lost(node: number): void {
    for (const w of this.watches) {
      if (w.seen[node] === 1) w.count--
      if (!w.done) w.check(this.c)
    }
  }
}

/** Per-node traffic over a window: mean and max of packets and bytes sent per second. */
export interface Traffic {
  msgs: number
  bytes: number
  maxMsgs: number
  maxBytes: number
}

export class TrafficWindow {
  private readonly msgs: Float64Array
  private readonly bytes: Float64Array
  private readonly wasRunning: Uint8Array
  private readonly start: number

  constructor(
    private readonly c: ClusterView,
    private readonly counters: { msgs: Float64Array; bytes: Float64Array },
  ) {
    this.msgs = counters.msgs.slice()
    this.bytes = counters.bytes.slice()
    this.wasRunning = c.state.map((s) => (s === RUNNING ? 1 : 0))
    this.start = c.now
  }

  /** Over the nodes RUNNING at both ends of the window. */
  end(): Traffic {
    const secs = (this.c.now - this.start) / 1000
    let n = 0
    let msgs = 0
    let bytes = 0
    let maxMsgs = 0
    let maxBytes = 0
    for (let i = 0; i < this.wasRunning.length; i++) {
      if (this.wasRunning[i] !== 1 || this.c.state[i] !== RUNNING) continue
      const m = this.counters.msgs[i]! - this.msgs[i]!
      const b = this.counters.bytes[i]! - this.bytes[i]!
      n++
      msgs += m
      bytes += b
      if (m > maxMsgs) maxMsgs = m
      if (b > maxBytes) maxBytes = b
    }
    const per = n === 0 || secs <= 0 ? 0 : 1 / (n * secs)
    const perNode = secs <= 0 ? 0 : 1 / secs
    return { msgs: msgs * per, bytes: bytes * per, maxMsgs: maxMsgs * perNode, maxBytes: maxBytes * perNode }
  }
}
