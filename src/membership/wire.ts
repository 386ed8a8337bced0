// Binary codec of membership protocol v3: [SWIM_WIRE_VERSION][packet type][fields]. Numbers are
// unsigned LEB128 varints, strings a varint byte length then UTF-8, member ids the 38 bytes of
// their identity multihash, hashes and digests u32 big-endian, signatures 64 raw bytes. v3 is v2
// plus the responder's network coordinate at the end of each ack (coord-wire.ts), and a list of
// coordinates the sender holds at the end of each push-pull digest.
// Decoding is the trust boundary: it checks every limit and throws only InvalidInputError.

import { peerIdFromString } from '@libp2p/peer-id'
import { toString as toBase58 } from 'uint8arrays/to-string'
import { InvalidInputError } from '../errors.js'
import { varintSize } from '../util/varint.js'
import { COORD_BODY_BYTES, COORD_DIMENSION_BYTE, coordSize, readCoordBody, writeCoord } from './coord-wire.js'
import type { Coordinate } from './coords.js'
import {
  MAX_ADDR_CHARS,
  MAX_ADDRS,
  MAX_BUCKETS,
  MAX_COORD_AGE_S,
  MAX_INCARNATION,
  MAX_MEMBERS,
  MAX_NAME_BYTES,
  MAX_PACKET_BYTES,
  MAX_SEQ,
  MAX_SYNC_COORDS,
  MAX_TAG_KEY_BYTES,
  MAX_TAG_VALUE_BYTES,
  MAX_TAGS,
  MAX_UPDATES_PER_PACKET,
  SIGNATURE_BYTES,
  SWIM_WIRE_VERSION,
} from './limits.js'
import type {
  Accusation,
  AliveClaim,
  CoordEntry,
  LeaveClaim,
  Packet,
  PacketType,
  Update,
  UpdateType,
} from './messages.js'

/** An update as its speaker signs it: everything but `sig`. */
export type UnsignedUpdate = Omit<AliveClaim, 'sig'> | Omit<LeaveClaim, 'sig'> | Omit<Accusation, 'sig'>
/** A packet without its updates (or entries): what `packetOverheadBytes` measures. */
type HeadOf<P> = P extends Packet ? Omit<P, 'updates' | 'entries'> : never
export type PacketHead = HeadOf<Packet>

/** Identity multihash (0x00, length 36) of a protobuf PublicKey {type: Ed25519, data: 32 bytes}. */
const ID_PREFIX = [0x00, 0x24, 0x08, 0x01, 0x12, 0x20]
export const MEMBER_ID_BYTES = 38
/** An addr is bounded in UTF-16 units; each takes at most 3 UTF-8 bytes. */
const MAX_ADDR_BYTES = 3 * MAX_ADDR_CHARS
/** ceil(53 / 7): no varint we accept needs more. */
const MAX_VARINT_BYTES = 8
const ID_CACHE_SIZE = 4096

const PACKET_CODE = {
  ping: 1,
  ack: 2,
  'ping-req': 3,
  nack: 4,
  gossip: 5,
  'sync-digest': 6,
  'sync-buckets': 7,
  'sync-entries': 8,
} as const satisfies Record<PacketType, number>
const UPDATE_CODE = { alive: 1, leave: 2, suspect: 3, dead: 4 } as const satisfies Record<UpdateType, number>
const UPDATE_TYPES: readonly (UpdateType | undefined)[] = [undefined, 'alive', 'leave', 'suspect', 'dead']

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0))
const CLAIM_PREFIX: Record<UpdateType, Uint8Array> = {
  alive: ascii('murmur/swim/2 alive'),
  leave: ascii('murmur/swim/2 leave'),
  suspect: ascii('murmur/swim/2 suspect'),
  dead: ascii('murmur/swim/2 dead'),
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function fail(message: string): never {
  throw new InvalidInputError(`membership wire: ${message}`)
}

// ---- member ids ----

// Bounded maps: parsing an id costs ~15 µs, base58 ~8 µs; a packet names several.
const idBytesCache = new Map<string, Uint8Array>()
const idStringCache = new Map<string, string>()
function remember<K, V>(cache: Map<K, V>, key: K, value: V): void {
  if (cache.size >= ID_CACHE_SIZE) cache.delete(cache.keys().next().value as K)
  cache.set(key, value)
}

/** The 38 multihash bytes of an Ed25519 member id (a copy); InvalidInputError for anything else. */
export function memberIdBytes(id: string): Uint8Array {
  return idBytes(id).slice()
}

/** Cached and shared: never modified. */
function idBytes(id: string, what = 'member id'): Uint8Array {
  const cached = idBytesCache.get(id)
  if (cached !== undefined) return cached
  if (typeof id !== 'string' || id.length !== 52 || !id.startsWith('12D3KooW'))
    fail(`${what} is not an Ed25519 peer id`)
  let bytes: Uint8Array
  try {
    const peer = peerIdFromString(id)
    bytes = peer.type === 'Ed25519' ? peer.toMultihash().bytes : new Uint8Array()
  } catch {
    fail(`${what} is not a peer id`)
  }
  // Also rules out any non-canonical spelling of the same key.
  if (!hasIdPrefix(bytes, 0) || bytes.length !== MEMBER_ID_BYTES || toBase58(bytes, 'base58btc') !== id)
    fail(`${what} is not an Ed25519 peer id`)
  remember(idBytesCache, id, bytes)
  return bytes
}

/** The member id of a raw 32-byte Ed25519 public key. */
export function memberIdFromKey(publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32)
    fail('Ed25519 public key is not 32 bytes')
  return toBase58(Uint8Array.from([...ID_PREFIX, ...publicKey]), 'base58btc')
}

export function isMemberId(id: unknown): id is string {
  try {
    idBytes(id as string)
    return true
  } catch {
    return false
  }
}

function hasIdPrefix(b: Uint8Array, at: number): boolean {
  for (let i = 0; i < ID_PREFIX.length; i++) if (b[at + i] !== ID_PREFIX[i]) return false
  return true
}

// ---- sizes (and validation of what is sent) ----

const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed()

function checkInt(n: unknown, max: number, what: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max)
    fail(`${what} not an integer in 0..${max}`)
  return n
}

/** Bytes of a digest's coordinate list: a count, then per entry id, age (s) and coordinate. */
function coordEntriesSize(list: unknown): number {
  if (list === undefined) return 1
  if (!Array.isArray(list) || list.length > MAX_SYNC_COORDS)
    fail(`coords not an array of <= ${MAX_SYNC_COORDS}`)
  const seen = new Set<string>()
  let n = varintSize(list.length)
  for (const e of list as CoordEntry[]) {
    if (typeof e !== 'object' || e === null) fail('coords entry is not an object')
    idBytes(e.id, 'coords member id')
    if (seen.has(e.id)) fail('coords name a member twice')
    seen.add(e.id)
    if (e.coord === undefined) fail('coords entry without a coordinate')
    n += MEMBER_ID_BYTES + varintSize(checkInt(e.age, MAX_COORD_AGE_S, 'coords age')) + coordSize(e.coord)
  }
  return n
}

/** Bytes of a length-prefixed string, checking it against `maxBytes`. */
function stringSize(s: unknown, maxBytes: number, what: string): number {
  if (typeof s !== 'string') fail(`${what} is not a string`)
  // A lone surrogate would come back as U+FFFD: refuse rather than alter it.
  if (!isWellFormed(s)) fail(`${what} is not well-formed Unicode`)
  const n = Buffer.byteLength(s, 'utf8')
  if (n > maxBytes) fail(`${what} over ${maxBytes} bytes`)
  return varintSize(n) + n
}

function aliveSize(u: Omit<AliveClaim, 'sig'>): number {
  let n = stringSize(u.name, MAX_NAME_BYTES, 'name')
  const tags = u.tags
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) fail('tags is not an object')
  const keys = Object.keys(tags)
  if (keys.length > MAX_TAGS) fail(`more than ${MAX_TAGS} tags`)
  n += varintSize(keys.length)
  for (const k of keys) {
    if (k === '') fail('empty tag key')
    n += stringSize(k, MAX_TAG_KEY_BYTES, 'tag key') + stringSize(tags[k], MAX_TAG_VALUE_BYTES, 'tag value')
  }
  const addrs = u.addrs
  if (!Array.isArray(addrs)) fail('addrs is not an array')
  if (addrs.length > MAX_ADDRS) fail(`more than ${MAX_ADDRS} addrs`)
  n += varintSize(addrs.length)
  for (const a of addrs) {
    n += stringSize(a, MAX_ADDR_BYTES, 'addr')
    if (a.length === 0 || a.length > MAX_ADDR_CHARS) fail(`addr not 1..${MAX_ADDR_CHARS} chars`)
  }
  return n
}

/** Bytes of the signed fields (no type byte, no sig), validating them. */
function bodySize(u: UnsignedUpdate): number {
  if (typeof u !== 'object' || u === null) fail('update is not an object')
  idBytes(u.id)
  const n = MEMBER_ID_BYTES + varintSize(checkInt(u.incarnation, MAX_INCARNATION, 'incarnation'))
  switch (u.type) {
    case 'alive':
      return n + aliveSize(u)
    case 'leave':
      return n
    case 'suspect':
    case 'dead':
      idBytes(u.from, 'accuser id')
      return n + MEMBER_ID_BYTES
    default:
      return fail(`unknown update type ${String((u as { type: unknown }).type)}`)
  }
}

// Updates are immutable once made, and relayed many times: measure each once.
const sizeCache = new WeakMap<Update, number>()

/** Exact bytes `u` takes inside a packet. Throws InvalidInputError if it could not be sent. */
export function encodedUpdateSize(u: Update): number {
  const cached = sizeCache.get(u)
  if (cached !== undefined) return cached
  const n = 1 + bodySize(u) + SIGNATURE_BYTES
  if (!(u.sig instanceof Uint8Array) || u.sig.length !== SIGNATURE_BYTES)
    fail(`sig is not ${SIGNATURE_BYTES} bytes`)
  sizeCache.set(u, n)
  return n
}

function bucketCountOk(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= MAX_BUCKETS && (n & (n - 1)) === 0
}

/**
 * Exact bytes of a packet apart from its updates, when it carries `updateCount` of them (the count
 * prefix grows from 1 to 2 bytes past 127). packet size = overhead + sum of encodedUpdateSize.
 */
export function packetOverheadBytes(head: PacketHead, updateCount = 0): number {
  if (typeof head !== 'object' || head === null) fail('packet is not an object')
  checkInt(updateCount, MAX_UPDATES_PER_PACKET, 'update count')
  const seq = (): number => varintSize(checkInt((head as { seq: unknown }).seq, MAX_SEQ, 'seq'))
  const updates = varintSize(updateCount)
  switch (head.type) {
    case 'ping':
      return 2 + seq() + updates
    case 'ack':
      return 2 + seq() + updates + coordSize(head.coord)
    case 'ping-req':
      idBytes(head.target, 'target')
      return 2 + seq() + MEMBER_ID_BYTES + updates
    case 'nack':
      return 2 + seq()
    case 'gossip':
      return 2 + updates
    case 'sync-digest':
      checkInt(head.root, 0xffffffff, 'root')
      return (
        2 + seq() + varintSize(checkInt(head.count, MAX_MEMBERS, 'count')) + 4 + coordEntriesSize(head.coords)
      )
    case 'sync-buckets': {
      const { bucketCount, hashes } = head
      if (!bucketCountOk(bucketCount)) fail(`bucketCount not 0 or a power of two <= ${MAX_BUCKETS}`)
      if (!(hashes instanceof Uint32Array) || hashes.length !== bucketCount)
        fail('hashes is not a Uint32Array of bucketCount entries')
      return 2 + seq() + varintSize(bucketCount) + 4 * bucketCount
    }
    case 'sync-entries': {
      const { bucketCount, buckets } = head
      if (!bucketCountOk(bucketCount)) fail(`bucketCount not 0 or a power of two <= ${MAX_BUCKETS}`)
      if (!Array.isArray(buckets) || buckets.length > bucketCount) fail('more buckets than bucketCount')
      if (typeof head.reply !== 'boolean') fail('reply is not a boolean')
      const seen = new Uint8Array(bucketCount)
      let n = 2 + seq() + varintSize(bucketCount) + varintSize(buckets.length) + updates + 1
      for (const b of buckets) {
        checkInt(b, bucketCount - 1, 'bucket index')
        if (seen[b] === 1) fail(`duplicate bucket ${b}`)
        seen[b] = 1
        n += varintSize(b)
      }
      return n
    }
    default:
      return fail(`unknown packet type ${String((head as { type: unknown }).type)}`)
  }
}

const WITH_UPDATES: ReadonlySet<string> = new Set(['ping', 'ack', 'ping-req', 'gossip'])

/** Equals `encodePacket(p).length` (even above MAX_PACKET_BYTES); cheap once updates are measured. */
export function encodedPacketSize(p: Packet): number {
  if (typeof p !== 'object' || p === null) fail('packet is not an object')
  const updates: unknown =
    p.type === 'sync-entries'
      ? p.entries
      : WITH_UPDATES.has(p.type)
        ? (p as { updates: unknown }).updates
        : []
  if (!Array.isArray(updates)) fail(`${p.type === 'sync-entries' ? 'entries' : 'updates'} is not an array`)
  let n = packetOverheadBytes(p, updates.length)
  for (const u of updates as Update[]) n += encodedUpdateSize(u)
  return n
}

// ---- writing (after validation by the size functions) ----

class Writer {
  readonly out: Uint8Array
  private readonly buf: Buffer
  pos = 0
  constructor(size: number) {
    this.out = new Uint8Array(size)
    this.buf = Buffer.from(this.out.buffer, 0, size)
  }
  byte(b: number): void {
    this.out[this.pos++] = b
  }
  bytes(b: Uint8Array): void {
    this.out.set(b, this.pos)
    this.pos += b.length
  }
  varint(n: number): void {
    while (n >= 128) {
      this.out[this.pos++] = (n % 128) | 0x80
      n = Math.floor(n / 128)
    }
    this.out[this.pos++] = n
  }
  u32(n: number): void {
    this.buf.writeUInt32BE(n, this.pos)
    this.pos += 4
  }
  str(s: string): void {
    this.varint(Buffer.byteLength(s, 'utf8'))
    this.pos += this.buf.write(s, this.pos, 'utf8')
  }
  coord(c: Coordinate | undefined): void {
    this.pos = writeCoord(this.out, this.pos, c)
  }
}

/** UTF-8 byte order (= code point order), which differs from `<` on surrogates vs U+E000..U+FFFF. */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i)
    let y = b.charCodeAt(i)
    if (x === y) continue
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000
    }
    return x - y
  }
  return a.length - b.length
}

function writeBody(w: Writer, u: UnsignedUpdate): void {
  w.bytes(idBytes(u.id))
  w.varint(u.incarnation)
  if (u.type === 'alive') {
    w.str(u.name)
    // Sorted: one encoding per content, so the signed body is deterministic.
    const keys = Object.keys(u.tags).sort(compareUtf8)
    w.varint(keys.length)
    for (const k of keys) {
      w.str(k)
      w.str(u.tags[k]!)
    }
    w.varint(u.addrs.length)
    for (const a of u.addrs) w.str(a)
  } else if (u.type === 'suspect' || u.type === 'dead') {
    w.bytes(idBytes(u.from))
  }
}

function writeUpdates(w: Writer, updates: Update[]): void {
  w.varint(updates.length)
  for (const u of updates) {
    w.byte(UPDATE_CODE[u.type])
    writeBody(w, u)
    w.bytes(u.sig)
  }
}

/** Encodes a packet; throws InvalidInputError for anything decodePacket would reject. */
export function encodePacket(p: Packet): Uint8Array {
  const size = encodedPacketSize(p)
  if (size > MAX_PACKET_BYTES) fail(`packet of ${size} bytes over ${MAX_PACKET_BYTES}`)
  const w = new Writer(size)
  try {
    w.byte(SWIM_WIRE_VERSION)
    w.byte(PACKET_CODE[p.type])
    if (p.type !== 'gossip') w.varint(p.seq)
    switch (p.type) {
      case 'ping':
      case 'gossip':
        writeUpdates(w, p.updates)
        break
      case 'ack':
        writeUpdates(w, p.updates)
        w.coord(p.coord)
        break
      case 'ping-req':
        w.bytes(idBytes(p.target))
        writeUpdates(w, p.updates)
        break
      case 'nack':
        break
      case 'sync-digest':
        w.varint(p.count)
        w.u32(p.root)
        w.varint(p.coords?.length ?? 0)
        for (const e of p.coords ?? []) {
          w.bytes(idBytes(e.id))
          w.varint(e.age)
          w.coord(e.coord)
        }
        break
      case 'sync-buckets':
        w.varint(p.bucketCount)
        for (const h of p.hashes) w.u32(h)
        break
      case 'sync-entries':
        w.varint(p.bucketCount)
        w.varint(p.buckets.length)
        for (const b of p.buckets) w.varint(b)
        writeUpdates(w, p.entries)
        w.byte(p.reply ? 1 : 0)
        break
    }
  } catch {
    w.pos = -1
  }
  // Only an update mutated after it was measured can get here.
  if (w.pos !== size) fail('an update changed after its size was cached')
  return w.out
}

/** The bytes `u.sig` signs: a domain prefix naming the type, then the fields but sig. */
export function encodeClaimBody(u: UnsignedUpdate | Update): Uint8Array {
  const size = bodySize(u)
  const prefix = CLAIM_PREFIX[u.type]
  const w = new Writer(prefix.length + size)
  w.bytes(prefix)
  writeBody(w, u)
  return w.out
}

// ---- decoding ----

class Reader {
  pos: number
  constructor(
    private readonly b: Uint8Array,
    pos: number,
  ) {
    this.pos = pos
  }
  get done(): boolean {
    return this.pos === this.b.length
  }
  need(n: number, what: string): number {
    const at = this.pos
    if (n > this.b.length - at) fail(`truncated ${what}`)
    this.pos = at + n
    return at
  }
  byte(what: string): number {
    return this.b[this.need(1, what)]!
  }
  varint(max: number, what: string): number {
    const b = this.b
    let byte = this.byte(what)
    if (byte < 0x80) {
      if (byte > max) fail(`${what} ${byte} over ${max}`)
      return byte
    }
    let value = byte & 0x7f
    let scale = 128
    for (let i = 1; ; i++) {
      if (i === MAX_VARINT_BYTES) fail(`overlong varint in ${what}`)
      byte = b[this.need(1, what)]!
      value += (byte & 0x7f) * scale
      if (byte < 0x80) break
      scale *= 128
    }
    if (byte === 0) fail(`non-minimal varint in ${what}`)
    // Past 2^53 the sum may round, but never down to <= max.
    if (value > max) fail(`${what} ${value} over ${max}`)
    return value
  }
  u32(what: string): number {
    const at = this.need(4, what)
    const b = this.b
    return b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!)
  }
  str(maxBytes: number, what: string): string {
    return this.text(this.varint(maxBytes, `${what} length`), what)
  }
  text(n: number, what: string): string {
    const at = this.need(n, what)
    try {
      return utf8.decode(this.b.subarray(at, at + n))
    } catch {
      return fail(`${what} is not UTF-8`)
    }
  }
  id(what: string): string {
    const at = this.need(MEMBER_ID_BYTES, what)
    const b = this.b
    if (!hasIdPrefix(b, at)) fail(`${what} is not an Ed25519 peer id`)
    const key = String.fromCharCode.apply(
      null,
      b.subarray(at + 6, at + MEMBER_ID_BYTES) as unknown as number[],
    )
    let id = idStringCache.get(key)
    if (id === undefined) {
      id = toBase58(b.subarray(at, at + MEMBER_ID_BYTES), 'base58btc')
      remember(idStringCache, key, id)
    }
    return id
  }
  sig(): Uint8Array {
    const at = this.need(SIGNATURE_BYTES, 'sig')
    // A copy: a long-lived claim must not pin the packet's buffer.
    const sig = new Uint8Array(SIGNATURE_BYTES)
    sig.set(this.b.subarray(at, at + SIGNATURE_BYTES))
    return sig
  }
  /** An ack's optional coordinate: a dimension byte (0: none), then its body. */
  coord(): Coordinate | undefined {
    const dim = this.byte('coordinate')
    if (dim === 0) return undefined
    if (dim !== COORD_DIMENSION_BYTE) fail(`coordinate of ${dim} dimensions, not ${COORD_DIMENSION_BYTE}`)
    return readCoordBody(this.b, this.need(COORD_BODY_BYTES, 'coordinate'))
  }
  /** A digest's coordinate list: strict, bounded, each member once, each with a coordinate. */
  coordEntries(): CoordEntry[] {
    const count = this.varint(MAX_SYNC_COORDS, 'coords count')
    const out: CoordEntry[] = []
    const seen = new Set<string>()
    for (let i = 0; i < count; i++) {
      const id = this.id('coords member id')
      if (seen.has(id)) fail('coords name a member twice')
      seen.add(id)
      const age = this.varint(MAX_COORD_AGE_S, 'coords age')
      const coord = this.coord()
      if (coord === undefined) fail('coords entry without a coordinate')
      out.push({ id, age, coord })
    }
    return out
  }
  bool(what: string): boolean {
    const v = this.byte(what)
    if (v > 1) fail(`${what} is not 0 or 1`)
    return v === 1
  }
  bucketCount(): number {
    const n = this.varint(MAX_BUCKETS, 'bucketCount')
    if ((n & (n - 1)) !== 0) fail(`bucketCount ${n} not a power of two`)
    return n
  }

  tags(): Record<string, string> {
    const count = this.varint(MAX_TAGS, 'tag count')
    const tags: Record<string, string> = {}
    let prevAt = 0
    let prevLen = -1
    for (let i = 0; i < count; i++) {
      const len = this.varint(MAX_TAG_KEY_BYTES, 'tag key length')
      if (len === 0) fail('empty tag key')
      const at = this.pos
      const key = this.text(len, 'tag key')
      if (prevLen >= 0) {
        const c = compareBytes(this.b, prevAt, prevLen, at, len)
        if (c === 0) fail(`duplicate tag key ${JSON.stringify(key)}`)
        if (c > 0) fail('tag keys not in UTF-8 order')
      }
      prevAt = at
      prevLen = len
      const value = this.str(MAX_TAG_VALUE_BYTES, 'tag value')
      // An own property, never the prototype setter.
      if (key === '__proto__')
        Object.defineProperty(tags, key, { value, enumerable: true, writable: true, configurable: true })
      else tags[key] = value
    }
    return tags
  }

  update(): Update {
    const start = this.pos
    const type = UPDATE_TYPES[this.byte('update type')]
    if (type === undefined) fail(`unknown update type ${this.b[start]}`)
    const id = this.id('member id')
    const incarnation = this.varint(MAX_INCARNATION, 'incarnation')
    let u: Update
    if (type === 'alive') {
      const name = this.str(MAX_NAME_BYTES, 'name')
      const tags = this.tags()
      const count = this.varint(MAX_ADDRS, 'addr count')
      const addrs: string[] = []
      for (let i = 0; i < count; i++) {
        const a = this.str(MAX_ADDR_BYTES, 'addr')
        if (a.length === 0 || a.length > MAX_ADDR_CHARS) fail(`addr not 1..${MAX_ADDR_CHARS} chars`)
        addrs.push(a)
      }
      u = { type, id, incarnation, name, tags, addrs, sig: this.sig() }
    } else if (type === 'leave') {
      u = { type, id, incarnation, sig: this.sig() }
    } else {
      u = { type, id, incarnation, from: this.id('accuser id'), sig: this.sig() }
    }
    sizeCache.set(u, this.pos - start)
    return u
  }

  updates(): Update[] {
    const count = this.varint(MAX_UPDATES_PER_PACKET, 'update count')
    const out: Update[] = []
    for (let i = 0; i < count; i++) out.push(this.update())
    return out
  }

  buckets(bucketCount: number): number[] {
    const count = this.varint(bucketCount, 'bucket count')
    const seen = new Uint8Array(bucketCount)
    const out: number[] = []
    for (let i = 0; i < count; i++) {
      const b = this.varint(bucketCount - 1, 'bucket index')
      if (seen[b] === 1) fail(`duplicate bucket ${b}`)
      seen[b] = 1
      out.push(b)
    }
    return out
  }
}

function compareBytes(b: Uint8Array, a0: number, aLen: number, b0: number, bLen: number): number {
  const n = Math.min(aLen, bLen)
  for (let i = 0; i < n; i++) {
    const d = b[a0 + i]! - b[b0 + i]!
    if (d !== 0) return d
  }
  return aLen - bLen
}

/** Decodes and fully validates a packet from a peer; throws only InvalidInputError. */
export function decodePacket(bytes: Uint8Array): Packet {
  if (!(bytes instanceof Uint8Array)) fail('packet is not bytes')
  if (bytes.length > MAX_PACKET_BYTES) fail(`packet of ${bytes.length} bytes over ${MAX_PACKET_BYTES}`)
  if (bytes.length < 2) fail('truncated packet header')
  if (bytes[0] !== SWIM_WIRE_VERSION) fail(`unknown wire version ${bytes[0]}`)
  const r = new Reader(bytes, 2)
  const seq = (): number => r.varint(MAX_SEQ, 'seq')
  let p: Packet
  switch (bytes[1]) {
    case PACKET_CODE.ping:
      p = { type: 'ping', seq: seq(), updates: r.updates() }
      break
    case PACKET_CODE.ack: {
      p = { type: 'ack', seq: seq(), updates: r.updates() }
      const coord = r.coord()
      if (coord !== undefined) p.coord = coord
      break
    }
    case PACKET_CODE['ping-req']:
      p = { type: 'ping-req', seq: seq(), target: r.id('target'), updates: r.updates() }
      break
    case PACKET_CODE.nack:
      p = { type: 'nack', seq: seq() }
      break
    case PACKET_CODE.gossip:
      p = { type: 'gossip', updates: r.updates() }
      break
    case PACKET_CODE['sync-digest']: {
      p = { type: 'sync-digest', seq: seq(), count: r.varint(MAX_MEMBERS, 'count'), root: r.u32('root') }
      const coords = r.coordEntries()
      if (coords.length > 0) p.coords = coords
      break
    }
    case PACKET_CODE['sync-buckets']: {
      const s = seq()
      const bucketCount = r.bucketCount()
      const hashes = new Uint32Array(bucketCount)
      for (let i = 0; i < bucketCount; i++) hashes[i] = r.u32('hashes')
      p = { type: 'sync-buckets', seq: s, bucketCount, hashes }
      break
    }
    case PACKET_CODE['sync-entries']: {
      const s = seq()
      const bucketCount = r.bucketCount()
      const buckets = r.buckets(bucketCount)
      p = { type: 'sync-entries', seq: s, bucketCount, buckets, entries: r.updates(), reply: r.bool('reply') }
      break
    }
    default:
      fail(`unknown packet type ${bytes[1]}`)
  }
  if (!r.done) fail(`${bytes.length - r.pos} trailing bytes`)
  return p
}
