// The durable store: LevelDB in the data directory. Writes are group-committed with fsync, so an
// acknowledged write survives kill -9 while concurrent writers share one sync. The on-disk format
// (keys, values, version, failure handling) is documented in docs/storage.md. Records are stored
// as they travel (binary Entry); every other value is JSON.
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { type CrdtRecord, decodeEntry, parseEntry, type VersionVector } from '../crdt/index.js'
import { DataDirLockedError, MurmurError, StoreCorruptError } from '../errors.js'
import { checkBeforeOpen, checkTables } from './leveldb-check.js'
import {
  FLOOR_PREFIX,
  FORMAT_KEY,
  formatPut,
  INCARNATION_KEY,
  KEY_CHECKS,
  type KnownPeerEntry,
  LEGACY_VV_KEY,
  PEER_PREFIX,
  PREFIX_CHECKS,
  RECORD_PREFIX,
  REPLICATED_PREFIXES,
  RETIRED_PREFIX,
  recordPut,
  SEQ_KEY,
  STORE_FORMAT_VERSION,
  type StoreOp,
  splitVersionVector,
  TAGS_KEY,
  VERSION_PREFIX,
} from './schema.js'

export { STORE_FORMAT_VERSION, type StoreOp } from './schema.js'

/** What the replica is rebuilt from. */
export interface ReplicaState {
  records: Array<[string, CrdtRecord]>
  vv: VersionVector
  nextSeq: number
  /** Collected floors per origin (format 5). */
  floors: VersionVector
  /** Retired origins' vv entries (format 5). */
  retired: VersionVector
}

/**
 * Older formats this murmur opens and rewrites: 1 (records without signatures; the state layer
 * signs them again), 2 (one signature per write, still valid) and 3 (batch proofs), both of which
 * held the version vector in one key, 4 (no collected floors: nothing was collected), and 2 to 5
 * held records as JSON.
 */
export const MIGRATABLE_FORMATS: readonly number[] = [1, 2, 3, 4, 5]
/** Records rewritten per batch when a store's records move from JSON to binary. */
const MIGRATE_BATCH = 4096
const utf8 = new TextEncoder()
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })
/** A record stored as JSON (formats 1 to 5) starts with '{'; a binary Entry with its id's tag. */
const isJsonRecord = (raw: Uint8Array): boolean => raw[0] === 0x7b
export const STORE_DIR = 'state.db'
/**
 * LevelDB's memtable (and so its write-ahead log) is flushed to a table at this size. It bounds
 * the disk used by overwrites: at most two logs of this size plus a few copies of the live data.
 */
export const WRITE_BUFFER_BYTES = 1024 * 1024

export interface StoreOpenOptions {
  /** Told about damage that was recovered from (a torn log tail), once the store is open. */
  warn?: (message: string) => void
}

export class Store {
  private pending: StoreOp[] = []
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = []
  private pendingSync = false
  private flushing: Promise<void> | undefined
  private closed = false
  /** STORE_FORMAT_VERSION, or 1: unsigned records the state layer must sign again. */
  format = STORE_FORMAT_VERSION

  private constructor(
    private readonly db: ClassicLevel<string, Uint8Array>,
    readonly path: string,
  ) {}

  static async open(dataDir: string, opts: StoreOpenOptions = {}): Promise<Store> {
    const path = join(dataDir, STORE_DIR)
    // Before LevelDB touches the files: it would silently skip what these checks refuse.
    const dir = await checkBeforeOpen(path)
    const db = new ClassicLevel<string, Uint8Array>(path, {
      valueEncoding: 'view',
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
      await store.migrate()
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

  /** The values of the meta, version and peer keys (records are checked by their loader). */
  private async checkEntries(): Promise<void> {
    const invalid = (key: string, problem: string) =>
      new StoreCorruptError(`store ${this.path}: entry '${key}' is invalid: ${problem}`)
    for (const [key, check] of Object.entries(KEY_CHECKS)) {
      const value = await this.get<unknown>(key)
      const problem = value === undefined ? undefined : check(value, key)
      if (problem) throw invalid(key, problem)
    }
    for (const [prefix, check] of Object.entries(PREFIX_CHECKS)) {
      for await (const [name, value] of this.scan<unknown>(prefix)) {
        const problem = check(value, name)
        if (problem) throw invalid(prefix + name, problem)
      }
    }
  }

  /**
   * Formats 2 to 5 held records as JSON: each becomes its binary Entry, in batches (a record still
   * in JSON is told apart by its first byte, so an interrupted migration resumes). Formats 2 and
   * 3 also held the vv in one key: it is split, one key per origin. Format 4 lacked floors, which
   * means nothing was collected. The marker moves on last, in a synced batch. Format 1 (unsigned
   * records) is the state layer's to sign again (migrate-unsigned.ts).
   */
  private async migrate(): Promise<void> {
    if (this.format === 1 || this.format === STORE_FORMAT_VERSION) return
    let ops: StoreOp[] = []
    for await (const [id, raw] of this.scanRaw(RECORD_PREFIX)) {
      if (!isJsonRecord(raw)) continue
      const [, record] = this.parseRecord(id, () => parseEntry(id, this.decode(RECORD_PREFIX + id, raw)))
      ops.push(recordPut(id, record))
      if (ops.length >= MIGRATE_BATCH) {
        await this.write(ops, { sync: false })
        ops = []
      }
    }
    if (this.format === 2 || this.format === 3) {
      ops.push(...splitVersionVector(await this.get<Record<string, number>>(LEGACY_VV_KEY)))
    } else ops.push(formatPut())
    await this.write(ops, { sync: true })
    this.format = STORE_FORMAT_VERSION
  }

  /** `parse`'s record, or a StoreCorruptError naming it. */
  private parseRecord(id: string, parse: () => [string, CrdtRecord]): [string, CrdtRecord] {
    try {
      const entry = parse()
      if (entry[0] !== id) throw new Error(`it holds the record of ${JSON.stringify(entry[0])}`)
      return entry
    } catch (err) {
      throw new StoreCorruptError(
        `store ${this.path}: record ${JSON.stringify(id)} is invalid: ${(err as Error).message}`,
      )
    }
  }

  /** Records, vv and next seq as the last batch left them; a bad record stops start-up naming it. */
  async readReplicaState(): Promise<ReplicaState> {
    const records: Array<[string, CrdtRecord]> = []
    for await (const [id, raw] of this.scanRaw(RECORD_PREFIX)) {
      records.push(this.parseRecord(id, () => decodeEntry(raw)))
    }
    return {
      records,
      vv: await this.readVector(VERSION_PREFIX),
      nextSeq: (await this.get<number>(SEQ_KEY)) ?? 1,
      floors: await this.readVector(FLOOR_PREFIX),
      retired: await this.readVector(RETIRED_PREFIX),
    }
  }

  /** The one-key-per-origin entries under `prefix` (vv, floors, retired), as a vector. */
  private async readVector(prefix: string): Promise<VersionVector> {
    const out: Record<string, number> = {}
    for await (const [origin, seq] of this.scan<number>(prefix)) out[origin] = seq
    return out
  }

  /**
   * Every replicated entry (`rec:`, `vv:`, `cf:`, `rt:`) as stored, key order, values raw, through
   * one iterator: LevelDB reads it from one implicit snapshot, so the records and version vector
   * agree as one batch left them, whatever is written meanwhile (what `murmur snapshot save` copies).
   */
  async *replicatedEntries(): AsyncGenerator<[string, Uint8Array]> {
    const it = this.db.iterator()
    try {
      for (;;) {
        const batch = await this.guard('reading all entries', () => it.nextv(1000))
        if (batch.length === 0) return
        for (const [key, raw] of batch)
          if (REPLICATED_PREFIXES.some((p) => key.startsWith(p))) yield [key, raw]
      }
    } finally {
      await it.close().catch(() => {})
    }
  }

  /** Whether any replicated entry is stored (a restore refuses such a store without --force). */
  async holdsReplicatedState(): Promise<boolean> {
    for (const prefix of REPLICATED_PREFIXES) {
      for await (const _ of this.scanRaw(prefix)) return true
    }
    return false
  }

  async readIncarnation(): Promise<number | undefined> {
    return this.get<number>(INCARNATION_KEY)
  }

  /** The run-time tag overlay as stored (checked by its reader). */
  async readTags(): Promise<unknown> {
    return this.get<unknown>(TAGS_KEY)
  }

  async readKnownPeers(): Promise<KnownPeerEntry[]> {
    const out: KnownPeerEntry[] = []
    for await (const [, p] of this.scan<KnownPeerEntry>(PEER_PREFIX)) out.push(p)
    return out
  }

  private async checkFormat(hadData: boolean): Promise<void> {
    const raw = await this.guard(`reading '${FORMAT_KEY}'`, () => this.db.get(FORMAT_KEY))
    const format = raw === undefined ? undefined : Buffer.from(raw).toString('latin1')
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
      await this.db.put(FORMAT_KEY, utf8.encode(String(STORE_FORMAT_VERSION)), { sync: true })
      return
    }
    const older = MIGRATABLE_FORMATS.find((f) => format === String(f))
    if (older !== undefined) {
      this.format = older
      return
    }
    if (format !== String(STORE_FORMAT_VERSION)) {
      throw new StoreCorruptError(
        `store ${this.path} has '${FORMAT_KEY}' ${JSON.stringify(format)}; this murmur reads format ${STORE_FORMAT_VERSION} and migrates formats ${MIGRATABLE_FORMATS.join(', ')} (see docs/storage.md)`,
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
    for await (const [name, raw] of this.scanRaw(prefix)) yield [name, this.decode<T>(prefix + name, raw)]
  }

  /** Every entry under a prefix, as stored (records: binary Entries); LevelDB errors as in scan. */
  async *scanRaw(prefix: string): AsyncGenerator<[string, Uint8Array]> {
    const it = this.db.iterator({ gte: prefix, lt: `${prefix}\uffff` })
    try {
      for (;;) {
        const batch = await this.guard(`reading '${prefix}*'`, () => it.nextv(1000))
        if (batch.length === 0) return
        for (const [key, raw] of batch) yield [key.slice(prefix.length), raw]
      }
    } finally {
      await it.close().catch(() => {})
    }
  }

  /**
   * Resolves once the ops are written, batched with whatever else is waiting. With `sync` (the
   * default) the batch is fsync'd first; data that peers can resend (remote merges) passes
   * `sync: false` so a busy mesh does not cost one fsync per gossip message. A caller that has
   * gathered its batch already passes `gathered`, and the flush starts without waiting a tick.
   */
  write(ops: StoreOp[], opts: { sync?: boolean; gathered?: boolean } = {}): Promise<void> {
    if (this.closed) return Promise.reject(new Error('store is closed'))
    if (ops.length === 0) return Promise.resolve()
    this.pending.push(...ops)
    if (opts.sync !== false) this.pendingSync = true
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }))
    if (!this.flushing) this.flushing = this.flushLoop(opts.gathered !== true)
    return done
  }

  private async flushLoop(gather: boolean): Promise<void> {
    // Let writers of the same tick join the batch before the sync.
    if (gather) await new Promise((r) => setImmediate(r))
    while (this.pending.length > 0) {
      const ops = this.pending
      const waiters = this.waiters
      const sync = this.pendingSync
      this.pending = []
      this.waiters = []
      this.pendingSync = false
      // A chained batch: abstract-level's array form clones and checks each operation in JS,
      // five times the cost for 100,000 puts (766 against 155 ms on this machine).
      const batch = this.db.batch()
      try {
        for (const op of ops) {
          if (op.type === 'del') batch.del(op.key)
          else batch.put(op.key, 'bytes' in op ? op.bytes : utf8.encode(JSON.stringify(op.value)))
        }
        await batch.write({ sync })
        for (const w of waiters) w.resolve()
      } catch (err) {
        await batch.close().catch(() => {})
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

  private decode<T>(key: string, raw: Uint8Array): T {
    try {
      return JSON.parse(strictUtf8.decode(raw)) as T
    } catch {
      throw new StoreCorruptError(`store ${this.path}: entry ${JSON.stringify(key)} is not valid JSON`)
    }
  }
}
