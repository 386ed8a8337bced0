// Replicated state on the network: local writes are made durable, then gossiped as deltas;
// remote deltas are merged; anti-entropy sessions over /murmur/sync/3.0.0 repair whatever gossip
// missed (on connect and periodically with a random live member).
import type { Connection, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import {
  type Change,
  type CrdtRecord,
  type Delta,
  decodeMessage,
  encodeDeltaFrames,
  parseEntry,
  type JsonValue,
  Replica,
  type VersionVector,
  type WriteResult,
} from '../crdt/index.js'
import type { StateSummary } from '../daemon/api.js'
import { StoreCorruptError, TooLargeError } from '../errors.js'
import { FORMAT_KEY, STORE_FORMAT_VERSION, type Store, type StoreOp } from '../state/store.js'
import { runSyncInitiator, runSyncResponder } from '../sync/index.js'
import type { MurmurNode } from '../transport/node.js'
import { systemClock } from '../util/clock.js'
import type { Logger } from '../util/log.js'
import { RateLimiter } from '../util/rate-limit.js'
import { GossipTopic } from './topic.js'
import type { WriteSigner, WriteVerifier } from '../crdt/signing.js'

export const STATE_TOPIC = '/murmur/state/3'
export const SYNC_PROTOCOL = '/murmur/sync/3.0.0'
/** Defaults of limits.gossipRecordsPerSecond and limits.syncBytesPerSecond. */
export const DEFAULT_GOSSIP_RECORDS_PER_SECOND = 50_000
export const DEFAULT_SYNC_BYTES_PER_SECOND = 32 * 1024 * 1024

const RECORD_PREFIX = 'rec:'
const VV_KEY = 'meta:vv'
const SEQ_KEY = 'meta:seq'
const SYNC_TIMEOUT_MS = 30_000

export interface StateServiceOptions {
  node: MurmurNode
  store: Store
  selfId: string
  logger: Logger
  syncIntervalMs: number
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
  /** Peers a periodic sync may pick from. */
  syncPeers: () => string[]
  /** The store failed: in-memory state is ahead of disk and the agent must stop. */
  onFatal?: (err: unknown) => void
}

type Watcher = { prefix: string | undefined; cb: (change: Change) => void }

interface GroupCommit {
  sync: boolean
  deltas: Delta[]
  done: Promise<void>
  resolve: () => void
  reject: (err: unknown) => void
}

export class StateService {
  private readonly topic: GossipTopic
  private readonly watchers = new Set<Watcher>()
  private readonly syncing = new Set<string>()
  /** Peers whose sync session we are answering. */
  private readonly responding = new Set<string>()
  /** When a session with each peer last completed, in either role. */
  private readonly lastSession = new Map<string, number>()
  /** Record puts waiting for the next batch, by store key: a later change of a record replaces an earlier one. */
  private pendingOps = new Map<string, StoreOp>()
  private persistScheduled = false
  /** The group commit being gathered: its waiters, whether it must be fsync'd, its deltas to gossip. */
  private nextBatch?: GroupCommit
  /** A group commit is being written; the next one starts when it is done. */
  private writing = false
  /** The next seq as of the last batch known to be on disk. */
  private durableSeq = 0
  private timer?: NodeJS.Timeout
  private stopped = false
  /** Gossiped records a second per connected peer and per author (burst: four seconds' worth). */
  private readonly recordBudget: RateLimiter
  /** Anti-entropy bytes a second received per peer (burst: 16 seconds' worth, for catch-ups). */
  private readonly syncBudget: RateLimiter
  /** One line per peer cut off, for every budget (its queued messages are refused a moment later too). */
  private readonly budgetLog = new RateLimiter(1 / 60, 1, undefined, 1000)
  /** heldBack() counts as of the last warning about them. */
  private held = { future: 0, origins: 0, caps: 0 }
  private readonly heldLog = new RateLimiter(0.1, 1)

  private constructor(
    private readonly opts: StateServiceOptions,
    readonly replica: Replica,
  ) {
    const records = opts.gossipRecordsPerSecond ?? DEFAULT_GOSSIP_RECORDS_PER_SECOND
    this.recordBudget = new RateLimiter(records, 4 * records)
    const syncBytes = opts.syncBytesPerSecond ?? DEFAULT_SYNC_BYTES_PER_SECOND
    this.syncBudget = new RateLimiter(syncBytes, 16 * syncBytes)
    this.topic = new GossipTopic({
      node: opts.node,
      topic: STATE_TOPIC,
      logger: opts.logger,
      bytesPerSecond: opts.gossipBytesPerSecond,
      burstBytes: opts.gossipBytesPerSecond === undefined ? undefined : 4 * opts.gossipBytesPerSecond,
      onOverBudget: (peer, what) => this.overBudget(peer, what),
      handle: (data, author, from) => {
        const msg = decodeMessage(data, opts.maxMessageBytes)
        if (msg.type !== 'delta') return 'reject'
        // Agents gossip only their own writes; anyone else's dot in a signed delta is a forgery.
        if (msg.deltas.some((d) => d.dot.origin !== author)) return 'reject'
        // Records are charged like bytes: the forwarding peer past its budget is cut off.
        if (!this.recordBudget.take(`peer:${from}`, msg.deltas.length)) {
          this.overBudget(from, 'gossip records')
          return 'ignore'
        }
        if (!this.recordBudget.take(`author:${author}`, msg.deltas.length)) return 'ignore'
        const changes: Change[] = []
        for (const d of msg.deltas) changes.push(...this.replica.applyDelta(d))
        this.emit(changes)
        this.reportHeld(author)
        return 'accept'
      },
    })
  }

  static async start(opts: StateServiceOptions): Promise<StateService> {
    const { store } = opts
    if (store.format === 1) await migrateUnsignedStore(opts)
    if (store.format === 2) {
      // Format 2's single signatures are proofs of format 3 as they stand: only the marker changes.
      await store.write([{ type: 'put', key: FORMAT_KEY, value: STORE_FORMAT_VERSION }], { sync: true })
      store.format = STORE_FORMAT_VERSION
    }
    const records: Array<[string, CrdtRecord]> = []
    for await (const [id, raw] of store.scan<unknown>(RECORD_PREFIX)) {
      try {
        records.push(parseEntry(id, raw))
      } catch (err) {
        throw new StoreCorruptError(
          `store ${store.path}: record ${JSON.stringify(id)} is invalid: ${(err as Error).message}`,
        )
      }
    }
    const vv = (await store.get<VersionVector>(VV_KEY)) ?? {}
    const nextSeq = (await store.get<number>(SEQ_KEY)) ?? 1
    const replica = Replica.restore(opts.selfId, systemClock, records, vv, nextSeq, {
      signer: opts.signer,
      verifier: opts.verifier,
      deferSigning: true,
      maxFutureMs: opts.maxClockDriftMs,
      maxRecords: opts.maxRecords,
      maxStateBytes: opts.maxStateBytes,
    })
    opts.logger.info('state loaded', { records: records.length, digest: replica.digest() })
    const svc = new StateService(opts, replica)
    svc.durableSeq = nextSeq
    replica.onRecord = (id, record) => svc.queueRecord(id, record)
    svc.topic.start()
    await opts.node.handle(SYNC_PROTOCOL, (stream, conn) => svc.respond(stream, conn), {
      maxInboundStreams: 8,
    })
    opts.node.addEventListener('peer:identify', svc.onIdentify)
    svc.timer = setInterval(() => svc.syncRandom(), opts.syncIntervalMs)
    svc.timer.unref()
    return svc
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    this.opts.node.removeEventListener('peer:identify', this.onIdentify)
    this.topic.stop()
    await this.opts.node.unhandle(SYNC_PROTOCOL).catch(() => {})
    await this.persist()
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

  summary(): StateSummary {
    const s = this.replica.stats()
    return {
      ...s,
      bytes: this.replica.size().bytes,
      heldBack: this.replica.heldBack(),
      digest: this.replica.digest(),
    }
  }

  /** Calls `cb` for every visible change whose key/name starts with `prefix`; returns an unsubscribe. */
  watch(prefix: string | undefined, cb: (change: Change) => void): () => void {
    const w: Watcher = { prefix, cb }
    this.watchers.add(w)
    return () => this.watchers.delete(w)
  }

  /** Durable first (the group commit signs it), then gossiped, then shown to watchers. */
  private async commit(r: WriteResult): Promise<void> {
    await this.persist(true, r.deltas)
    this.emit(r.changes)
  }

  // ---- persistence: group commit. Every record change is queued; one batch at a time is sealed
  // (own writes batch-signed), written with the vv and next seq, and then its deltas are gossiped.

  private queueRecord(id: string, record: CrdtRecord): void {
    const key = RECORD_PREFIX + id
    this.pendingOps.set(key, { type: 'put', key, value: record })
    if (!this.persistScheduled) {
      this.persistScheduled = true
      // Remote merges: written without fsync (peers can resend them); a local commit in the
      // same batch takes these ops along in its synced write instead.
      queueMicrotask(() => {
        if (this.persistScheduled) void this.persist(false).catch(() => {})
      })
    }
  }

  /**
   * Resolves once everything queued so far is in the store, in one atomic batch; `sync` batches
   * are fsync'd and advance the durable seq. Calls made while a batch is being written share the
   * next one: one fsync and one signature for all of them. A failed write leaves memory ahead of
   * disk, which nothing can repair safely: the agent is stopped.
   */
  private persist(sync = true, deltas: readonly Delta[] = []): Promise<void> {
    this.persistScheduled = false
    let b = this.nextBatch
    if (b === undefined) {
      let resolve!: () => void
      let reject!: (err: unknown) => void
      const done = new Promise<void>((res, rej) => {
        resolve = res
        reject = rej
      })
      b = this.nextBatch = { sync: false, deltas: [], done, resolve, reject }
      // Writers of this tick join before the batch is cut.
      if (!this.writing) setImmediate(() => void this.writeBatches())
    }
    b.sync ||= sync
    b.deltas.push(...deltas)
    return b.done
  }

  private async writeBatches(): Promise<void> {
    if (this.writing) return
    this.writing = true
    try {
      for (let b = this.nextBatch; b !== undefined; b = this.nextBatch) {
        this.nextBatch = undefined
        this.persistScheduled = false
        // Signing re-queues the records it signs, so it comes before the ops are taken.
        const sealed = this.replica.seal()
        const ops = [...this.pendingOps.values()]
        this.pendingOps.clear()
        const seq = this.replica.nextSeq
        ops.push(
          { type: 'put', key: VV_KEY, value: this.replica.versionVector() },
          { type: 'put', key: SEQ_KEY, value: seq },
        )
        try {
          await this.opts.store.write(ops, { sync: b.sync })
        } catch (err) {
          this.opts.logger.error('writing the state store failed; stopping', {
            error: (err as Error).message,
          })
          this.opts.onFatal?.(err)
          b.reject(err)
          continue
        }
        if (b.sync) this.durableSeq = Math.max(this.durableSeq, seq)
        this.publish(b.deltas, sealed)
        b.resolve()
      }
    } finally {
      this.writing = false
    }
  }

  /** One gossip message per frame's worth of the batch's writes, each with its signed record. */
  private publish(deltas: readonly Delta[], sealed: ReadonlyMap<string, CrdtRecord>): void {
    if (deltas.length === 0 || this.stopped) return
    const signed = deltas.map((d) => ({ ...d, record: sealed.get(d.id) ?? d.record }))
    for (const frame of encodeDeltaFrames(signed, this.opts.maxMessageBytes)) void this.topic.publish(frame)
  }

  private emit(changes: Change[]): void {
    if (changes.length === 0 || this.watchers.size === 0) return
    for (const c of changes) {
      const name = c.kind === 'kv' ? c.key : c.name
      for (const w of this.watchers) if (w.prefix === undefined || name.startsWith(w.prefix)) w.cb(c)
    }
  }

  // ---- anti-entropy

  /**
   * A new connection catches both sides up at once. The session is bidirectional, so only the
   * smaller peer id starts it (both used to, two sessions per connection), and not again within an
   * interval of the last one with that peer.
   */
  private readonly onIdentify = (
    evt: CustomEvent<{ peerId: { toString(): string }; protocols: string[] }>,
  ) => {
    if (!evt.detail.protocols.includes(SYNC_PROTOCOL)) return
    const peer = evt.detail.peerId.toString()
    if (this.opts.node.peerId.toString() > peer) return
    if (Date.now() - (this.lastSession.get(peer) ?? Number.NEGATIVE_INFINITY) < this.opts.syncIntervalMs)
      return
    void this.syncWith(peer)
  }

  private syncRandom(): void {
    const old = Date.now() - this.opts.syncIntervalMs
    for (const [p, t] of this.lastSession) if (t < old) this.lastSession.delete(p)
    const peers = this.opts.syncPeers()
    const pick = peers[Math.floor(Math.random() * peers.length)]
    if (pick) void this.syncWith(pick)
  }

  /** One session with `peer`, as initiator; at most one at a time per peer. */
  async syncWith(peer: string): Promise<void> {
    if (this.stopped || this.syncing.has(peer)) return
    this.syncing.add(peer)
    const signal = AbortSignal.timeout(SYNC_TIMEOUT_MS)
    let stream: Stream | undefined
    try {
      stream = await this.opts.node.dialProtocol(peerIdFromString(peer), SYNC_PROTOCOL, { signal })
      const res = await this.session(peer, stream, signal, runSyncInitiator)
      this.lastSession.set(peer, Date.now())
      this.opts.logger.debug('synced', {
        peer,
        inSync: res.inSync,
        sent: res.sent,
        received: res.received,
        changes: res.changes.length,
      })
    } catch (err) {
      stream?.abort(err as Error)
      this.opts.logger.debug('sync failed', { peer, error: (err as Error).message })
    } finally {
      this.syncing.delete(peer)
    }
  }

  private async respond(stream: Stream, conn: Connection): Promise<void> {
    const peer = conn.remotePeer.toString()
    // One session at a time per peer: a peer opening many at once would only multiply our work.
    if (this.responding.has(peer)) {
      stream.abort(new Error('a sync session with this peer is already running'))
      return
    }
    this.responding.add(peer)
    const signal = AbortSignal.timeout(SYNC_TIMEOUT_MS)
    try {
      await this.session(peer, stream, signal, runSyncResponder)
      this.lastSession.set(peer, Date.now())
    } catch (err) {
      stream.abort(err as Error)
      this.opts.logger.debug('sync (responder) failed', { peer, error: (err as Error).message })
    } finally {
      this.responding.delete(peer)
    }
  }

  private async session(
    peer: string,
    stream: Stream,
    signal: AbortSignal,
    run: typeof runSyncInitiator,
  ): Promise<Awaited<ReturnType<typeof runSyncInitiator>>> {
    const lp = lpStream(stream, { maxDataLength: this.opts.maxMessageBytes })
    const budget = this.syncBudget
    const over = (): never => {
      this.overBudget(peer, 'anti-entropy bytes')
      throw new TooLargeError('peer over its anti-entropy byte budget')
    }
    async function* frames(): AsyncGenerator<Uint8Array> {
      for (;;) {
        const frame = (await lp.read({ signal })).subarray()
        if (!budget.take(peer, frame.length)) over()
        yield frame
      }
    }
    const res = await run(this.replica, (f) => lp.write(f, { signal }), frames(), {
      maxFrameBytes: this.opts.maxMessageBytes,
      // Never hand a peer an own write that is not on disk yet: after a crash we could reuse its seq.
      durable: { ready: () => this.replica.nextSeq <= this.durableSeq, wait: () => this.persist() },
    })
    await stream.close({ signal }).catch(() => {})
    this.emit(res.changes)
    this.reportHeld(peer)
    return res
  }

  private overBudget(peer: string, what: string): void {
    if (this.budgetLog.take(peer)) {
      this.opts.logger.warn(`peer over its ${what} budget: disconnected and refused for a while`, { peer })
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
    this.opts.logger.warn('records held back, not merged', {
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

/**
 * Store format 1 held records without signatures. Our own part of each is signed again and kept;
 * every other origin's part is dropped, and so is its vv entry, so anti-entropy brings it back
 * from its origin's peers, signed. One atomic batch, then format 2.
 */
async function migrateUnsignedStore(opts: StateServiceOptions): Promise<void> {
  const { store, selfId } = opts
  const ops: StoreOp[] = []
  const fresh = new Replica(selfId, systemClock, { signer: opts.signer })
  let kept = 0
  let dropped = 0
  for await (const [id, raw] of store.scan<Record<string, unknown>>(RECORD_PREFIX)) {
    ops.push({ type: 'del', key: RECORD_PREFIX + id })
    const own = fresh.resign(id, raw)
    if (own === undefined) {
      dropped++
      continue
    }
    kept++
    ops.push({ type: 'put', key: RECORD_PREFIX + id, value: own })
  }
  const vv = (await store.get<Record<string, number>>(VV_KEY)) ?? {}
  const selfSeen = vv[selfId]
  ops.push({ type: 'put', key: VV_KEY, value: selfSeen === undefined ? {} : { [selfId]: selfSeen } })
  ops.push({ type: 'put', key: FORMAT_KEY, value: STORE_FORMAT_VERSION })
  await store.write(ops, { sync: true })
  store.format = STORE_FORMAT_VERSION
  opts.logger.warn(
    `store migrated to format ${STORE_FORMAT_VERSION} (signed writes): own records signed again, others dropped`,
    {
      kept,
      dropped,
      why: 'records of other origins come back by anti-entropy, signed by their origins',
    },
  )
}
