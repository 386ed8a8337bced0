// The snapshot file (`murmur snapshot save|restore`, docs/storage.md "Snapshots"): the replicated
// entries of a store, as the store holds them, framed and checksummed. The decoder takes untrusted
// bytes in chunks of any size and only ever fails with a SnapshotError; it is pure and synchronous
// (fuzzed in test/fuzz/targets.ts), the file I/O is in snapshot.ts.
import { createHash, type Hash } from 'node:crypto'
import { ProofChecker } from '../crdt/batch-proof.js'
import { type CrdtRecord, decodeEntry, parseEntry } from '../crdt/index.js'
import { authentic } from '../crdt/part-signatures.js'
import type { WriteVerifier } from '../crdt/signing.js'
import { SnapshotError } from '../errors.js'
import { PREFIX_CHECKS, RECORD_PREFIX, REPLICATED_PREFIXES, STORE_FORMAT_VERSION } from './schema.js'

/** The first 8 bytes of every snapshot (a non-ASCII first byte, as PNG's, catches text-mode copies). */
export const SNAPSHOT_MAGIC: Uint8Array = Uint8Array.from([0x89, 0x4d, 0x55, 0x52, 0x53, 0x4e, 0x41, 0x50])
/** Bumped when the framing changes; a reader refuses a higher one as `newer`. */
export const SNAPSHOT_FORMAT_VERSION = 1
/** Bounds, each checked before the bytes are read. */
export const MAX_SNAPSHOT_HEADER_BYTES = 4096
export const MAX_SNAPSHOT_KEY_BYTES = 4096
export const MAX_SNAPSHOT_VALUE_BYTES = 4 * 1024 * 1024
export const MAX_SNAPSHOT_ENTRIES = 2 ** 24
const DIGEST_BYTES = 32
const TAG_ENTRY = 1
const TAG_END = 0

/** What the saver says about itself (informational: restore trusts only the entries). */
export interface SnapshotHeader {
  /** Peer id of the agent that saved it. */
  peerId: string
  name: string
  /** Epoch ms. */
  createdAt: number
}

/**
 * One entry: the full key (`rec:…`, `vv:…`, `cf:…`, `rt:…`) and its value, decoded: a record
 * (CrdtRecord) under `rec:`, a seq elsewhere.
 */
export type SnapshotEntry = [key: string, value: unknown]
/** Store formats whose entries a snapshot may hold: 5 (records as JSON) and 6 (records binary). */
export const SNAPSHOT_STORE_FORMATS: readonly number[] = [5, STORE_FORMAT_VERSION]

const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff])
const u32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}

/** Builds a snapshot's bytes piece by piece (hashing as it goes); `end()` gives the trailer. */
export class SnapshotEncoder {
  private readonly hash = createHash('sha256')
  private count = 0
  private lastKey: Buffer | undefined

  /** `storeFormat`: what the entries are (tests write format 5 files, records as JSON). */
  constructor(private readonly storeFormat = STORE_FORMAT_VERSION) {}

  /** The magic, versions and header. */
  start(header: SnapshotHeader): Buffer {
    const json = Buffer.from(JSON.stringify(header))
    if (json.length > MAX_SNAPSHOT_HEADER_BYTES) throw new Error('snapshot header over its bound')
    return this.hashed(
      Buffer.concat([
        SNAPSHOT_MAGIC,
        u16(SNAPSHOT_FORMAT_VERSION),
        u16(this.storeFormat),
        u32(json.length),
        json,
      ]),
    )
  }

  /** One store entry, raw as stored; keys must come in the store's (byte) order. */
  entry(key: string, raw: Uint8Array): Buffer {
    const k = Buffer.from(key)
    const v = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
    if (k.length > MAX_SNAPSHOT_KEY_BYTES || v.length > MAX_SNAPSHOT_VALUE_BYTES) {
      throw new SnapshotError('invalid', `store entry ${JSON.stringify(key)} is over the snapshot's bounds`)
    }
    if (this.lastKey !== undefined && Buffer.compare(this.lastKey, k) >= 0)
      throw new Error('keys out of order')
    if (++this.count > MAX_SNAPSHOT_ENTRIES) {
      throw new SnapshotError('invalid', `the store holds more than ${MAX_SNAPSHOT_ENTRIES} entries`)
    }
    this.lastKey = k
    return this.hashed(Buffer.concat([Buffer.from([TAG_ENTRY]), u16(k.length), k, u32(v.length), v]))
  }

  /** The end marker, the entry count and the sha256 of every byte before it. */
  end(): { bytes: Buffer; sha256: string; entries: number } {
    const body = this.hashed(Buffer.concat([Buffer.from([TAG_END]), u32(this.count)]))
    const digest = this.hash.digest()
    return { bytes: Buffer.concat([body, digest]), sha256: digest.toString('hex'), entries: this.count }
  }

  private hashed(b: Buffer): Buffer {
    this.hash.update(b)
    return b
  }
}

export interface DecoderOptions {
  /**
   * Checks each record's signatures or batch proofs as a peer would (the daemon's verifier: a
   * record its origin did not sign is refused); without one, signatures are only parsed.
   */
  verifier?: WriteVerifier
}

type Stage =
  | 'magic'
  | 'versions'
  | 'headerLength'
  | 'header'
  | 'tag'
  | 'keyLength'
  | 'entry'
  | 'count'
  | 'digest'
  | 'done'

const STAGE_NAMES: Record<Stage, string> = {
  magic: 'magic',
  versions: 'versions',
  headerLength: 'header',
  header: 'header',
  tag: 'entries (no end marker)',
  keyLength: 'entries',
  entry: 'entries',
  count: 'end marker',
  digest: 'checksum',
  done: 'end',
}

/**
 * Decodes a snapshot pushed in chunks. `push` returns the entries completed by a chunk, each
 * checked (key, JSON, record, signatures); `end` checks the trailer and the checksum. Framing
 * problems (truncation, a length over its bound, bytes after the end) and a checksum mismatch
 * are `damaged`; an entry that fails its checks in a file whose checksum holds is `invalid`, and
 * that is only decided at the end (a flipped bit must read as damage, not as a bad entry), so
 * after such an entry `push` returns nothing more.
 */
export class SnapshotDecoder {
  private readonly hash: Hash = createHash('sha256')
  private chunks: Buffer[] = []
  private buffered = 0
  /** Bytes consumed so far (for messages). */
  private offset = 0
  private stage: Stage = 'magic'
  private headerLength = 0
  private keyLength = 0
  private count = 0
  private lastKey: Buffer | undefined
  private problem: string | undefined
  private readonly proofs: ProofChecker | undefined
  header: SnapshotHeader | undefined
  storeFormat = 0

  constructor(opts: DecoderOptions = {}) {
    this.proofs = opts.verifier ? new ProofChecker(opts.verifier) : undefined
  }

  /** Entries completed so far in the file: as many as the trailer must count. */
  get entries(): number {
    return this.count
  }

  push(chunk: Uint8Array): SnapshotEntry[] {
    if (chunk.length === 0) return []
    if (this.stage === 'done') throw this.damaged('bytes follow the end of the snapshot')
    this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length))
    this.buffered += chunk.length
    const out: SnapshotEntry[] = []
    for (;;) {
      const entry = this.step()
      if (entry === false) return out
      if (entry !== undefined && this.problem === undefined) out.push(entry)
    }
  }

  /** The whole file has been pushed: checks it ended where it should, and its checksum. */
  end(): { entries: number; sha256: string } {
    if (this.stage === 'magic' && this.buffered === 0 && this.offset === 0) {
      throw new SnapshotError('damaged', 'the file is empty: not a snapshot, or one cut short')
    }
    if (this.stage !== 'done' || this.buffered > 0) {
      if (this.stage === 'done') throw this.damaged('bytes follow the end of the snapshot')
      throw new SnapshotError(
        'damaged',
        `the snapshot is truncated: it ends at byte ${this.offset + this.buffered}, inside its ${STAGE_NAMES[this.stage]}`,
      )
    }
    if (this.problem !== undefined) throw new SnapshotError('invalid', this.problem)
    return { entries: this.count, sha256: this.sha256 }
  }

  private sha256 = ''

  /** Advances one field: false when more bytes are needed, an entry when one completed. */
  private step(): SnapshotEntry | undefined | false {
    switch (this.stage) {
      case 'magic': {
        // A short non-magic prefix is already foreign; a short magic prefix waits for more.
        const n = Math.min(this.buffered, SNAPSHOT_MAGIC.length)
        if (n === 0) return false
        const head = this.peek(n)
        this.checkMagic(head)
        if (n < SNAPSHOT_MAGIC.length) return false
        this.hashed(this.take(n))
        this.stage = 'versions'
        return undefined
      }
      case 'versions': {
        const b = this.need(4)
        if (!b) return false
        const format = b.readUInt16BE(0)
        const store = b.readUInt16BE(2)
        if (format === 0 || format > SNAPSHOT_FORMAT_VERSION) {
          throw new SnapshotError(
            'newer',
            `snapshot format ${format}: this murmur reads format ${SNAPSHOT_FORMAT_VERSION}; restore it with the murmur that saved it, or a newer one`,
          )
        }
        if (!SNAPSHOT_STORE_FORMATS.includes(store)) {
          throw new SnapshotError(
            'newer',
            `the snapshot holds store format ${store}: this murmur restores store formats ${SNAPSHOT_STORE_FORMATS.join(' and ')}; use the murmur that saved it`,
          )
        }
        this.storeFormat = store
        this.stage = 'headerLength'
        return undefined
      }
      case 'headerLength': {
        const b = this.need(4)
        if (!b) return false
        this.headerLength = b.readUInt32BE(0)
        if (this.headerLength > MAX_SNAPSHOT_HEADER_BYTES) {
          throw this.damaged(
            `header length ${this.headerLength} is over the bound ${MAX_SNAPSHOT_HEADER_BYTES}`,
          )
        }
        this.stage = 'header'
        return undefined
      }
      case 'header': {
        const b = this.need(this.headerLength)
        if (!b) return false
        this.header = this.readHeader(b)
        this.stage = 'tag'
        return undefined
      }
      case 'tag': {
        const b = this.need(1)
        if (!b) return false
        if (b[0] === TAG_END) {
          this.stage = 'count'
          return undefined
        }
        if (b[0] !== TAG_ENTRY) throw this.damaged(`unknown entry tag ${b[0]}`, -1)
        if (this.count >= MAX_SNAPSHOT_ENTRIES)
          throw this.damaged(`more than ${MAX_SNAPSHOT_ENTRIES} entries`)
        this.stage = 'keyLength'
        return undefined
      }
      case 'keyLength': {
        const b = this.need(2)
        if (!b) return false
        this.keyLength = b.readUInt16BE(0)
        if (this.keyLength === 0 || this.keyLength > MAX_SNAPSHOT_KEY_BYTES) {
          throw this.damaged(
            `key length ${this.keyLength} is out of bounds (1 to ${MAX_SNAPSHOT_KEY_BYTES})`,
            -2,
          )
        }
        this.stage = 'entry'
        return undefined
      }
      case 'entry': {
        if (this.buffered < this.keyLength + 4) return false
        const valueLength = this.peek(this.keyLength + 4).readUInt32BE(this.keyLength)
        if (valueLength > MAX_SNAPSHOT_VALUE_BYTES) {
          throw this.damaged(`value length ${valueLength} is over the bound ${MAX_SNAPSHOT_VALUE_BYTES}`)
        }
        const b = this.need(this.keyLength + 4 + valueLength)
        if (!b) return false
        this.count++
        this.stage = 'tag'
        if (this.problem !== undefined) return undefined
        const key = b.subarray(0, this.keyLength)
        const value = b.subarray(this.keyLength + 4)
        return this.checkEntry(key, value)
      }
      case 'count': {
        const b = this.need(4)
        if (!b) return false
        const n = b.readUInt32BE(0)
        if (n !== this.count)
          throw this.damaged(`the end counts ${n} entries, the file holds ${this.count}`, -4)
        this.sha256 = this.hash.digest('hex')
        this.stage = 'digest'
        return undefined
      }
      case 'digest': {
        if (this.buffered < DIGEST_BYTES) return false
        const b = this.take(DIGEST_BYTES)
        if (b.toString('hex') !== this.sha256) {
          throw new SnapshotError(
            'damaged',
            'the snapshot is damaged: its sha256 checksum does not match its content',
          )
        }
        this.stage = 'done'
        if (this.buffered > 0) throw this.damaged('bytes follow the end of the snapshot')
        return false
      }
      case 'done':
        if (this.buffered > 0) throw this.damaged('bytes follow the end of the snapshot')
        return false
    }
  }

  private checkMagic(head: Buffer): void {
    const n = Math.min(head.length, SNAPSHOT_MAGIC.length)
    if (!head.subarray(0, n).equals(Buffer.from(SNAPSHOT_MAGIC.subarray(0, n)))) {
      throw new SnapshotError('foreign', 'not a murmur snapshot (its first bytes are not the snapshot magic)')
    }
  }

  private readHeader(b: Buffer): SnapshotHeader {
    let h: unknown
    try {
      h = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(b))
    } catch {
      h = undefined
    }
    const o = h as Partial<SnapshotHeader> | undefined
    if (
      typeof o !== 'object' ||
      o === null ||
      typeof o.peerId !== 'string' ||
      typeof o.name !== 'string' ||
      !Number.isSafeInteger(o.createdAt)
    ) {
      this.problem ??= 'its header is not {peerId, name, createdAt}'
      return { peerId: '', name: '', createdAt: 0 }
    }
    return { peerId: o.peerId, name: o.name, createdAt: o.createdAt as number }
  }

  /** A checked entry, or undefined with `problem` set (reported at the end if the checksum holds). */
  private checkEntry(keyBytes: Buffer, valueBytes: Buffer): SnapshotEntry | undefined {
    const at = `entry ${this.count}`
    if (this.lastKey !== undefined && Buffer.compare(this.lastKey, keyBytes) >= 0) {
      this.problem = `${at} is out of key order`
      return undefined
    }
    this.lastKey = Buffer.from(keyBytes)
    const utf8 = new TextDecoder('utf-8', { fatal: true })
    let key: string
    try {
      key = utf8.decode(keyBytes)
    } catch {
      this.problem = `${at} has a key that is not UTF-8`
      return undefined
    }
    const prefix = REPLICATED_PREFIXES.find((p) => key.startsWith(p))
    if (prefix === undefined) {
      this.problem = `${at} has key ${JSON.stringify(key.slice(0, 64))}, not one of a replicated state`
      return undefined
    }
    const name = key.slice(prefix.length)
    // Records of store format 6 are binary Entries; every other value is JSON.
    const binary = prefix === RECORD_PREFIX && this.storeFormat === STORE_FORMAT_VERSION
    let value: unknown
    if (!binary) {
      try {
        value = JSON.parse(utf8.decode(valueBytes))
      } catch {
        this.problem = `${at} is not UTF-8 JSON`
        return undefined
      }
    }
    if (prefix === RECORD_PREFIX) {
      let record: CrdtRecord
      try {
        const [id, r] = binary ? decodeEntry(valueBytes) : parseEntry(name, value)
        if (id !== name) throw new Error(`it holds the record of ${JSON.stringify(id.slice(0, 64))}`)
        record = r
      } catch (err) {
        this.problem = `${at}: record ${JSON.stringify(name.slice(0, 64))} is invalid: ${(err as Error).message}`
        return undefined
      }
      if (this.proofs && !authentic(this.proofs, name, record, undefined)) {
        this.problem = `${at}: record ${JSON.stringify(name.slice(0, 64))} does not carry its origins' valid signatures`
        return undefined
      }
      return [key, record]
    }
    const problem = PREFIX_CHECKS[prefix]!(value, name)
    if (problem !== undefined) {
      this.problem = `${at}: ${JSON.stringify(key.slice(0, 80))} is invalid: ${problem}`
      return undefined
    }
    return [key, value]
  }

  private damaged(what: string, back = 0): SnapshotError {
    return new SnapshotError(
      'damaged',
      `the snapshot is damaged at byte ${this.offset + back}: ${what} (a truncated or corrupted copy?)`,
    )
  }

  /** Consumes exactly n bytes, hashed, or returns undefined (nothing consumed) if fewer are buffered. */
  private need(n: number): Buffer | undefined {
    if (this.buffered < n) return undefined
    return this.hashed(this.take(n))
  }

  private hashed(b: Buffer): Buffer {
    this.hash.update(b)
    return b
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)]
    return this.chunks[0]!.subarray(0, n)
  }

  private take(n: number): Buffer {
    const b = Buffer.from(this.peek(n))
    this.chunks[0] = this.chunks[0]!.subarray(n)
    if (this.chunks[0].length === 0) this.chunks.shift()
    this.buffered -= n
    this.offset += n
    return b
  }
}
