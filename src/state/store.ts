// The durable store: LevelDB in the data directory. Writes are group-committed with fsync, so an
// acknowledged write survives kill -9 while concurrent writers share one sync.
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { DataDirLockedError, StoreCorruptError } from '../errors.js'

/** Bump when the meaning of keys or values changes; documented in docs/storage.md. */
export const STORE_FORMAT_VERSION = 1
export const STORE_DIR = 'state.db'

const FORMAT_KEY = 'meta:format'

export type StoreOp = { type: 'put'; key: string; value: unknown } | { type: 'del'; key: string }

export class Store {
  private pending: StoreOp[] = []
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = []
  private flushing: Promise<void> | undefined
  private closed = false

  private constructor(
    private readonly db: ClassicLevel<string, string>,
    readonly path: string,
  ) {}

  static async open(dataDir: string): Promise<Store> {
    const path = join(dataDir, STORE_DIR)
    const db = new ClassicLevel<string, string>(path, { valueEncoding: 'utf8' })
    try {
      await db.open()
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause
      if (cause?.code === 'LEVEL_LOCKED' || /lock/i.test(cause?.message ?? '')) {
        throw new DataDirLockedError(`data directory ${dataDir} is in use by another murmur agent`)
      }
      throw new StoreCorruptError(`cannot open store ${path}: ${cause?.message ?? (err as Error).message}`)
    }
    const store = new Store(db, path)
    await store.checkFormat()
    return store
  }

  private async checkFormat(): Promise<void> {
    const format = await this.db.get(FORMAT_KEY)
    if (format === undefined) {
      // A store with data but no format marker was not written by us: refuse rather than guess.
      for await (const _ of this.db.keys({ limit: 1 })) {
        throw new StoreCorruptError(`store ${this.path} has data but no format marker; it was not written by murmur`)
      }
      await this.db.put(FORMAT_KEY, String(STORE_FORMAT_VERSION), { sync: true })
      return
    }
    if (format !== String(STORE_FORMAT_VERSION)) {
      throw new StoreCorruptError(
        `store ${this.path} has format ${format}; this murmur reads format ${STORE_FORMAT_VERSION}`,
      )
    }
  }

  async get<T>(key: string): Promise<T | undefined> {
    const raw = await this.db.get(key)
    return raw === undefined ? undefined : this.decode<T>(key, raw)
  }

  /** Every entry under a prefix, decoded; a value that does not parse stops start-up with its key. */
  async *scan<T>(prefix: string): AsyncGenerator<[string, T]> {
    for await (const [key, raw] of this.db.iterator({ gte: prefix, lt: `${prefix}\uffff` })) {
      yield [key.slice(prefix.length), this.decode<T>(key, raw)]
    }
  }

  /** Resolves once the ops are on disk (fsync'd), batched with whatever else is waiting. */
  write(ops: StoreOp[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('store is closed'))
    if (ops.length === 0) return Promise.resolve()
    this.pending.push(...ops)
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }))
    if (!this.flushing) this.flushing = this.flushLoop()
    return done
  }

  private async flushLoop(): Promise<void> {
    // Let writers of the same tick join the batch before the sync.
    await new Promise((r) => setImmediate(r))
    while (this.pending.length > 0) {
      const ops = this.pending
      const waiters = this.waiters
      this.pending = []
      this.waiters = []
      try {
        await this.db.batch(
          ops.map((op) =>
            op.type === 'put' ? { type: 'put', key: op.key, value: JSON.stringify(op.value) } : op,
          ),
          { sync: true },
        )
        for (const w of waiters) w.resolve()
      } catch (err) {
        for (const w of waiters) w.reject(err)
      }
    }
    this.flushing = undefined
  }

  async close(): Promise<void> {
    if (this.closed) return
    await this.flushing
    this.closed = true
    await this.db.close()
  }

  private decode<T>(key: string, raw: string): T {
    try {
      return JSON.parse(raw) as T
    } catch {
      throw new StoreCorruptError(`store ${this.path}: entry '${key}' is not valid JSON`)
    }
  }
}
