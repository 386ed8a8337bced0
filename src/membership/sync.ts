// Push-pull, digest first: the periodic sync with a neighbour, joins through seeds (retried with
// backoff until one answers), syncs with strangers, and reconnect attempts to dead members. Entries
// that arrive are applied by the core like any other updates. Each digest also carries a bounded
// list of network coordinates, so they reach members that never probe each other.

import { INF, MAX_TOLD, type SwimHost } from './host.js'
import { MAX_BUCKETS, MAX_PACKET_BYTES } from './limits.js'
import type {
  CoordEntry,
  SyncBucketsPacket,
  SyncDigestPacket,
  SyncEntriesPacket,
  Update,
} from './messages.js'
import { DEAD, type MemberTable, NONE } from './table.js'
import { encodedUpdateSize } from './wire.js'

export interface SyncHost extends SwimHost {
  readonly selfId: string
  readonly table: Pick<
    MemberTable,
    'size' | 'root' | 'live' | 'span' | 'verdicts' | 'statusAt' | 'claimAt' | 'buckets' | 'bucketOf'
  >
  applyAll(updates: readonly Update[], from: string, now: number): void
  /** The coordinates a digest carries (bounded by MAX_SYNC_COORDS). */
  coordsToSend(now: number): CoordEntry[]
  /** Coordinates a digest carried. */
  coordsHeard(entries: readonly CoordEntry[], now: number): void
}

interface Retry {
  attempts: number
  nextAt: number
}

const MAX_SYNCS = 32
/** Bytes of one sync-entries packet's updates; the rest of MAX_PACKET_BYTES is headroom. */
const SYNC_PACKET_BUDGET = MAX_PACKET_BYTES - 4096

export function bucketCountFor(n: number): number {
  let c = 1
  while (c < Math.ceil(n / 8) && c < MAX_BUCKETS) c *= 2
  return c
}

/** memberlist's pushPullScale: beyond 32 members the interval grows with log2 N. */
function pushPullScale(intervalMs: number, n: number): number {
  if (n <= 32) return intervalMs
  return (Math.ceil(Math.log2(n) - Math.log2(32)) + 1) * intervalMs
}

export class Sync {
  private readonly syncs = new Map<number, { to: string; at: number }>()
  /** Seeds given to join(): retried with backoff until one answers a push-pull. */
  private readonly seeds = new Map<string, Retry>()
  /** Dead members we try to reach again, each with its own backoff. */
  private readonly retry = new Map<number, Retry>()
  private readonly answered = new Map<string, number>()
  private nextPushPullAt: number
  private nextReconnectAt: number

  constructor(
    private readonly host: SyncHost,
    now: number,
  ) {
    const o = host.options
    // Random phases, so members that start together do not sync in lockstep.
    this.nextPushPullAt = now + host.random() * o.pushPullIntervalMs
    this.nextReconnectAt = now + o.reconnectIntervalMs * (0.5 + host.random())
  }

  nextWakeAt(): number {
    let t = INF
    for (const r of this.seeds.values()) t = Math.min(t, r.nextAt)
    return Math.min(t, this.nextPushPullAt, this.nextReconnectAt)
  }

  tickSeeds(now: number): void {
    if (this.seeds.size > 0) this.retrySeeds(now)
  }

  /** The periodic push-pull, then the reconnect round, if due. */
  tick(now: number): void {
    const { host } = this
    if (now >= this.nextPushPullAt) {
      const peers = host.viewSlots()
      const pick = peers[Math.floor(host.random() * peers.length)]
      if (pick !== undefined && !host.left()) this.start(host.idAt(pick))
      this.nextPushPullAt =
        now + pushPullScale(host.options.pushPullIntervalMs, host.table.live) * (0.75 + host.random() / 2)
    }
    if (now >= this.nextReconnectAt) this.reconnectRound(now)
  }

  join(to: string): void {
    if (to === this.host.selfId || this.seeds.size >= MAX_SYNCS) return
    this.seeds.set(to, { attempts: 0, nextAt: this.host.now() })
    this.retrySeeds(this.host.now())
  }

  joining(to: string): boolean {
    return this.seeds.has(to)
  }

  /** The member is back or gone: no more reconnect backoff for it. */
  forget(slot: number): void {
    this.retry.delete(slot)
  }

  /**
   * One push-pull with `peer` unless one is under way: a stranger talking to us knows members we
   * do not; a new neighbour missed what was gossiped before it was one.
   */
  exchange(peer: string): void {
    if (this.host.left()) return
    for (const s of this.syncs.values()) if (s.to === peer) return
    this.start(peer)
  }

  onDigest(from: string, p: SyncDigestPacket): void {
    const { host } = this
    if (p.coords !== undefined) host.coordsHeard(p.coords, host.now())
    if (p.root === host.table.root && p.count === host.table.size) {
      host.send(from, { type: 'sync-buckets', seq: p.seq, bucketCount: 0, hashes: new Uint32Array(0) })
      return
    }
    const count = bucketCountFor(Math.max(p.count, host.table.size))
    host.send(from, {
      type: 'sync-buckets',
      seq: p.seq,
      bucketCount: count,
      hashes: host.table.buckets(count),
    })
  }

  onBuckets(from: string, p: SyncBucketsPacket): boolean {
    const pending = this.syncs.get(p.seq)
    if (!pending || pending.to !== from) return this.host.dropped('unexpected-sync', from)
    this.syncs.delete(p.seq)
    if (p.bucketCount === 0) {
      this.seeds.delete(from)
      return true
    }
    const mine = this.host.table.buckets(p.bucketCount)
    const differ = new Set<number>()
    for (let i = 0; i < p.bucketCount; i++) if (mine[i] !== p.hashes[i]) differ.add(i)
    if (differ.size > 0) this.sendEntries(from, p.seq, p.bucketCount, differ, true)
    return true
  }

  onEntries(from: string, p: SyncEntriesPacket, now: number): void {
    // A seed's entries mean the join went through; until then join() keeps retrying.
    if (!p.reply) this.seeds.delete(from)
    this.host.applyAll(p.entries, from, now)
    // A reply can be the whole table: at most one per peer per probe period (no amplifier).
    if (p.reply && this.mayAnswer(from, now))
      this.sendEntries(from, p.seq, p.bucketCount, new Set(p.buckets), false)
  }

  private start(to: string): void {
    const { host } = this
    const seq = host.nextSeq()
    if (this.syncs.size >= MAX_SYNCS) this.syncs.delete(this.syncs.keys().next().value!)
    this.syncs.set(seq, { to, at: host.now() })
    const coords = host.coordsToSend(host.now())
    host.send(to, { type: 'sync-digest', seq, count: host.table.size, root: host.table.root, coords })
  }

  private retrySeeds(now: number): void {
    for (const [to, r] of this.seeds) {
      if (r.nextAt > now) continue
      r.attempts++
      r.nextAt =
        now +
        Math.min(30_000, this.host.options.probeIntervalMs * 2 ** Math.min(r.attempts, 10)) *
          (0.5 + this.host.random())
      this.start(to)
    }
  }

  private mayAnswer(from: string, now: number): boolean {
    const last = this.answered.get(from) ?? Number.NEGATIVE_INFINITY
    if (now - last < this.host.options.probeIntervalMs) return false
    if (this.answered.size >= MAX_TOLD) this.answered.clear()
    this.answered.set(from, now)
    return true
  }

  /** Our entries of the given buckets: each member's claim, then the verdict on it. */
  private sendEntries(
    to: string,
    seq: number,
    bucketCount: number,
    buckets: Set<number>,
    reply: boolean,
  ): void {
    const { table } = this.host
    const packets: Update[][] = [[]]
    let used = 0
    const add = (u: Update): void => {
      const size = encodedUpdateSize(u)
      if (used + size > SYNC_PACKET_BUDGET) {
        packets.push([])
        used = 0
      }
      packets[packets.length - 1]!.push(u)
      used += size
    }
    for (let s = 0; s < table.span; s++) {
      if (table.statusAt(s) === NONE || !buckets.has(table.bucketOf(s, bucketCount))) continue
      const claim = table.claimAt(s)
      if (claim) add(claim)
      const verdict = table.verdicts.get(s)
      if (verdict) add(verdict)
    }
    const list = [...buckets]
    packets.forEach((entries, i) => {
      const last = i === packets.length - 1
      this.host.send(to, {
        type: 'sync-entries',
        seq,
        bucketCount,
        buckets: list,
        entries,
        reply: reply && last,
      } satisfies SyncEntriesPacket)
    })
  }

  /** One dead member per interval gets a push-pull, with per-member exponential backoff. */
  private reconnectRound(now: number): void {
    const { host } = this
    const o = host.options
    this.nextReconnectAt = now + o.reconnectIntervalMs * (0.75 + host.random() / 2)
    if (host.left()) return
    let pick: number | undefined
    let seen = 0
    for (const [slot, v] of host.table.verdicts) {
      if (v.type !== 'dead' || host.table.statusAt(slot) !== DEAD) continue
      const r = this.retry.get(slot)
      if (r && r.nextAt > now) continue
      if (host.random() * ++seen < 1) pick = slot
    }
    if (pick === undefined) return
    const r = this.retry.get(pick) ?? { attempts: 0, nextAt: 0 }
    r.attempts++
    const backoff = Math.min(o.reconnectMaxBackoffMs, o.reconnectIntervalMs * 2 ** Math.min(r.attempts, 20))
    r.nextAt = now + backoff * (0.5 + host.random())
    this.retry.set(pick, r)
    this.start(host.idAt(pick))
  }
}
