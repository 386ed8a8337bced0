// The durable store: LevelDB in the data directory. Writes are group-committed with fsync, so an
// acknowledged write survives kill -9 while concurrent writers share one sync. The on-disk format
// (keys, values, version, failure handling) is documented in docs/storage.md.
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { parseVersionVector } from '../crdt/index.js'
import { DataDirLockedError, MurmurError, StoreCorruptError } from '../errors.js'
import { checkBeforeOpen, checkTables } from './leveldb-check.js'

/** Bump when the meaning of keys or values changes; documented in docs/storage.md. */
export const STORE_FORMAT_VERSION = 3
/**
 * Older formats this murmur opens and its state layer rewrites (1: records without signatures;
 * 2: one signature per write, still valid in format 3, which adds batch proofs).
 */
export const MIGRATABLE_FORMATS: readonly number[] = [1, 2]
export const STORE_DIR = 'state.db'

export const FORMAT_KEY = 'meta:format'
/**
 * LevelDB's memtable (and so its write-ahead log) is flushed to a table at this size. It bounds
 * the disk used by overwrites: at most two logs of this size plus a few copies of the live data.
 */
export const WRITE_BUFFER_BYTES = 1024 * 1024

const safeInt = (min: number) => (v: unknown) =>
  Number.isSafeInteger(v) && (v as number) >= min ? undefined : `expected an integer >= ${min}`

/** Shapes of the meta keys (see docs/storage.md); unknown meta keys are left alone. */
const META_CHECKS: Record<string, (v: unknown) => string | undefined> = {
  seq: safeInt(1),
  incarnation: safeInt(0),
  vv: (v) => {
    try {
      parseVersionVector(v)
      return undefined
    } catch (err) {
      return (err as Error).message
    }
  },
}

export interface StoreOpenOptions {
  /** Told about damage that was recovered from (a torn log tail), once the store is open. */
  warn?: (message: string) => void
}

export type StoreOp = { type: 'put'; key: string; value: unknown } | { type: 'del'; key: string }

export class Store {
  private pending: StoreOp[] = []
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = []
  private pendingSync = false
  private flushing: Promise<void> | undefined
  private closed = false
  /** The format the store was found in: STORE_FORMAT_VERSION, or a migratable older one. */
  format = STORE_FORMAT_VERSION

  private constructor(
    private readonly db: ClassicLevel<string, string>,
    readonly path: string,
  ) {}

  static async open(dataDir: string, opts: StoreOpenOptions = {}): Promise<Store> {
    const path = join(dataDir, STORE_DIR)
    // Before LevelDB touches the files: it would silently skip what these checks refuse.
    const dir = await checkBeforeOpen(path)
    const db = new ClassicLevel<string, string>(path, {
      valueEncoding: 'utf8',
      // Never let LevelDB create an empty store over one that held data (checked above too).
      createIfMissing: !dir.hasData,
      writeBufferSize: WRITE_BUFFER_BYTES,
    })
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
    try {
      await checkTables(path, dir.tables)
      await store.readAll()
      await store.checkFormat(dir.hasData)
      await store.checkEntries()
    } catch (err) {
      await db.close().catch(() => {})
      throw err
    }
    for (const note of dir.notes) opts.warn?.(note)
    return store
  }

  /**
   * Reads every key once, so a damaged block stops start-up now rather than in a compaction later.
   */
  private async readAll(): Promise<void> {
    await this.guard('reading all entries', async () => {
      for await (const _ of this.db.keys()) {
        // LevelDB reads every block of every table to produce the keys.
      }
    })
  }

  /** The values of the meta and peer keys (records are checked by their loader). */
  private async checkEntries(): Promise<void> {
    for (const [name, check] of Object.entries(META_CHECKS)) {
      const value = await this.get<unknown>(`meta:${name}`)
      const problem = value === undefined ? undefined : check(value)
      if (problem)
        throw new StoreCorruptError(`store ${this.path}: entry 'meta:${name}' is invalid: ${problem}`)
    }
    for await (const [id, value] of this.scan<unknown>('peer:')) {
      const p = value as { id?: unknown; addrs?: unknown }
      const ok =
        typeof p === 'object' &&
        p !== null &&
        p.id === id &&
        Array.isArray(p.addrs) &&
        p.addrs.every((a) => typeof a === 'string')
      if (!ok)
        throw new StoreCorruptError(`store ${this.path}: entry 'peer:${id}' is invalid: expected {id, addrs}`)
    }
  }

  private async checkFormat(hadData: boolean): Promise<void> {
    const format = await this.guard(`reading '${FORMAT_KEY}'`, () => this.db.get(FORMAT_KEY))
    if (format === undefined) {
      // A store with data but no format marker lost it, or was not written by us: refuse, never
      // start empty over it.
      let hasKeys = false
      await this.guard('reading keys', async () => {
        for await (const _ of this.db.keys({ limit: 1 })) hasKeys = true
      })
      if (hadData || hasKeys) {
        throw new StoreCorruptError(
          `store ${this.path} holds data but no '${FORMAT_KEY}' key: it is damaged or was not written by murmur`,
        )
      }
      await this.db.put(FORMAT_KEY, String(STORE_FORMAT_VERSION), { sync: true })
      return
    }
    const older = MIGRATABLE_FORMATS.find((f) => format === String(f))
    if (older !== undefined) {
      this.format = older
      return
    }
    if (format !== String(STORE_FORMAT_VERSION)) {
      throw new StoreCorruptError(
        `store ${this.path} has '${FORMAT_KEY}' ${JSON.stringify(format)}; this murmur reads format ${STORE_FORMAT_VERSION} only (see docs/storage.md)`,
      )
    }
  }

  async get<T>(key: string): Promise<T | undefined> {
    const raw = await this.guard(`reading '${key}'`, () => this.db.get(key))
    return raw === undefined ? undefined : this.decode<T>(key, raw)
  }

  /**
   * Every entry under a prefix, decoded; a value that does not parse, or a LevelDB read error,
   * stops start-up with a StoreCorruptError naming the store and key.
   */
  async *scan<T>(prefix: string): AsyncGenerator<[string, T]> {
    const it = this.db.iterator({ gte: prefix, lt: `${prefix}\uffff` })
    try {
      for (;;) {
        const entry = await this.guard(`reading '${prefix}*'`, () => it.next())
        if (entry === undefined) return
        const [key, raw] = entry
        yield [key.slice(prefix.length), this.decode<T>(key, raw)]
      }
    } finally {
      await it.close().catch(() => {})
    }
  }

  /**
   * Resolves once the ops are written, batched with whatever else is waiting. With `sync` (the
   * default) the batch is fsync'd first; data that peers can resend (remote merges) passes
   * `sync: false` so a busy mesh does not cost one fsync per gossip message.
   */
  write(ops: StoreOp[], opts: { sync?: boolean } = {}): Promise<void> {
    if (this.closed) return Promise.reject(new Error('store is closed'))
    if (ops.length === 0) return Promise.resolve()
    this.pending.push(...ops)
    if (opts.sync !== false) this.pendingSync = true
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
      const sync = this.pendingSync
      this.pending = []
      this.waiters = []
      this.pendingSync = false
      try {
        await this.db.batch(
          ops.map((op) =>
            op.type === 'put' ? { type: 'put', key: op.key, value: JSON.stringify(op.value) } : op,
          ),
          { sync },
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

  /** LevelDB errors (corruption, I/O) on reads become StoreCorruptError naming the store. */
  private async guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      if (err instanceof MurmurError) throw err
      const e = err as { code?: string; message?: string; cause?: { message?: string } }
      throw new StoreCorruptError(`store ${this.path} is damaged (${what}): ${e.cause?.message ?? e.message}`)
    }
  }

  private decode<T>(key: string, raw: string): T {
    try {
      return JSON.parse(raw) as T
    } catch {
      throw new StoreCorruptError(`store ${this.path}: entry ${JSON.stringify(key)} is not valid JSON`)
    }
  }
}
