// Group commit of the replica into the store. Every record change (or drop) is queued; one batch
// at a time is cut, sealed (own writes batch-signed), written with the vv entries and collected
// floors it moved and the next seq in one atomic store batch, and only then are its own deltas
// handed on to be gossiped.
import type { CrdtRecord, Delta, Replica } from '../crdt/index.js'
import type { Logger } from '../util/log.js'
import { entryPut, floorPut, recordDel, retiredOps, seqPut, versionPut } from './schema.js'
import type { Store, StoreOp } from './store.js'

export interface CommitterOptions {
  replica: Replica
  store: Pick<Store, 'write'>
  logger: Logger
  /** The batch's own deltas, sealed, once the batch is on disk: gossip them. */
  publish: (deltas: Delta[]) => void
  /** The store failed: memory is ahead of disk and the agent must stop. */
  onFatal?: (err: unknown) => void
}

interface Batch {
  sync: boolean
  deltas: Delta[]
  done: Promise<void>
  resolve: () => void
  reject: (err: unknown) => void
}

export class Committer {
  /** Record puts and deletes waiting for the next batch, by record id: a later one replaces an earlier one. */
  private readonly pending = new Map<string, StoreOp>()
  private flushScheduled = false
  /** The batch being gathered: its waiters, whether it must be fsync'd, its deltas to gossip. */
  private next?: Batch
  /** A batch is being written; the next one is cut when it is done. */
  private writing = false
  /** The next seq as of the last batch known to be on disk. */
  private durableSeq: number

  constructor(private readonly opts: CommitterOptions) {
    const { replica } = opts
    this.durableSeq = replica.nextSeq
    // What the replica was restored from is on disk already.
    replica.takeVersionChanges()
    replica.takeFloorChanges()
    replica.takeRetiredChanges()
    // The record's canonical bytes, encoded once for the digest, are what the store keeps.
    replica.onRecord = (id, _record, entry) => this.queue(id, entryPut(id, entry))
    replica.onForget = (id) => this.queue(id, recordDel(id))
  }

  /** Resolves once `deltas` (own writes) are fsync'd; calls of one tick share a batch and a signature. */
  commit(deltas: readonly Delta[]): Promise<void> {
    return this.join(true, deltas)
  }

  /** Everything queued so far, fsync'd. */
  flush(): Promise<void> {
    return this.join(true, [])
  }

  /**
   * A sync answer may go out only when every own write is on disk (after a crash we could reuse
   * its seq): `ready()` holds when it is, `wait()` resolves once what is queued now is.
   */
  readonly durable = {
    ready: (): boolean => this.opts.replica.nextSeq <= this.durableSeq,
    wait: (): Promise<void> => this.flush(),
  }

  private queue(id: string, op: StoreOp): void {
    this.pending.set(id, op)
    if (this.flushScheduled) return
    this.flushScheduled = true
    // Remote merges are written without fsync (peers can resend them); a local commit in the
    // same batch takes these ops along in its synced write instead.
    queueMicrotask(() => {
      if (this.flushScheduled) void this.join(false, []).catch(() => {})
    })
  }

  /**
   * Joins the batch being gathered. A failed write leaves memory ahead of disk, which nothing can
   * repair safely: onFatal stops the agent.
   */
  private join(sync: boolean, deltas: readonly Delta[]): Promise<void> {
    this.flushScheduled = false
    let b = this.next
    if (b === undefined) {
      let resolve!: () => void
      let reject!: (err: unknown) => void
      const done = new Promise<void>((res, rej) => {
        resolve = res
        reject = rej
      })
      b = this.next = { sync: false, deltas: [], done, resolve, reject }
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
    const { replica, store, logger } = this.opts
    try {
      for (let b = this.next; b !== undefined; b = this.next) {
        this.next = undefined
        // Sealing re-queues the records it signs, so it comes before the ops are taken (and
        // before the flush that re-queueing schedules is called off: this batch holds them).
        const sealed = replica.seal()
        const ops = [...this.pending.values()]
        this.pending.clear()
        this.flushScheduled = false
        const seq = replica.nextSeq
        for (const [origin, s] of replica.takeVersionChanges()) ops.push(versionPut(origin, s))
        for (const [origin, s] of replica.takeFloorChanges()) ops.push(floorPut(origin, s))
        for (const [origin, s] of replica.takeRetiredChanges()) ops.push(...retiredOps(origin, s))
        ops.push(seqPut(seq))
        try {
          // Gathered here already: the store need not wait another tick for more writers.
          await store.write(ops, { sync: b.sync, gathered: true })
        } catch (err) {
          logger.error('writing the state store failed; stopping', { error: (err as Error).message })
          this.opts.onFatal?.(err)
          b.reject(err)
          continue
        }
        if (b.sync) this.durableSeq = Math.max(this.durableSeq, seq)
        this.handOn(b.deltas, sealed)
        b.resolve()
      }
    } finally {
      this.writing = false
    }
  }

  private handOn(deltas: readonly Delta[], sealed: ReadonlyMap<string, CrdtRecord>): void {
    if (deltas.length === 0) return
    // Every delta was sealed by its own batch: a write joins the batch not cut yet, in its tick.
    const signed: Delta[] = []
    for (const d of deltas) {
      const record = sealed.get(d.id)
      if (record !== undefined) signed.push({ ...d, record })
      else this.opts.logger.error('internal: a delta left its batch unsigned; not gossiped', { id: d.id })
    }
    this.opts.publish(signed)
  }
}
