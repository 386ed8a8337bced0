// `murmur snapshot save|restore` (docs/storage.md, "Snapshots"). Save: the running agent copies its
// store's replicated entries through one LevelDB iterator (one consistent cut) into a file it
// writes atomically (temp file, fsync, rename, mode 0600). Restore: into a stopped agent's data
// directory, the file is decoded and checked in one pass into a new store beside the old one, which
// takes the old one's place by rename only once everything, checksum included, has held.

import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { chmod, mkdir, open, readFile, rename, rm, stat, unlink } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join } from 'node:path'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { CrdtRecord } from '../crdt/index.js'
import type { WriteVerifier } from '../crdt/signing.js'
import {
  InvalidInputError,
  IoFailedError,
  MurmurError,
  StateNotEmptyError,
  StoreCorruptError,
} from '../errors.js'
import { IDENTITY_FILE } from '../transport/identity.js'
import { prepareDataDir } from './data-dir.js'
import {
  FLOOR_PREFIX,
  INCARNATION_KEY,
  type KnownPeerEntry,
  PEER_PREFIX,
  RECORD_PREFIX,
  RETIRED_PREFIX,
  recordPut,
  SEQ_KEY,
  STORE_FORMAT_VERSION,
  type StoreOp,
  seqPut,
  TAGS_KEY,
  VERSION_PREFIX,
} from './schema.js'
import { SnapshotDecoder, SnapshotEncoder, type SnapshotHeader } from './snapshot-format.js'
import { STORE_DIR, Store } from './store.js'

export const MAX_SNAPSHOT_PATH_CHARS = 4096
/** Where a restore builds the new store, inside the data directory (removed when it ends). */
export const RESTORING_DIR = '.restoring'
/** Where the replaced store waits for the new one to take its place (removed at once after). */
const REPLACED_DIR = '.replaced-state.db'
const WRITE_CHUNK_BYTES = 1024 * 1024
const OPS_PER_BATCH = 1000

export interface SnapshotSummary {
  /** Entries copied: records plus vv, collected-floor and retired entries. */
  entries: number
  records: number
  /** Origins in the version vector. */
  origins: number
  /** sha256 of the file's content (as its trailer holds it). */
  sha256: string
  storeFormat: number
}

export interface SaveResult extends SnapshotSummary {
  path: string
  bytes: number
}

/** A path the agent may write a snapshot to: absolute (the CLI resolves it), bounded, no NUL. */
export function checkSnapshotPath(path: string): void {
  if (path.length === 0 || path.length > MAX_SNAPSHOT_PATH_CHARS || path.includes('\0')) {
    throw new InvalidInputError(
      `snapshot path must be 1 to ${MAX_SNAPSHOT_PATH_CHARS} characters without NUL`,
    )
  }
  if (!isAbsolute(path)) throw new InvalidInputError(`snapshot path must be absolute, got '${path}'`)
}

/** Writes the store's replicated state to `path` atomically, mode 0600; resolves once it is durable. */
export async function saveSnapshot(store: Store, path: string, header: SnapshotHeader): Promise<SaveResult> {
  checkSnapshotPath(path)
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  const fh = await open(tmp, 'wx', 0o600).catch((err) => {
    throw fileError(err, `cannot write the snapshot ${path}`)
  })
  let renamed = false
  try {
    const enc = new SnapshotEncoder()
    let pending: Buffer[] = [enc.start(header)]
    let size = pending[0]!.length
    let bytes = 0
    let records = 0
    let origins = 0
    const flush = async () => {
      const b = Buffer.concat(pending)
      pending = []
      size = 0
      await fh.write(b)
      bytes += b.length
    }
    for await (const [key, raw] of store.replicatedEntries()) {
      if (key.startsWith(RECORD_PREFIX)) records++
      else if (key.startsWith(VERSION_PREFIX)) origins++
      const b = enc.entry(key, raw)
      pending.push(b)
      size += b.length
      if (size >= WRITE_CHUNK_BYTES) await flush()
    }
    const end = enc.end()
    pending.push(end.bytes)
    await flush()
    await fh.sync()
    await fh.close()
    await rename(tmp, path)
    renamed = true
    await syncDir(dirname(path))
    return {
      path,
      bytes,
      entries: end.entries,
      records,
      origins,
      sha256: end.sha256,
      storeFormat: STORE_FORMAT_VERSION,
    }
  } catch (err) {
    await fh.close().catch(() => {})
    if (!renamed) await unlink(tmp).catch(() => {})
    if (err instanceof MurmurError) throw err
    throw fileError(err, `cannot write the snapshot ${path}`)
  }
}

export interface RestoreOptions {
  /** Replace the replicated state of a store that holds some (else: StateNotEmptyError). */
  force?: boolean
  /** Checks every record's signatures as a peer would (the daemon's ed25519 verifier). */
  verifier?: WriteVerifier
  warn?: (message: string) => void
}

export interface RestoreResult extends SnapshotSummary {
  dataDir: string
  /** Who saved it and when (as the file says). */
  header: SnapshotHeader
  /** A store with replicated state was there and is replaced (`--force`). */
  replaced: boolean
  /** The next seq this data directory's own identity will write with (raised past the snapshot's). */
  nextSeq: number
}

/** What a restore keeps of the store it replaces: this agent's own keys, never replicated ones. */
interface Kept {
  seq?: number
  incarnation?: number
  tags?: unknown
  peers: KnownPeerEntry[]
}

/**
 * Loads the snapshot `file` into `dataDir` (created 0700 if missing; no agent may run on it). The
 * caller checks that no agent answers on the data directory's socket; an agent holding the store
 * is refused here by LevelDB's lock (DataDirLockedError).
 */
export async function restoreSnapshot(
  file: string,
  dataDir: string,
  opts: RestoreOptions = {},
): Promise<RestoreResult> {
  const input = await stat(file).catch((err) => {
    throw fileError(err, `cannot read the snapshot ${file}`)
  })
  if (!input.isFile()) throw new InvalidInputError(`snapshot ${file} is not a regular file`)
  await prepareDataDir(dataDir)
  const selfId = await identityOf(dataDir)
  const storePath = join(dataDir, STORE_DIR)
  const hadStore = await exists(storePath)
  let kept: Kept = { peers: [] }
  let replaced = false
  if (hadStore) {
    const found = await readTarget(dataDir, opts)
    kept = found.kept
    replaced = found.holdsState
  }

  const building = join(dataDir, RESTORING_DIR)
  await rm(building, { recursive: true, force: true })
  await mkdir(building, { mode: 0o700 })
  let summary: SnapshotSummary & { header: SnapshotHeader; nextSeq: number }
  try {
    summary = await load(file, building, selfId, kept, opts)
    // The new store takes the old one's place: two renames, then the directory entry is synced.
    if (hadStore) {
      await rm(join(dataDir, REPLACED_DIR), { recursive: true, force: true })
      await rename(storePath, join(dataDir, REPLACED_DIR))
    }
    await rename(join(building, STORE_DIR), storePath)
    await chmod(storePath, 0o700)
    await syncDir(dataDir)
  } catch (err) {
    await rm(building, { recursive: true, force: true }).catch(() => {})
    if (err instanceof MurmurError) throw err
    throw fileError(err, `cannot restore into ${storePath}`)
  }
  await rm(join(dataDir, REPLACED_DIR), { recursive: true, force: true })
  await rm(building, { recursive: true, force: true })
  // What the agent will read at start, read once now: a restore that could not start is no restore.
  const check = await Store.open(dataDir)
  try {
    const state = await check.readReplicaState()
    if (state.records.length !== summary.records) {
      throw new StoreCorruptError(
        `restored store ${storePath} holds ${state.records.length} records, the snapshot ${summary.records}`,
      )
    }
  } finally {
    await check.close()
  }
  return { dataDir, replaced, ...summary }
}

/** Decodes the file into a new store under `building`; the checksum is checked before it closes. */
async function load(
  file: string,
  building: string,
  selfId: string | undefined,
  kept: Kept,
  opts: RestoreOptions,
): Promise<SnapshotSummary & { header: SnapshotHeader; nextSeq: number }> {
  const store = await Store.open(building)
  try {
    const decoder = new SnapshotDecoder({ verifier: opts.verifier })
    let ops: StoreOp[] = []
    let records = 0
    let origins = 0
    // Own writes the snapshot holds: the next own write must come after them (docs/storage.md).
    let ownSeq = 0
    const stream = createReadStream(file, { highWaterMark: 256 * 1024 })
    try {
      for await (const chunk of stream) {
        for (const [key, value] of decoder.push(chunk as Buffer)) {
          if (key.startsWith(RECORD_PREFIX)) records++
          else if (key.startsWith(VERSION_PREFIX)) origins++
          if (selfId !== undefined && ownKey(key, selfId)) ownSeq = Math.max(ownSeq, value as number)
          // Records go in as the store holds them now (binary), whichever format the file has.
          ops.push(
            key.startsWith(RECORD_PREFIX)
              ? recordPut(key.slice(RECORD_PREFIX.length), value as CrdtRecord)
              : { type: 'put', key, value },
          )
          if (ops.length >= OPS_PER_BATCH) {
            await store.write(ops, { sync: false, gathered: true })
            ops = []
          }
        }
      }
    } catch (err) {
      if (err instanceof MurmurError) throw err
      throw fileError(err, `cannot read the snapshot ${file}`)
    } finally {
      stream.destroy()
    }
    const { entries, sha256 } = decoder.end()
    const nextSeq = Math.max(kept.seq ?? 1, ownSeq + 1)
    ops.push(seqPut(nextSeq))
    if (kept.incarnation !== undefined)
      ops.push({ type: 'put', key: INCARNATION_KEY, value: kept.incarnation })
    if (kept.tags !== undefined) ops.push({ type: 'put', key: TAGS_KEY, value: kept.tags })
    for (const p of kept.peers) ops.push({ type: 'put', key: PEER_PREFIX + p.id, value: p })
    // fsync'd: it makes every batch before it durable too.
    await store.write(ops, { sync: true })
    return {
      entries,
      records,
      origins,
      sha256,
      storeFormat: decoder.storeFormat,
      header: decoder.header!,
      nextSeq,
    }
  } finally {
    await store.close()
  }
}

/** The target's own keys, and whether it holds replicated state (refused without --force). */
async function readTarget(
  dataDir: string,
  opts: RestoreOptions,
): Promise<{ kept: Kept; holdsState: boolean }> {
  let store: Store
  try {
    store = await Store.open(dataDir)
  } catch (err) {
    if (!(err instanceof StoreCorruptError)) throw err
    if (!opts.force) {
      throw new StoreCorruptError(`${err.message}; add --force to replace it with the snapshot`)
    }
    opts.warn?.(`replacing a damaged store, keeping none of it: ${err.message}`)
    return { kept: { peers: [] }, holdsState: true }
  }
  try {
    const holdsState = await store.holdsReplicatedState()
    if (holdsState && !opts.force) {
      throw new StateNotEmptyError(
        `store ${store.path} holds replicated state already: restore into an empty data directory, or add --force to replace its state with the snapshot's`,
      )
    }
    return {
      holdsState,
      kept: {
        seq: await store.get<number>(SEQ_KEY),
        incarnation: await store.readIncarnation(),
        tags: await store.readTags(),
        peers: await store.readKnownPeers(),
      },
    }
  } finally {
    await store.close()
  }
}

const ownKey = (key: string, selfId: string): boolean =>
  key === VERSION_PREFIX + selfId || key === FLOOR_PREFIX + selfId || key === RETIRED_PREFIX + selfId

/** The peer id of the data directory's identity key, if it has one. */
async function identityOf(dataDir: string): Promise<string | undefined> {
  const path = join(dataDir, IDENTITY_FILE)
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw fileError(err, `cannot read the identity key ${path}`)
  }
  try {
    return peerIdFromPrivateKey(privateKeyFromProtobuf(bytes)).toString()
  } catch (err) {
    throw new StoreCorruptError(
      `identity key ${path} is unreadable (${(err as Error).message}); restore it from a backup or remove it to start as a new peer`,
    )
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/** A failed file operation as one line: a path that cannot be is bad input, the rest an I/O failure. */
function fileError(err: unknown, what: string): MurmurError {
  const code = (err as NodeJS.ErrnoException).code
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') {
    return new InvalidInputError(`${what}: ${code === 'ENOENT' ? 'no such file or directory' : code}`)
  }
  return new IoFailedError(`${what}: ${code ?? (err as Error).message}`)
}
