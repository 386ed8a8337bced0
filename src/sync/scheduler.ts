// Whom to run anti-entropy with, and when. Pure: time comes from a Clock, peers from the caller.
// A member's sessions per interval are bounded (syncFanout) whatever the mesh size; a new
// connection starts one only while this agent has not synced with anyone for an interval (a
// joiner, a restart, the end of its isolation) and runs none, so it catches up at once. While that
// catch-up runs, no other session starts, in either role: each would carry the whole state again.
import type { Clock } from '../util/clock.js'

/** Sessions started per interval: Corrosion's clamp(N/100, 3, 10), at most the peers there are. */
export function syncFanout(members: number): number {
  return Math.min(10, Math.max(3, Math.ceil(members / 100)))
}

export interface SyncSchedulerOptions {
  clock: Clock
  intervalMs: number
  random?: () => number
  /** Sessions answered at once (MAX_ANSWERING by default). */
  maxAnswering?: number
}

/**
 * Sessions this agent answers at once. A seed that a fleet joins at once gets a catch-up from every
 * joiner; answered together, with real state, each would carry the whole state at the same time
 * and starve the seed's probes. The others are refused and retry shortly (catchUpRetryMs).
 */
export const MAX_ANSWERING = 4
/** A peer found equal to us is skipped for at most this many intervals while our state stays the same. */
export const UNCHANGED_SKIP = 30
/** A refused or failed catch-up is tried again after 1 to 3 s: a burst of joiners spreads out. */
const CATCH_UP_RETRY_MS = 1000

export class SyncScheduler {
  /** Peers we have a session running with as initiator. */
  private readonly running = new Set<string>()
  /** When a session with each peer last completed, in either role (pruned after an interval). */
  private readonly last = new Map<string, number>()
  /** When any session last completed. */
  private lastAny = Number.NEGATIVE_INFINITY
  /** The peer of the catch-up running now, if any. */
  private catchUp?: string
  /** Peers whose session we are answering. */
  private readonly answering = new Set<string>()
  /** Per peer: our digest when a session with it last found both sides equal, and when. */
  private readonly equalAt = new Map<string, { digest: string; at: number }>()
  private readonly random: () => number

  constructor(private readonly opts: SyncSchedulerOptions) {
    this.random = opts.random ?? Math.random
  }

  /**
   * A connection to `peer` came up: whether to start a session with it now. One catch-up at a
   * time: a joiner that connects to ten peers fetches the state once, not ten times. None while
   * we answer one `peer` opened: a session carries both ways, and the peer's identify may reach
   * us only after its catch-up has begun.
   */
  onConnect(peer: string): boolean {
    if (this.running.size > 0 || this.answering.has(peer)) return false
    return this.opts.clock.now() - this.lastAny >= this.opts.intervalMs
  }

  /**
   * The peers to start sessions with this interval, out of `candidates` (alive, reachable) in a
   * mesh of `members`: those synced with longest ago first, ties broken at random.
   */
  pick(candidates: readonly string[], members = candidates.length + 1): string[] {
    if (this.catchUp !== undefined) return []
    const now = this.opts.clock.now()
    for (const [p, t] of this.last) if (now - t >= this.opts.intervalMs) this.last.delete(p)
    const free = candidates.filter((p) => !this.running.has(p))
    const keyed = free.map((p) => ({ p, t: this.last.get(p) ?? Number.NEGATIVE_INFINITY, r: this.random() }))
    keyed.sort((a, b) => a.t - b.t || a.r - b.r)
    return keyed.slice(0, syncFanout(members)).map((k) => k.p)
  }

  isRunning(peer: string): boolean {
    return this.running.has(peer)
  }

  /** Marks an initiated session (a catch-up, if onConnect asked for it) as running; false if one with `peer` already is. */
  begin(peer: string, catchUp = false): boolean {
    if (this.running.has(peer)) return false
    this.running.add(peer)
    if (catchUp) this.catchUp = peer
    return true
  }

  /** An initiated session ended. */
  end(peer: string): void {
    this.running.delete(peer)
    if (this.catchUp === peer) this.catchUp = undefined
  }

  /**
   * Whether to answer a session `peer` opens: not while we catch up from another (what it would
   * send, the catch-up brings; it tries again next interval).
   */
  accepts(peer: string): boolean {
    return this.catchUp === undefined || this.catchUp === peer
  }

  /**
   * Starts answering a session `peer` opened, or says why not: one per peer, none while we catch
   * up from another, at most maxAnswering at once. Pair with `answered`.
   */
  answer(peer: string): 'ok' | 'running' | 'catching-up' | 'busy' {
    if (this.answering.has(peer)) return 'running'
    if (!this.accepts(peer)) return 'catching-up'
    if (this.answering.size >= (this.opts.maxAnswering ?? MAX_ANSWERING)) return 'busy'
    this.answering.add(peer)
    return 'ok'
  }

  /**
   * A session with `peer` found both digests equal to `digest`, ours, which did not change during
   * it. Record only then: a digest taken after a write that the peer may lack would let
   * `unchanged` skip it for good.
   */
  inSync(peer: string, digest: string): void {
    this.equalAt.set(peer, { digest, at: this.opts.clock.now() })
  }

  /**
   * Splits the periodic candidates: `skip`, those a session found equal to us at the digest we
   * still hold, less than UNCHANGED_SKIP intervals ago (marked completed); `rest`, the others,
   * for `pick`. Equal digests are equal states: while ours has not changed, a session would end
   * at the hellos, and a peer whose state changed starts one itself if we are in its view. The
   * bound covers a view that does not hold us. An idle agent then opens a session per view
   * member every UNCHANGED_SKIP intervals, not fanout sessions every interval: each is a new
   * stream, about a third of an idle agent's CPU at the default interval.
   */
  unchanged(candidates: readonly string[], digest: string): { skip: string[]; rest: string[] } {
    const wanted = new Set(candidates)
    for (const p of this.equalAt.keys()) if (!wanted.has(p)) this.equalAt.delete(p)
    const now = this.opts.clock.now()
    const skip: string[] = []
    const rest: string[] = []
    for (const p of candidates) {
      const e = this.equalAt.get(p)
      const fresh =
        e !== undefined && e.digest === digest && now - e.at < UNCHANGED_SKIP * this.opts.intervalMs
      ;(fresh ? skip : rest).push(p)
    }
    for (const p of skip) this.completed(p)
    return { skip, rest }
  }

  /** An answered session ended. */
  answered(peer: string): void {
    this.answering.delete(peer)
  }

  /** How long to wait before trying a refused or failed catch-up again (1 to 3 s, jittered). */
  catchUpRetryMs(): number {
    return CATCH_UP_RETRY_MS * (1 + 2 * this.random())
  }

  /** A session with `peer` completed, in either role. */
  completed(peer: string): void {
    const now = this.opts.clock.now()
    this.last.set(peer, now)
    this.lastAny = now
  }
}
