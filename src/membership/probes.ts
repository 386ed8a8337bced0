// The probing half of failure detection: one probe per period (ping, then ping-req through k
// helpers, Lifeguard nacks) and the ping-reqs we run for others. A failed probe goes back to the
// core through `suspect`: suspicions and verdicts stay there, beside the updates that change them.

import type { Coordinate } from './coords.js'
import type { LocalHealth } from './health.js'
import { INF, type SwimHost, shuffled } from './host.js'
import type { PingReqPacket, Update } from './messages.js'
import { ALIVE, type MemberTable, SUSPECT } from './table.js'

export interface ProbeHost extends SwimHost {
  readonly selfId: string
  readonly table: Pick<MemberTable, 'statusAt'>
  readonly health: Pick<LocalHealth, 'scale' | 'apply'>
  piggyback(to: string): Update[]
  /** Our own probe of `slot` failed. */
  suspect(slot: number, now: number): void
  onProbeRtt?: (ms: number) => void
  /** Our direct probe of `slot` was answered in time, with the member's coordinate. */
  measured(slot: number, rttMs: number, coord: Coordinate): void
}

interface Probe {
  seq: number
  sentAt: number
  slot: number
  id: string
  directAt: number
  finalAt: number
  expectedNacks: number
  nacks: number
  indirectSent: boolean
}

/** A ping-req we run for another member. */
interface Help {
  requester: string
  seq: number
  target: string
  nackAt: number
  expireAt: number
}

const MAX_HELPS = 64

export class Probes {
  private probe?: Probe
  private order: number[] = []
  private index = 0
  private nextProbeAt: number
  private readonly helps = new Map<number, Help>()

  constructor(
    private readonly host: ProbeHost,
    now: number,
  ) {
    // A random phase, so members that start together do not probe in lockstep.
    this.nextProbeAt = now + host.random() * host.options.probeIntervalMs
  }

  nextWakeAt(): number {
    let t = this.host.left() ? INF : this.nextProbeAt
    const p = this.probe
    if (p) t = Math.min(t, p.indirectSent ? p.finalAt : p.directAt)
    for (const h of this.helps.values()) t = Math.min(t, h.nackAt > 0 ? h.nackAt : h.expireAt)
    return t
  }

  /** Our probe's timers, then the next probe if one is due. */
  tick(now: number): void {
    this.probeTimers(now)
    if (!this.host.left() && now >= this.nextProbeAt) this.start(now)
  }

  /** Nacks and expiry of the ping-reqs we run for others. */
  tickHelps(now: number): void {
    for (const [seq, h] of this.helps) {
      if (h.nackAt > 0 && now >= h.nackAt) {
        h.nackAt = 0
        this.host.send(h.requester, { type: 'nack', seq: h.seq })
      }
      if (now >= h.expireAt) this.helps.delete(seq)
    }
  }

  onNack(seq: number): void {
    if (this.probe?.seq === seq) this.probe.nacks++
  }

  onAck(from: string, seq: number, coord?: Coordinate): void {
    const host = this.host
    const help = this.helps.get(seq)
    if (help && help.target === from) {
      this.helps.delete(seq)
      host.send(help.requester, { type: 'ack', seq: help.seq, updates: host.piggyback(help.requester) })
      return
    }
    const p = this.probe
    if (p?.seq === seq) {
      const rtt = host.now() - p.sentAt
      host.onProbeRtt?.(rtt)
      // Only the target's own answer within the direct timeout is a round trip to it (memberlist's rule).
      if (coord !== undefined && from === p.id && !p.indirectSent) host.measured(p.slot, rtt, coord)
      this.probe = undefined
      host.health.apply(-1)
      return
    }
    host.dropped('unexpected-ack', from)
  }

  onPingReq(from: string, p: PingReqPacket, now: number): boolean {
    const host = this.host
    if (p.target === host.selfId) {
      host.send(from, { type: 'ack', seq: p.seq, updates: host.piggyback(from) })
      return true
    }
    if (this.helps.size >= MAX_HELPS) return host.dropped('busy', from)
    const seq = host.nextSeq()
    const timeout = host.options.probeTimeoutMs
    this.helps.set(seq, {
      requester: from,
      seq: p.seq,
      target: p.target,
      nackAt: now + timeout * 0.8,
      expireAt: now + timeout * 2,
    })
    host.send(p.target, { type: 'ping', seq, updates: host.piggyback(p.target) })
    return true
  }

  private start(now: number): void {
    const { host } = this
    const o = host.options
    this.nextProbeAt = now + host.health.scale(o.probeIntervalMs)
    const slot = this.nextTarget()
    if (slot === undefined) return
    const id = host.idAt(slot)
    const seq = host.nextSeq()
    this.probe = {
      seq,
      sentAt: now,
      slot,
      id,
      directAt: now + host.health.scale(o.probeTimeoutMs),
      finalAt: now + host.health.scale(o.probeIntervalMs),
      expectedNacks: 0,
      nacks: 0,
      indirectSent: false,
    }
    host.send(id, { type: 'ping', seq, updates: host.piggyback(id) })
  }

  /** Round-robin over the active view in a shuffled order, as SWIM does over all members. */
  private nextTarget(): number | undefined {
    const view = this.host.viewSlots()
    if (view.length === 0) return undefined
    if (this.index >= this.order.length || this.order.length !== view.length) {
      this.order = shuffled(view, this.host.random)
      this.index = 0
    }
    for (let i = 0; i < this.order.length; i++) {
      const slot = this.order[this.index++ % this.order.length]!
      const code = this.host.table.statusAt(slot)
      if (code === ALIVE || code === SUSPECT) return slot
    }
    return undefined
  }

  private probeTimers(now: number): void {
    const { host, probe: p } = this
    if (!p) return
    if (!p.indirectSent && now >= p.directAt) {
      p.indirectSent = true
      const helpers = shuffled(
        host.viewSlots().filter((s) => s !== p.slot && host.table.statusAt(s) === ALIVE),
        host.random,
      )
      for (const h of helpers.slice(0, host.options.indirectChecks)) {
        const to = host.idAt(h)
        host.send(to, { type: 'ping-req', seq: p.seq, target: p.id, updates: host.piggyback(to) })
        p.expectedNacks++
      }
    }
    if (now >= p.finalAt) {
      this.probe = undefined
      // Lifeguard: missing nacks mean we are the slow one; with no helpers, any failure counts.
      host.health.apply(p.expectedNacks > 0 ? p.expectedNacks - p.nacks : 1)
      host.suspect(p.slot, now)
    }
  }
}
