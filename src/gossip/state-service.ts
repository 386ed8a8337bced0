// Replicated state on the network, wired from its parts: the replica (src/crdt), the group
// commit into the store (src/state/committer.ts), own deltas out and peers' in on the gossip
// topic (delta-topic.ts), anti-entropy sessions (sync-service.ts), and watchers (change-feed).
// Local writes are durable first, then gossiped, then shown to watchers.
import {
  type Change,
  DEFAULT_TOMBSTONE_HORIZON_MS,
  type JsonValue,
  Replica,
  type WriteResult,
} from '../crdt/index.js'
import { ChangeFeed } from '../crdt/change-feed.js'
import { ClockSkew } from '../crdt/clock-skew.js'
import type { WriteSigner, WriteVerifier } from '../crdt/signing.js'
import type { StateSummary } from '../api/results.js'
import { Committer } from '../state/committer.js'
import { migrateUnsignedStore } from '../state/migrate-unsigned.js'
import type { Store } from '../state/store.js'
import type { Logger } from '../util/log.js'
import { RateLimiter } from '../util/rate-limit.js'
import { type DeltaTopic, deltaTopic } from './delta-topic.js'
import {
  type SyncService,
  type SyncServiceComponents,
  type SyncTraffic,
  syncService,
} from './sync-service.js'
import type { TopicComponents, TopicTraffic } from './topic.js'

export interface StateServiceInit {
  store: Store
  syncIntervalMs: number
  /** Tombstones older than this are collected (docs/state-and-sync.md, "Tombstones"). */
  tombstoneHorizonMs?: number
  /** Alive or suspect members: their origins are never retired. Without it none is. */
  isLiveMember?: (origin: string) => boolean
  maxMessageBytes: number
  /** Peer records stamped further ahead of our clock are held back. */
  maxClockDriftMs: number
  /** Caps on the state: past them peers' records are held back and local writes fail. */
  maxRecords?: number
  maxStateBytes?: number
  /** Signs this agent's writes and checks everyone else's (the identity key; see write-signatures.ts). */
  signer: WriteSigner
  verifier: WriteVerifier
  /** Gossip bytes a second one peer may hand us (burst: four seconds' worth). */
  gossipBytesPerSecond?: number
  /** Gossiped records a second one peer may hand us (burst: four seconds' worth). */
  gossipRecordsPerSecond?: number
  /** Anti-entropy bytes a second one peer may send us (burst: sixteen seconds' worth). */
  syncBytesPerSecond?: number
  /** A peer went over its gossip budget. */
  onOverBudget?: (peer: string) => void
  /** Peers a periodic sync may pick from, and the mesh's size (sessions per interval grow with it, bounded). */
  syncPeers: () => string[]
  meshSize?: () => number
  /** The store failed: in-memory state is ahead of disk and the agent must stop. */
  onFatal?: (err: unknown) => void
  /** A local write was acknowledged (durable): seconds since it was made, for metrics. */
  onWriteAck?: (seconds: number) => void
}

export type StateServiceComponents = SyncServiceComponents & TopicComponents

/** The service is built at once and loads the state from the store in start(). */
export function stateService(init: StateServiceInit): (components: StateServiceComponents) => StateService {
  return (components) => new StateService(init, components)
}

export class StateService {
  private readonly feed = new ChangeFeed()
  /** Peers' clocks against ours, from their gossiped writes. */
  readonly skew = new ClockSkew()
  // Set by start(), from the stored state.
  private replica!: Replica
  private committer!: Committer
  private topic!: DeltaTopic
  private sync!: SyncService
  private stopped = false
  /** One line per peer cut off, for every budget (its queued messages are refused a moment later too). */
  private readonly budgetLog = new RateLimiter(1 / 60, 1, undefined, 1000)
  /** heldBack() counts as of the last warning about them. */
  private held = { future: 0, origins: 0, caps: 0 }
  private readonly heldLog = new RateLimiter(0.1, 1)
  private stopCollecting?: () => void
  private readonly log: Logger

  constructor(
    private readonly opts: StateServiceInit,
    private readonly c: StateServiceComponents,
  ) {
    this.log = c.logger.child('state')
  }

  /** Loads the replica from the store, then wires the parts that act on it. */
  async start(): Promise<void> {
    const { opts, c } = this
    const { store } = opts
    const replica = await this.load()
    this.replica = replica
    const components = { ...c, logger: this.log }
    const overBudget = (peer: string, what: string) => this.overBudget(peer, what)
    const merged = (changes: Change[], peer: string) => {
      this.feed.emit(changes)
      this.reportHeld(peer)
    }
    this.topic = deltaTopic({
      onFresh: (author, wall) => this.skew.record(author, wall, c.clock.now()),
      replica,
      maxMessageBytes: opts.maxMessageBytes,
      bytesPerSecond: opts.gossipBytesPerSecond,
      recordsPerSecond: opts.gossipRecordsPerSecond,
      onChanges: merged,
      onOverBudget: overBudget,
    })(components)
    this.committer = new Committer({
      replica,
      store,
      logger: this.log,
      publish: (deltas) => {
        if (!this.stopped) this.topic.publish(deltas)
      },
      onFatal: opts.onFatal,
    })
    this.sync = syncService({
      replica,
      intervalMs: opts.syncIntervalMs,
      maxFrameBytes: opts.maxMessageBytes,
      bytesPerSecond: opts.syncBytesPerSecond,
      durable: this.committer.durable,
      peers: opts.syncPeers,
      meshSize: opts.meshSize,
      onChanges: merged,
      onOverBudget: overBudget,
    })(components)
    this.topic.start()
    await this.sync.start()
    this.startCollecting(opts.tombstoneHorizonMs ?? DEFAULT_TOMBSTONE_HORIZON_MS)
  }

  private async load(): Promise<Replica> {
    const { opts, c } = this
    const { store } = opts
    const selfId = c.peerId.toString()
    if (store.format === 1) await migrateUnsignedStore(store, selfId, opts.signer, this.log)
    const { records, vv, nextSeq, floors, retired } = await store.readReplicaState()
    const replica = Replica.restore(selfId, c.clock, records, vv, nextSeq, {
      floors,
      retired,
      tombstoneHorizonMs: opts.tombstoneHorizonMs,
      signer: opts.signer,
      verifier: opts.verifier,
      deferSigning: true,
      maxFutureMs: opts.maxClockDriftMs,
      maxRecords: opts.maxRecords,
      maxStateBytes: opts.maxStateBytes,
    })
    this.log.info('state loaded', { records: records.length, digest: replica.digest() })
    return replica
  }

  /**
   * Collects tombstones past the horizon, then retires origins that left, a few times per horizon
   * (at most once a second, at least once a minute).
   */
  private startCollecting(horizonMs: number): void {
    const every = Math.min(60_000, Math.max(1000, Math.floor(horizonMs / 10)))
    const { isLiveMember } = this.opts
    const logger = this.log
    this.stopCollecting = this.c.clock.every(every, () => {
      const n = this.replica.collectTombstones()
      if (n > 0) logger.info('tombstones collected', { count: n, left: this.replica.tombstoneCount })
      if (isLiveMember === undefined) return
      const gone = this.replica.retireOrigins(isLiveMember)
      if (gone.length > 0) logger.info('origins retired', { count: gone.length, origins: gone.slice(0, 10) })
    })
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.stopCollecting?.()
    this.topic.stop()
    await this.sync.stop()
    await this.committer.flush()
  }

  // ---- local writes: durable first, then gossiped, then shown to watchers

  kvSet(key: string, value: unknown): Promise<void> {
    return this.commit(this.replica.kvSet(key, value as JsonValue))
  }

  async kvDel(key: string): Promise<boolean> {
    const r = this.replica.kvDel(key)
    await this.commit(r)
    return r.deltas.length > 0
  }

  setAdd(name: string, elements: string[]): Promise<void> {
    return this.commit(this.replica.setAdd(name, elements))
  }

  setRemove(name: string, elements: string[]): Promise<void> {
    return this.commit(this.replica.setRemove(name, elements))
  }

  async counterAdd(name: string, amount: number): Promise<number> {
    await this.commit(this.replica.counterAdd(name, amount))
    return this.replica.counterGet(name)
  }

  kvGet(key: string): JsonValue | undefined {
    return this.replica.kvGet(key)
  }

  kvList(prefix?: string): Array<{ key: string; value: JsonValue }> {
    return this.replica.kvList(prefix)
  }

  setMembers(name: string): string[] {
    return this.replica.setMembers(name)
  }

  counterGet(name: string): number {
    return this.replica.counterGet(name)
  }

  setList(prefix?: string): Array<{ name: string; size: number }> {
    return this.replica.setList(prefix)
  }

  counterList(prefix?: string): Array<{ name: string; value: number }> {
    return this.replica.counterList(prefix)
  }

  summary(): StateSummary {
    const s = this.replica.stats()
    return {
      ...s,
      bytes: this.replica.size().bytes,
      origins: this.replica.originCounts(),
      heldBack: this.replica.heldBack(),
      digest: this.replica.digest(),
    }
  }

  /** Calls `cb` for every visible change whose key/name starts with `prefix`; returns an unsubscribe. */
  watch(prefix: string | undefined, cb: (change: Change) => void): () => void {
    return this.feed.watch(prefix, cb)
  }

  /** Called right after the local write: the wait is the group commit and its fsync. */
  private async commit(r: WriteResult): Promise<void> {
    const t0 = performance.now()
    await this.committer.commit(r.deltas)
    this.opts.onWriteAck?.((performance.now() - t0) / 1000)
    this.feed.emit(r.changes)
  }

  /** Gossip and anti-entropy traffic since start, for metrics. */
  traffic(): { gossip: TopicTraffic; sync: SyncTraffic } {
    return { gossip: this.topic.traffic, sync: this.sync.traffic }
  }

  private overBudget(peer: string, what: string): void {
    if (this.budgetLog.take(peer)) {
      this.log.warn(`peer over its ${what} budget: disconnected and refused for a while`, { peer })
    }
    this.opts.onOverBudget?.(peer)
  }

  /** Says, at most once per 10 s, that a peer's records were held back rather than merged. */
  private reportHeld(peer: string): void {
    const now = this.replica.heldBack()
    const future = now.future - this.held.future
    const origins = now.origins - this.held.origins
    const caps = now.caps - this.held.caps
    if ((future === 0 && origins === 0 && caps === 0) || !this.heldLog.take('held')) return
    this.held = now
    const size = this.replica.size()
    this.log.warn('records held back, not merged', {
      peer,
      future,
      overOriginCap: origins,
      overStateCap: caps,
      records: size.records,
      bytes: size.bytes,
      why: 'stamped beyond limits.maxClockDriftMs ahead of our clock (merged once it catches up), bringing origins past the cap, or the state at limits.maxRecords / limits.maxStateBytes',
    })
  }
}
