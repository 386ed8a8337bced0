// The store's key schema (docs/storage.md): every key an agent writes is named, built and checked
// here, so the layers above speak in records, versions and peers, never in key strings.
import { type CrdtRecord, encodeEntry, parseVersionVector } from '../crdt/index.js'

/**
 * Bump when the meaning of keys or values changes; documented in docs/storage.md. 6: a record's
 * value is its Entry as it travels (pb/records.proto); every other value is still JSON.
 */
export const STORE_FORMAT_VERSION = 6

export const FORMAT_KEY = 'meta:format'
export const SEQ_KEY = 'meta:seq'
export const INCARNATION_KEY = 'meta:incarnation'
/** Tags set at run time, an overlay on the config file's (src/daemon/runtime-tags.ts). */
export const TAGS_KEY = 'meta:tags'
export const RECORD_PREFIX = 'rec:'
/** One key per origin (format 4), so a batch rewrites only the origins it moved. */
export const VERSION_PREFIX = 'vv:'
/** One key per origin: the collected floor (format 5), the highest seq of a write dropped here. */
export const FLOOR_PREFIX = 'cf:'
/** One key per retired origin (format 5): its vv entry, moved out of the vv (docs/state-and-sync.md). */
export const RETIRED_PREFIX = 'rt:'
export const PEER_PREFIX = 'peer:'
/**
 * The keys of the replicated state, which a snapshot copies; every other key (meta:, peer:) is
 * this agent's own and stays with its data directory.
 */
export const REPLICATED_PREFIXES: readonly string[] = [
  FLOOR_PREFIX,
  RECORD_PREFIX,
  RETIRED_PREFIX,
  VERSION_PREFIX,
]
/** Formats 1 to 3 held the whole version vector in this one key. */
export const LEGACY_VV_KEY = 'meta:vv'

/** A put of a JSON value, of bytes as they are (records), or a delete. */
export type StoreOp =
  | { type: 'put'; key: string; value: unknown }
  | { type: 'put'; key: string; bytes: Uint8Array }
  | { type: 'del'; key: string }

export interface KnownPeerEntry {
  id: string
  addrs: string[]
}

export const recordPut = (id: string, record: CrdtRecord): StoreOp => entryPut(id, encodeEntry(id, record))
/** A record already encoded (encodeEntry), as the replica hands it over. */
export const entryPut = (id: string, entry: Uint8Array): StoreOp => ({
  type: 'put',
  key: RECORD_PREFIX + id,
  bytes: entry,
})
export const recordDel = (id: string): StoreOp => ({ type: 'del', key: RECORD_PREFIX + id })
export const versionPut = (origin: string, seq: number): StoreOp => ({
  type: 'put',
  key: VERSION_PREFIX + origin,
  value: seq,
})
export const floorPut = (origin: string, seq: number): StoreOp => ({
  type: 'put',
  key: FLOOR_PREFIX + origin,
  value: seq,
})
/**
 * Retiring (seq > 0) moves the entry from vv: to rt:; coming back (seq 0) deletes rt:, and the
 * vv put comes with the batch's other vv entries.
 */
export const retiredOps = (origin: string, seq: number): StoreOp[] =>
  seq === 0
    ? [{ type: 'del', key: RETIRED_PREFIX + origin }]
    : [
        { type: 'del', key: VERSION_PREFIX + origin },
        { type: 'put', key: RETIRED_PREFIX + origin, value: seq },
      ]
export const seqPut = (nextSeq: number): StoreOp => ({ type: 'put', key: SEQ_KEY, value: nextSeq })
export const incarnationPut = (n: number): StoreOp => ({ type: 'put', key: INCARNATION_KEY, value: n })
export const tagsPut = (overlay: unknown): StoreOp => ({ type: 'put', key: TAGS_KEY, value: overlay })
export const peerPut = (p: KnownPeerEntry): StoreOp => ({ type: 'put', key: PEER_PREFIX + p.id, value: p })
export const peerDel = (id: string): StoreOp => ({ type: 'del', key: PEER_PREFIX + id })
export const formatPut = (): StoreOp => ({ type: 'put', key: FORMAT_KEY, value: STORE_FORMAT_VERSION })

type Check = (v: unknown, name: string) => string | undefined

const safeInt =
  (min: number): Check =>
  (v) =>
    Number.isSafeInteger(v) && (v as number) >= min ? undefined : `expected an integer >= ${min}`

/** Shapes of single keys checked at start; unknown meta keys are left alone. */
export const KEY_CHECKS: Record<string, Check> = {
  [SEQ_KEY]: safeInt(1),
  [INCARNATION_KEY]: safeInt(0),
  [LEGACY_VV_KEY]: (v) => {
    try {
      parseVersionVector(v)
      return undefined
    } catch (err) {
      return (err as Error).message
    }
  },
}

/** One origin's seq (vv, floor or retired entry): as a one-origin vector, the bounds of the wire. */
const originSeq: Check = (v, origin) => KEY_CHECKS[LEGACY_VV_KEY]!({ [origin]: v }, origin)

/** Shapes of the entries under a prefix (records are checked by their loader). */
export const PREFIX_CHECKS: Record<string, Check> = {
  [VERSION_PREFIX]: originSeq,
  [FLOOR_PREFIX]: originSeq,
  [RETIRED_PREFIX]: originSeq,
  [PEER_PREFIX]: (v, id) => {
    const p = v as { id?: unknown; addrs?: unknown }
    const ok =
      typeof p === 'object' &&
      p !== null &&
      p.id === id &&
      Array.isArray(p.addrs) &&
      p.addrs.every((a) => typeof a === 'string')
    return ok ? undefined : 'expected {id, addrs}'
  },
}

/** Format 2 or 3 to 4: the one vv key becomes one key per origin. */
export function splitVersionVector(vv: Record<string, number> | undefined): StoreOp[] {
  const ops: StoreOp[] = Object.entries(vv ?? {}).map(([o, s]) => versionPut(o, s))
  ops.push({ type: 'del', key: LEGACY_VV_KEY }, formatPut())
  return ops
}
