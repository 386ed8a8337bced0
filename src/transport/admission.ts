// Admission before the swarm key: how many inbound connections may wait, not yet authenticated, per
// source host and in all. Pure (no sockets, no libp2p; time is injected), so the limits are tested on
// a fake clock; `admission-gate.ts` applies them to libp2p's inbound connections.
//
// A connection is "pending" from accept until it proves the swarm key (the private-mesh layer has
// checked the first decrypted bytes), or, with `--open`, until noise has proven its peer id. Past
// either cap a new connection is refused (closed at once: a fast failure the dialer retries with
// backoff, never a hang). A pending connection that has not proven itself within
// PREAUTH_DEADLINE_MS is closed and counted as expired.
import type { Clock } from '../util/clock.js'

/**
 * Pending connections one source host may hold. One outsider holding this many open leaves the rest
 * of the global cap to everybody else. A member's pending time is one round trip plus our event
 * loop's delay (milliseconds on a LAN), so these slots admit hundreds of members a second from one
 * address. 32 rather than fewer because legitimate bursts share an address: agents on one machine
 * (loopback) or a fleet behind one NAT joining one seed at once, or 25 peers of a test dialling
 * together; those refused retry with backoff, and fewer refusals make the burst settle sooner.
 */
export const PENDING_PER_HOST = 32

/**
 * Pending connections from all hosts together: bounds the sockets and cipher states strangers can
 * make us hold. 160 = five flooding addresses at their per-host cap; with four or fewer, 32+ slots
 * stay free for members. Of the same order as limits.maxConnections (200), and small in memory (a
 * socket and two cipher states each, for 2 s at most).
 */
export const PENDING_GLOBAL = 160

/**
 * From accept until the swarm key is proven (nonce exchange and the first decrypted bytes), or in
 * open mode until noise has proven the peer id. Both take one or two round trips: 2 s leaves room
 * for slow links and a busy event loop, and makes a held slot cost an outsider a reconnect every
 * 2 s instead of libp2p's 10 s upgrade timeout.
 */
export const PREAUTH_DEADLINE_MS = 2000

export type RefusalReason = 'host' | 'global'
export type ReleaseOutcome = 'proven' | 'closed' | 'expired'

export interface AdmissionLimits {
  perHost: number
  global: number
  deadlineMs: number
}

export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = {
  perHost: PENDING_PER_HOST,
  global: PENDING_GLOBAL,
  deadlineMs: PREAUTH_DEADLINE_MS,
}

export interface AdmissionStats {
  /** Pending now, in all and the most from one host. */
  pending: number
  pendingHosts: number
  maxPendingFromOneHost: number
  /** Totals since start. */
  admitted: number
  proven: number
  /** Closed before proving the key (a peer with another key, or one that hung up). */
  closedUnproven: number
  expired: number
  refusedHost: number
  refusedGlobal: number
}

/** One pending connection's slot. Released once; later releases are ignored. */
export class Ticket {
  released: ReleaseOutcome | undefined

  constructor(
    private readonly owner: Admission,
    readonly host: string,
    /** When the deadline passes (ms on the admission's clock). */
    readonly deadline: number,
    /** Whether the admission itself expires it (else another layer enforces the deadline). */
    readonly expires: boolean,
  ) {}

  release(outcome: ReleaseOutcome): void {
    if (this.released) return
    this.released = outcome
    this.owner.onRelease(this, outcome)
  }
}

export class Admission {
  readonly limits: AdmissionLimits
  /** Host -> its pending count. */
  private readonly perHost = new Map<string, number>()
  /** Pending tickets in order of admission, which is deadline order (one deadline for all). */
  private readonly pending = new Set<Ticket>()
  private readonly totals = {
    admitted: 0,
    proven: 0,
    closedUnproven: 0,
    expired: 0,
    refusedHost: 0,
    refusedGlobal: 0,
  }

  constructor(
    limits: Partial<AdmissionLimits> = {},
    private readonly clock: Clock = { now: () => Date.now() },
  ) {
    this.limits = { ...DEFAULT_ADMISSION_LIMITS, ...limits }
    for (const [k, v] of Object.entries(this.limits))
      if (!Number.isInteger(v) || v < 1)
        throw new RangeError(`admission ${k} must be a positive integer, got ${v}`)
  }

  /**
   * A slot for a new inbound connection from `host` (see hostKey), or the reason it is refused.
   * With `expires`, expireDue() ends the ticket at its deadline; without, the caller's layer
   * enforces the deadline and releases the ticket as 'expired' itself.
   */
  admit(host: string, expires = false): Ticket | RefusalReason {
    if (this.pending.size >= this.limits.global) {
      this.totals.refusedGlobal++
      return 'global'
    }
    const n = this.perHost.get(host) ?? 0
    if (n >= this.limits.perHost) {
      this.totals.refusedHost++
      return 'host'
    }
    this.perHost.set(host, n + 1)
    const t = new Ticket(this, host, this.clock.now() + this.limits.deadlineMs, expires)
    this.pending.add(t)
    this.totals.admitted++
    return t
  }

  /** @internal called by Ticket.release */
  onRelease(t: Ticket, outcome: ReleaseOutcome): void {
    if (!this.pending.delete(t)) return
    const n = (this.perHost.get(t.host) ?? 1) - 1
    if (n <= 0) this.perHost.delete(t.host)
    else this.perHost.set(t.host, n)
    if (outcome === 'proven') this.totals.proven++
    else if (outcome === 'expired') this.totals.expired++
    else this.totals.closedUnproven++
  }

  /** Releases as expired every self-expiring ticket past its deadline, and returns them (to close). */
  expireDue(now = this.clock.now()): Ticket[] {
    const due: Ticket[] = []
    for (const t of this.pending) {
      if (t.deadline > now) break
      if (t.expires) due.push(t)
    }
    for (const t of due) t.release('expired')
    return due
  }

  /** When expireDue() next has work, or undefined when no self-expiring ticket is pending. */
  nextDeadline(): number | undefined {
    for (const t of this.pending) if (t.expires) return t.deadline
    return undefined
  }

  pendingFrom(host: string): number {
    return this.perHost.get(host) ?? 0
  }

  stats(): AdmissionStats {
    let most = 0
    for (const n of this.perHost.values()) if (n > most) most = n
    return {
      pending: this.pending.size,
      pendingHosts: this.perHost.size,
      maxPendingFromOneHost: most,
      ...this.totals,
    }
  }
}

/**
 * The source a connection is counted under: an IPv4 address as is; an IPv6 address by its /64 (one
 * subscriber usually holds a whole /64, so per-address limits would not bind); IPv4-mapped IPv6 as
 * the IPv4 address it maps.
 */
export function hostKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  if (mapped) return mapped[1]!
  if (!ip.includes(':')) return ip
  const groups = expandIpv6(ip)
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : ip.toLowerCase()
}

/** The eight 16-bit groups of an IPv6 address as lowercase hex without leading zeros, or undefined. */
function expandIpv6(ip: string): string[] | undefined {
  const addr = ip.split('%')[0]!.toLowerCase()
  const halves = addr.split('::')
  if (halves.length > 2) return undefined
  const parse = (s: string) => (s === '' ? [] : s.split(':'))
  const head = parse(halves[0]!)
  const tail = halves.length === 2 ? parse(halves[1]!) : []
  // An embedded IPv4 tail (a.b.c.d) counts as two groups; only the first four groups matter here.
  const last = tail.length > 0 ? tail[tail.length - 1]! : head[head.length - 1]
  const extra = last?.includes('.') ? 1 : 0
  const missing = 8 - head.length - tail.length - extra
  if (halves.length === 1 && missing !== 0) return undefined
  if (missing < 0) return undefined
  const groups = [...head, ...Array<string>(missing).fill('0'), ...tail]
  return groups.map((g) => (g.includes('.') ? g : (Number.parseInt(g, 16) || 0).toString(16)))
}
