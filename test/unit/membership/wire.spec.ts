import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import fc from 'fast-check'
import { InvalidInputError } from '../../../src/errors.js'
import type { Coordinate } from '../../../src/membership/coords.js'
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
  SWIM_WIRE_VERSION as V,
} from '../../../src/membership/limits.js'
import type { AliveClaim, Packet, Update } from '../../../src/membership/messages.js'
import {
  compareUtf8,
  decodePacket,
  encodeClaimBody,
  encodedPacketSize,
  encodedUpdateSize,
  encodePacket,
  isMemberId,
  memberIdBytes,
  packetOverheadBytes,
} from '../../../src/membership/wire.js'

const invalid = { code: 'INVALID_INPUT' }
const sig = (fill = 7): Uint8Array => new Uint8Array(SIGNATURE_BYTES).fill(fill)
const ids: string[] = []
let A = ''
let B = ''

// A second encoder written from the format description alone, without validation: it checks the
// layout and builds the invalid inputs encodePacket refuses to make.
type Bytes = (number | Iterable<number>)[]
const flat = (parts: Bytes): number[] => parts.flatMap((p) => (typeof p === 'number' ? [p] : [...p]))
const vi = (n: number): number[] => {
  const out: number[] = []
  for (; n >= 128; n = Math.floor(n / 128)) out.push((n % 128) | 0x80)
  return [...out, n]
}
const str = (s: string): number[] => [...vi(Buffer.byteLength(s)), ...Buffer.from(s)]
const idb = (id: string): number[] => [...peerIdFromString(id).toMultihash().bytes]
const u32 = (n: number): number[] => [...Buffer.from(Uint32Array.of(n).buffer).reverse()]
interface RawAlive {
  id?: string
  inc?: number
  name?: string
  tags?: [string, string][]
  addrs?: string[]
  sigBytes?: Bytes
}
const rawAlive = (r: RawAlive = {}): number[] => {
  const tags = r.tags ?? []
  const addrs = r.addrs ?? []
  return flat([
    1,
    idb(r.id ?? A),
    vi(r.inc ?? 1),
    str(r.name ?? 'n'),
    vi(tags.length),
    ...tags.flatMap(([k, v]) => [str(k), str(v)]),
    vi(addrs.length),
    ...addrs.map(str),
    ...(r.sigBytes ?? [sig()]),
  ])
}
const gossip = (...updates: number[][]): Uint8Array =>
  Uint8Array.from([V, 5, ...vi(updates.length), ...updates.flat()])
const pkt = (type: number, ...fields: Bytes): Uint8Array => Uint8Array.from([V, type, ...flat(fields)])

const aliveOf = (extra: Partial<AliveClaim> = {}): AliveClaim => ({
  type: 'alive',
  id: A,
  incarnation: 1,
  name: 'n',
  tags: {},
  addrs: [],
  sig: sig(),
  ...extra,
})
const roundTrip = (p: Packet): Packet => decodePacket(encodePacket(p))
/** A coordinate whose values are exact in float32, so it round-trips unchanged. */
const COORD: Coordinate = {
  vec: [0.5, -0.25, 0.125, 0, -10, 10, 0.0625, -0],
  height: 0.001953125,
  error: 1.5,
  adjustment: -0.0078125,
}
const f32 = (...xs: number[]): number[] =>
  xs.flatMap((x) => [...Buffer.from(Float32Array.of(x).buffer).reverse()])
const rawCoord = (c: Coordinate, dim = c.vec.length): number[] => [
  dim,
  ...f32(...c.vec, c.height, c.error, c.adjustment),
]
const tagsOf = (n: number, valueBytes = 1): Record<string, string> =>
  Object.fromEntries(
    Array.from({ length: n }, (_, i) => [`k${String(i).padStart(2, '0')}`, 'v'.repeat(valueBytes)]),
  )

/** An alive claim of exactly `n` bytes on the wire (107 <= n <= ~32,700). */
function aliveOfSize(n: number): AliveClaim {
  const full = Math.floor((n - 107) / 518) // tags 'kNN' -> 512 bytes: 1 + 3 + 2 + 512
  const r = n - 107 - 518 * full
  if (r <= 127) return aliveOf({ incarnation: 0, name: 'x'.repeat(r), tags: tagsOf(full, 512) })
  // Else a 100-byte name and one more tag 'z' (2 bytes + 1 or 2 bytes of length + value).
  for (const v of [r - 103, r - 104, r - 105]) {
    const u = aliveOf({
      incarnation: 0,
      name: 'x'.repeat(100),
      tags: { ...tagsOf(full, 512), z: 'v'.repeat(v) },
    })
    if (encodedUpdateSize(u) === n) return u
  }
  throw new Error(`no alive claim of ${n} bytes`)
}

// fc.record may otherwise build null-prototype objects, which decoding never returns.
const NO_NULL_PROTO = { noNullPrototype: true }
// Strings around the UTF-16 / UTF-8 order mismatch (surrogates vs U+E000..U+FFFF).
const utf16Pair = () =>
  fc.string({
    unit: fc.constantFrom('a', '\u0080', '\ud7ff', '\ue000', '\uffff', '😀', '\u{10ffff}'),
    maxLength: 5,
  })

describe('membership: wire v3', () => {
  before(async () => {
    for (let i = 0; i < 4; i++) ids.push(peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString())
    ;[A = '', B = ''] = ids
  })

  it('round-trips every packet type, with limit values', () => {
    const full = aliveOf({
      incarnation: MAX_INCARNATION,
      name: 'é'.repeat(MAX_NAME_BYTES / 2),
      tags: { ...tagsOf(MAX_TAGS - 1, 3), ['k'.repeat(MAX_TAG_KEY_BYTES)]: `${'€'.repeat(170)}ab` },
      addrs: Array(MAX_ADDRS).fill(`/dns4/${'h'.repeat(MAX_ADDR_CHARS - 15)}/tcp/4001`),
    })
    const updates: Update[] = [
      full,
      aliveOf({ tags: { role: 'db', zone: 'eu-1' }, addrs: ['/ip4/10.0.0.1/tcp/4001'], name: 'ñode' }),
      { type: 'leave', id: B, incarnation: 0, sig: sig(1) },
      { type: 'suspect', id: A, incarnation: 1_700_000_000_000, from: B, sig: sig(2) },
      { type: 'dead', id: B, incarnation: 2 ** 31 + 5, from: A, sig: sig(3) },
    ]
    const packets: Packet[] = [
      { type: 'ping', seq: MAX_SEQ, updates },
      { type: 'ack', seq: 0, updates: [] },
      { type: 'ack', seq: 5, updates, coord: COORD },
      { type: 'ping-req', seq: 2 ** 31, target: B, updates: updates.slice(1) },
      { type: 'nack', seq: 77 },
      { type: 'gossip', updates },
      { type: 'sync-digest', seq: 9, count: MAX_MEMBERS, root: 0xffffffff },
      {
        type: 'sync-digest',
        seq: 9,
        count: 3,
        root: 1,
        coords: [
          { id: A, age: 0, coord: COORD },
          { id: B, age: MAX_COORD_AGE_S, coord: COORD },
        ],
      },
      { type: 'sync-buckets', seq: 9, bucketCount: 4, hashes: Uint32Array.of(0, 1, 0x80000000, 0xffffffff) },
      { type: 'sync-buckets', seq: 9, bucketCount: 0, hashes: new Uint32Array() },
      {
        type: 'sync-entries',
        seq: 1,
        bucketCount: MAX_BUCKETS,
        buckets: [1023, 0, 7],
        entries: updates,
        reply: true,
      },
      { type: 'sync-entries', seq: 1, bucketCount: 0, buckets: [], entries: [], reply: false },
    ]
    for (const p of packets) {
      const bytes = encodePacket(p)
      assert.equal(bytes.constructor, Uint8Array)
      assert.deepEqual(bytes.subarray(0, 1), Uint8Array.of(V))
      assert.equal(encodedPacketSize(p), bytes.length)
      const back = decodePacket(bytes)
      assert.deepStrictEqual(back, p)
      assert.deepEqual(encodePacket(back), bytes)
    }
  })

  it('lays fields out as documented', () => {
    const u = aliveOf({ name: 'n', tags: { b: '2', a: '1' }, addrs: ['/x'] })
    const expect = gossip(
      rawAlive({
        tags: [
          ['a', '1'],
          ['b', '2'],
        ],
        addrs: ['/x'],
      }),
    )
    assert.deepEqual(encodePacket({ type: 'gossip', updates: [u] }), expect)
    assert.deepEqual(encodePacket({ type: 'nack', seq: 300 }), pkt(4, vi(300)))
    assert.deepEqual(
      encodePacket({ type: 'sync-digest', seq: 1, count: 2, root: 0x01020304 }),
      pkt(6, 1, 2, 1, 2, 3, 4, 0),
    )
    const accusation: Update = { type: 'dead', id: A, incarnation: 300, from: B, sig: sig() }
    assert.deepEqual(
      encodePacket({ type: 'ping-req', seq: 1, target: B, updates: [accusation] }),
      pkt(3, 1, idb(B), 1, 4, idb(A), vi(300), idb(B), sig()),
    )
    assert.deepEqual(
      encodePacket({ type: 'sync-entries', seq: 1, bucketCount: 4, buckets: [3], entries: [], reply: true }),
      pkt(8, 1, 4, 1, 3, 0, 1),
    )
  })

  it('carries a coordinate on acks: 8 float32 components, height, error, adjustment; strict bounds', () => {
    assert.deepEqual(encodePacket({ type: 'ack', seq: 7, updates: [] }), pkt(2, 7, 0, 0))
    const withCoord = pkt(2, 7, 0, rawCoord(COORD))
    assert.deepEqual(encodePacket({ type: 'ack', seq: 7, updates: [], coord: COORD }), withCoord)
    assert.equal(withCoord.length, 4 + 1 + 44)
    assert.deepStrictEqual(decodePacket(withCoord), { type: 'ack', seq: 7, updates: [], coord: COORD })
    // The sender's doubles are sent as float32.
    const sent = decodePacket(
      encodePacket({ type: 'ack', seq: 1, updates: [], coord: { ...COORD, height: 0.1 } }),
    ) as { coord: Coordinate }
    assert.equal(sent.coord.height, Math.fround(0.1))

    const refused: [Partial<Coordinate>, RegExp][] = [
      [{ vec: [...COORD.vec, 0] }, /dimensions/],
      [{ vec: [Number.NaN, 0, 0, 0, 0, 0, 0, 0] }, /component/],
      [{ vec: [11, 0, 0, 0, 0, 0, 0, 0] }, /component/],
      [{ height: -0.001 }, /height/],
      [{ height: Number.POSITIVE_INFINITY }, /height/],
      [{ error: 1.6 }, /error/],
      [{ error: -1 }, /error/],
      [{ adjustment: -20 }, /adjustment/],
    ]
    for (const [patch, what] of refused) {
      const c = { ...COORD, ...patch }
      assert.throws(() => encodePacket({ type: 'ack', seq: 1, updates: [], coord: c }), {
        ...invalid,
        message: what,
      })
      if (patch.vec?.length === 9) continue
      assert.throws(() => decodePacket(pkt(2, 1, 0, rawCoord(c))), { ...invalid, message: what })
    }
    // Only 0 (none) or 8 dimensions; a short body is truncated; nothing may follow.
    assert.throws(() => decodePacket(pkt(2, 1, 0, rawCoord(COORD, 7))), {
      ...invalid,
      message: /7 dimensions/,
    })
    assert.throws(() => decodePacket(pkt(2, 1, 0, rawCoord(COORD).slice(0, 40))), {
      ...invalid,
      message: /truncated coordinate/,
    })
    assert.throws(() => decodePacket(pkt(2, 1, 0, 0, 0)), { ...invalid, message: /trailing/ })
    assert.throws(() => decodePacket(pkt(2, 1, 0)), { ...invalid, message: /truncated coordinate/ })
    // Pings carry none.
    assert.throws(() => decodePacket(pkt(1, 1, 0, rawCoord(COORD))), { ...invalid, message: /trailing/ })
  })

  it('carries a bounded list of coordinates on push-pull digests: id, age, coordinate; strict', () => {
    const entry = (id: string, age = 1, c: number[] = rawCoord(COORD)): number[] => [
      ...idb(id),
      ...vi(age),
      ...c,
    ]
    const digest = (...entries: number[][]): Uint8Array =>
      pkt(6, 1, 2, 1, 2, 3, 4, entries.length, ...entries.flat())
    assert.deepEqual(
      encodePacket({
        type: 'sync-digest',
        seq: 1,
        count: 2,
        root: 0x01020304,
        coords: [{ id: A, age: 300, coord: COORD }],
      }),
      digest(entry(A, 300)),
    )
    assert.deepStrictEqual(decodePacket(digest(entry(A), entry(B, 0))), {
      type: 'sync-digest',
      seq: 1,
      count: 2,
      root: 0x01020304,
      coords: [
        { id: A, age: 1, coord: COORD },
        { id: B, age: 0, coord: COORD },
      ],
    })
    const many = Array.from({ length: MAX_SYNC_COORDS + 1 }, (_, i) => ({
      id: `x${i}`,
      age: 0,
      coord: COORD,
    }))
    const refused: [Uint8Array, RegExp][] = [
      [pkt(6, 1, 2, 1, 2, 3, 4, vi(MAX_SYNC_COORDS + 1)), /coords count/],
      [digest(entry(A), entry(A)), /twice/],
      [digest(entry(A, MAX_COORD_AGE_S + 1)), /coords age/],
      [digest(entry(A, 1, [0])), /without a coordinate/],
      [digest(entry(A, 1, rawCoord(COORD, 7))), /7 dimensions/],
      [digest(entry(A, 1, rawCoord({ ...COORD, error: 2 }))), /error/],
      [digest(entry(A)).subarray(0, 60), /truncated/],
      [digest([...idb(A).map((b, i) => (i === 2 ? 9 : b)), 1, ...rawCoord(COORD)]), /peer id/],
      [pkt(6, 1, 2, 1, 2, 3, 4), /truncated coords count/],
    ]
    for (const [bytes, what] of refused)
      assert.throws(() => decodePacket(bytes), { ...invalid, message: what })
    const base = { type: 'sync-digest', seq: 1, count: 2, root: 1 } as const
    const bad: [unknown, RegExp][] = [
      [many.map((e, i) => ({ ...e, id: ids[i % 4]! })), /array of <=/],
      [
        [
          { id: A, age: 0, coord: COORD },
          { id: A, age: 0, coord: COORD },
        ],
        /twice/,
      ],
      [[{ id: A, age: -1, coord: COORD }], /coords age/],
      [[{ id: A, age: 0 }], /without a coordinate/],
      [[{ id: 'nope', age: 0, coord: COORD }], /peer id/],
      [{ length: 1 }, /array/],
    ]
    for (const [coords, what] of bad)
      assert.throws(() => encodePacket({ ...base, coords } as Packet), { ...invalid, message: what })
  })

  it('decodes plain objects; a "__proto__" tag is an own property, not a prototype', () => {
    const bytes = gossip(
      rawAlive({
        tags: [
          ['__proto__', 'x'],
          ['constructor', 'y'],
        ],
      }),
    )
    const p = decodePacket(bytes)
    assert.equal(p.type, 'gossip')
    const u = (p as { updates: AliveClaim[] }).updates[0]!
    assert.equal(Object.getPrototypeOf(u.tags), Object.prototype)
    assert.deepEqual(Object.keys(u.tags), ['__proto__', 'constructor'])
    assert.equal(Object.getOwnPropertyDescriptor(u.tags, '__proto__')?.value, 'x')
    assert.equal(({} as Record<string, unknown>).x, undefined)
    assert.deepEqual(encodePacket(p), bytes)
    assert.equal(u.sig.constructor, Uint8Array)
    // The signature is a copy, not a view of the packet.
    assert.equal(u.sig.buffer.byteLength, SIGNATURE_BYTES)
  })

  it('accepts every limit at the limit and rejects it at limit + 1, both ways', () => {
    const ok = (u: AliveClaim, raw: RawAlive) => {
      assert.deepStrictEqual(roundTrip({ type: 'gossip', updates: [u] }), { type: 'gossip', updates: [u] })
      assert.ok(decodePacket(gossip(rawAlive(raw))))
    }
    const bad = (u: AliveClaim, raw: RawAlive, what: RegExp) => {
      assert.throws(() => encodePacket({ type: 'gossip', updates: [u] }), { ...invalid, message: what })
      assert.throws(() => decodePacket(gossip(rawAlive(raw))), { ...invalid, message: what })
    }
    const name = (n: number) => 'é'.repeat(n / 2)
    ok(aliveOf({ name: name(MAX_NAME_BYTES) }), { name: name(MAX_NAME_BYTES) })
    bad(aliveOf({ name: `${name(MAX_NAME_BYTES)}x` }), { name: `${name(MAX_NAME_BYTES)}x` }, /name/)
    const entries = (n: number): [string, string][] => Object.entries(tagsOf(n))
    ok(aliveOf({ tags: tagsOf(MAX_TAGS) }), { tags: entries(MAX_TAGS) })
    bad(aliveOf({ tags: tagsOf(MAX_TAGS + 1) }), { tags: entries(MAX_TAGS + 1) }, /tag/)
    const key = (n: number) => '€'.repeat(Math.floor(n / 3)) + 'k'.repeat(n % 3)
    ok(aliveOf({ tags: { [key(MAX_TAG_KEY_BYTES)]: 'v' } }), { tags: [[key(MAX_TAG_KEY_BYTES), 'v']] })
    bad(
      aliveOf({ tags: { [key(MAX_TAG_KEY_BYTES + 1)]: 'v' } }),
      { tags: [[key(MAX_TAG_KEY_BYTES + 1), 'v']] },
      /tag key/,
    )
    const value = key
    ok(aliveOf({ tags: { k: value(MAX_TAG_VALUE_BYTES) } }), { tags: [['k', value(MAX_TAG_VALUE_BYTES)]] })
    bad(
      aliveOf({ tags: { k: value(MAX_TAG_VALUE_BYTES + 1) } }),
      { tags: [['k', value(MAX_TAG_VALUE_BYTES + 1)]] },
      /tag value/,
    )
    bad(aliveOf({ tags: { '': 'v' } }), { tags: [['', 'v']] }, /empty tag key/)
    const addrs = (n: number) => Array.from({ length: n }, (_, i) => `/a/${i}`)
    ok(aliveOf({ addrs: addrs(MAX_ADDRS) }), { addrs: addrs(MAX_ADDRS) })
    bad(aliveOf({ addrs: addrs(MAX_ADDRS + 1) }), { addrs: addrs(MAX_ADDRS + 1) }, /addr/)
    // Addrs are bounded in chars: 256 three-byte chars pass, 257 ASCII ones do not.
    ok(aliveOf({ addrs: ['€'.repeat(MAX_ADDR_CHARS)] }), { addrs: ['€'.repeat(MAX_ADDR_CHARS)] })
    bad(
      aliveOf({ addrs: ['a'.repeat(MAX_ADDR_CHARS + 1)] }),
      { addrs: ['a'.repeat(MAX_ADDR_CHARS + 1)] },
      /addr/,
    )
    bad(aliveOf({ addrs: [''] }), { addrs: [''] }, /addr/)
    ok(aliveOf({ incarnation: MAX_INCARNATION }), { inc: MAX_INCARNATION })
    bad(aliveOf({ incarnation: MAX_INCARNATION + 1 }), { inc: MAX_INCARNATION + 1 }, /incarnation/)
    bad(aliveOf({ incarnation: 1.5 }), { inc: 2 ** 56 }, /incarnation/)
    bad(aliveOf({ incarnation: -1 }), { inc: 2 ** 60 }, /incarnation/)
    bad(aliveOf({ sig: sig().subarray(1) }), { sigBytes: [sig().subarray(1)] }, /sig/)
    assert.throws(
      () => encodePacket({ type: 'gossip', updates: [aliveOf({ sig: new Uint8Array(65) })] }),
      invalid,
    )
    assert.throws(() => decodePacket(gossip(rawAlive({ sigBytes: [sig(), 0] }))), {
      ...invalid,
      message: /trailing/,
    })

    const seqOk: Packet = { type: 'nack', seq: MAX_SEQ }
    assert.deepEqual(roundTrip(seqOk), seqOk)
    assert.throws(() => encodePacket({ type: 'nack', seq: MAX_SEQ + 1 }), { ...invalid, message: /seq/ })
    assert.throws(() => decodePacket(pkt(4, vi(MAX_SEQ + 1))), { ...invalid, message: /seq/ })

    const digest = (count: number): Packet => ({ type: 'sync-digest', seq: 1, count, root: 5 })
    assert.deepEqual(roundTrip(digest(MAX_MEMBERS)), digest(MAX_MEMBERS))
    assert.throws(() => encodePacket(digest(MAX_MEMBERS + 1)), { ...invalid, message: /count/ })
    assert.throws(() => decodePacket(pkt(6, 1, vi(MAX_MEMBERS + 1), u32(5))), {
      ...invalid,
      message: /count/,
    })
    assert.throws(() => encodePacket({ type: 'sync-digest', seq: 1, count: 1, root: 2 ** 32 }), {
      ...invalid,
      message: /root/,
    })

    const buckets = (n: number): Packet => ({
      type: 'sync-buckets',
      seq: 1,
      bucketCount: n,
      hashes: new Uint32Array(n),
    })
    assert.deepStrictEqual(roundTrip(buckets(MAX_BUCKETS)), buckets(MAX_BUCKETS))
    for (const n of [MAX_BUCKETS * 2, 3, 6]) {
      assert.throws(() => encodePacket(buckets(n)), { ...invalid, message: /bucketCount/ })
      assert.throws(() => decodePacket(pkt(7, 1, vi(n), new Uint8Array(4 * n))), {
        ...invalid,
        message: /bucketCount/,
      })
    }
    const wrongLength = { type: 'sync-buckets', seq: 1, bucketCount: 4, hashes: new Uint32Array(2) } as const
    assert.throws(() => encodePacket(wrongLength), { ...invalid, message: /hashes/ })
    assert.throws(() => decodePacket(pkt(7, 1, 4, new Uint8Array(8))), { ...invalid, message: /truncated/ })
    assert.throws(() => decodePacket(pkt(7, 1, 4, new Uint8Array(20))), { ...invalid, message: /trailing/ })

    const entries2 = (bucketCount: number, list: number[]): Packet =>
      ({ type: 'sync-entries', seq: 1, bucketCount, buckets: list, entries: [], reply: false }) as Packet
    assert.deepEqual(roundTrip(entries2(8, [7, 0])), entries2(8, [7, 0]))
    assert.throws(() => encodePacket(entries2(8, [8])), { ...invalid, message: /bucket/ })
    assert.throws(() => decodePacket(pkt(8, 1, 8, 1, 8, 0, 0)), { ...invalid, message: /bucket/ })
    assert.throws(() => encodePacket(entries2(8, [1, 1])), { ...invalid, message: /duplicate bucket/ })
    assert.throws(() => decodePacket(pkt(8, 1, 8, 2, 1, 1, 0, 0)), {
      ...invalid,
      message: /duplicate bucket/,
    })
    assert.throws(() => decodePacket(pkt(8, 1, 0, 1, 0, 0, 0)), { ...invalid, message: /bucket/ })
    assert.throws(() => decodePacket(pkt(8, 1, 8, 0, 0, 2)), { ...invalid, message: /reply/ })
    assert.throws(() => encodePacket({ ...entries2(8, []), reply: 1 } as never), {
      ...invalid,
      message: /reply/,
    })
  })

  it('enforces MAX_PACKET_BYTES exactly and the update count', () => {
    const half = MAX_PACKET_BYTES / 2
    const p: Packet = { type: 'gossip', updates: [aliveOfSize(half - 2), aliveOfSize(half - 1)] }
    const bytes = encodePacket(p)
    assert.equal(bytes.length, MAX_PACKET_BYTES)
    assert.deepStrictEqual(decodePacket(bytes), p)
    const over: Packet = { type: 'gossip', updates: [aliveOfSize(half - 2), aliveOfSize(half)] }
    assert.equal(encodedPacketSize(over), MAX_PACKET_BYTES + 1)
    assert.throws(() => encodePacket(over), { ...invalid, message: /over 65536/ })
    const big = new Uint8Array(MAX_PACKET_BYTES + 1)
    big.set(bytes)
    assert.throws(() => decodePacket(big), { ...invalid, message: /over 65536/ })
    // 1024 updates cannot fit in 64 KiB (a leave is 104 bytes), so the count limit is checked alone.
    assert.equal(packetOverheadBytes({ type: 'gossip' }, MAX_UPDATES_PER_PACKET), 4)
    assert.throws(() => packetOverheadBytes({ type: 'gossip' }, MAX_UPDATES_PER_PACKET + 1), invalid)
    const leave: Update = { type: 'leave', id: A, incarnation: 0, sig: sig() }
    assert.throws(
      () => encodePacket({ type: 'gossip', updates: Array(MAX_UPDATES_PER_PACKET + 1).fill(leave) }),
      invalid,
    )
    assert.throws(() => decodePacket(pkt(5, vi(MAX_UPDATES_PER_PACKET + 1))), {
      ...invalid,
      message: /update count/,
    })
    assert.throws(() => decodePacket(pkt(5, vi(MAX_UPDATES_PER_PACKET))), {
      ...invalid,
      message: /truncated/,
    })
  })

  it('accepts only canonical Ed25519 peer ids as member ids', async () => {
    const secp = peerIdFromPrivateKey(await generateKeyPair('secp256k1'))
    const ed = peerIdFromString(A)
    const notIds = [
      'not-a-peer-id',
      '',
      secp.toString(),
      ed.toCID().toString(),
      `${A.slice(0, -1)}0`,
      `${A}1`,
    ]
    for (const id of notIds) {
      assert.equal(isMemberId(id), false, id)
      assert.throws(() => encodePacket({ type: 'gossip', updates: [aliveOf({ id })] }), invalid, id)
      assert.throws(() => encodePacket({ type: 'ping-req', seq: 1, target: id, updates: [] }), invalid, id)
      assert.throws(
        () =>
          encodePacket({
            type: 'gossip',
            updates: [{ type: 'dead', id: A, incarnation: 1, from: id, sig: sig() }],
          }),
        invalid,
      )
    }
    assert.throws(() => encodePacket({ type: 'gossip', updates: [aliveOf({ id: 42 as never })] }), invalid)
    assert.equal(isMemberId(A), true)
    assert.deepEqual(memberIdBytes(A), ed.toMultihash().bytes)
    // On the wire: a secp256k1 multihash (39 bytes, key type 2), or a flipped header byte.
    const secpBytes = [...secp.toMultihash().bytes]
    assert.throws(() => decodePacket(pkt(3, 1, secpBytes, 0)), { ...invalid, message: /target/ })
    const flipped = idb(A)
    flipped[3] = 2
    assert.throws(() => decodePacket(pkt(3, 1, flipped, 0)), { ...invalid, message: /target/ })
    const back = decodePacket(pkt(3, 1, idb(A), 0))
    assert.equal((back as { target: string }).target, A)
    // Any 32 key bytes make an id (no curve check here; a bad key just never verifies).
    for (const fill of [0, 0xff]) {
      const bytes = pkt(3, 1, [...idb(A).slice(0, 6), ...new Uint8Array(32).fill(fill)], 0)
      const target = (decodePacket(bytes) as { target: string }).target
      assert.match(target, /^12D3KooW/)
      assert.deepEqual(encodePacket(decodePacket(bytes)), bytes)
    }
  })

  it('rejects malformed framing: version, types, varints, UTF-8, BOM kept', () => {
    const bad = (bytes: Uint8Array, what: RegExp) =>
      assert.throws(() => decodePacket(bytes), { ...invalid, message: what })
    bad(new Uint8Array(), /truncated/)
    bad(Uint8Array.of(2), /truncated/)
    bad(Uint8Array.of(1, 4, 0), /version/)
    // v2 (before coordinates) is refused as a whole, not half understood.
    bad(Uint8Array.of(2, 4, 0), /unknown wire version 2/)
    bad(pkt(0, 0), /packet type/)
    bad(pkt(9, 0), /packet type/)
    bad(pkt(4), /truncated seq/)
    bad(pkt(4, 0, 0), /trailing/)
    bad(pkt(4, 0x80, 0), /non-minimal/)
    bad(pkt(4, 0x81, 0x80, 0x00), /non-minimal/)
    bad(pkt(4, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), /overlong/)
    bad(pkt(4, 0x80), /truncated/)
    bad(gossip([0, ...rawAlive().slice(1)]), /update type/)
    bad(gossip([5, ...rawAlive().slice(1)]), /update type/)
    const badUtf8 = rawAlive({ name: 'ab' })
    badUtf8[1 + 38 + 1 + 1] = 0xff
    bad(gossip(badUtf8), /UTF-8/)
    bad(gossip(rawAlive({ name: 'ab' }).slice(0, 50)), /truncated/)
    assert.throws(() => decodePacket('not bytes' as never), invalid)
    // Encoding refuses strings that would not come back unchanged.
    assert.throws(() => encodePacket({ type: 'gossip', updates: [aliveOf({ name: '\ud800' })] }), {
      ...invalid,
      message: /Unicode/,
    })
    const bom = aliveOf({ name: '\ufeffname' })
    assert.deepStrictEqual(roundTrip({ type: 'gossip', updates: [bom] }), { type: 'gossip', updates: [bom] })
    assert.throws(() => encodePacket({ type: 'what' } as never), invalid)
    assert.throws(() => encodePacket(null as never), invalid)
    assert.throws(() => encodePacket({ type: 'gossip', updates: [null as never] }), invalid)
    assert.throws(() => encodePacket({ type: 'ping', seq: 1 } as never), { ...invalid, message: /updates/ })
    assert.throws(
      () => encodePacket({ type: 'sync-entries', seq: 1, bucketCount: 0, buckets: [], reply: true } as never),
      {
        ...invalid,
        message: /entries/,
      },
    )
  })

  it('encodes tags sorted by UTF-8 bytes and rejects unsorted or duplicate keys', () => {
    const a = aliveOf({ tags: { zz: '1', '\ue000': '2', '\u{10000}': '3', a: '4' } })
    const b = aliveOf({ tags: { '\u{10000}': '3', a: '4', '\ue000': '2', zz: '1' } })
    assert.deepEqual(
      encodePacket({ type: 'gossip', updates: [a] }),
      encodePacket({ type: 'gossip', updates: [b] }),
    )
    assert.deepEqual(encodeClaimBody(a), encodeClaimBody(b))
    const order = Object.keys(
      (decodePacket(encodePacket({ type: 'gossip', updates: [a] })) as never as { updates: AliveClaim[] })
        .updates[0]!.tags,
    )
    assert.deepEqual(order, ['a', 'zz', '\ue000', '\u{10000}'])
    assert.throws(
      () =>
        decodePacket(
          gossip(
            rawAlive({
              tags: [
                ['b', '1'],
                ['a', '2'],
              ],
            }),
          ),
        ),
      { ...invalid, message: /order/ },
    )
    assert.throws(
      () =>
        decodePacket(
          gossip(
            rawAlive({
              tags: [
                ['a', '1'],
                ['a', '2'],
              ],
            }),
          ),
        ),
      { ...invalid, message: /duplicate/ },
    )
    fc.assert(
      fc.property(utf16Pair(), utf16Pair(), (x, y) => {
        assert.equal(Math.sign(compareUtf8(x, y)), Math.sign(Buffer.compare(Buffer.from(x), Buffer.from(y))))
      }),
      { numRuns: 500 },
    )
  })

  it('claim bodies: domain prefix, no sig, type-separated', () => {
    const s: Update = { type: 'suspect', id: A, incarnation: 3, from: B, sig: sig(1) }
    const d: Update = { ...s, type: 'dead', sig: sig(2) }
    const body = encodeClaimBody(s)
    assert.equal(Buffer.from(body.subarray(0, 21)).toString(), 'murmur/swim/2 suspect')
    assert.deepEqual(body, encodeClaimBody({ ...s, sig: sig(9) }))
    assert.notDeepEqual(encodeClaimBody(d).subarray(0, 21), body.subarray(0, 21))
    assert.equal(
      encodeClaimBody({ type: 'leave', id: A, incarnation: 3 }).length,
      'murmur/swim/2 leave'.length + 38 + 1,
    )
    assert.throws(() => encodeClaimBody({ type: 'leave', id: 'nope', incarnation: 3 }), invalid)
  })

  it('sizes: overhead + update sizes = encoded length; a mutated cached update is refused', () => {
    const u = aliveOf({ name: 'a' })
    const head = { type: 'ping' as const, seq: 300 }
    const size = packetOverheadBytes(head, 3) + 3 * encodedUpdateSize(u)
    assert.equal(encodePacket({ ...head, updates: [u, u, u] }).length, size)
    u.name = 'much longer name'
    assert.throws(() => encodePacket({ ...head, updates: [u] }), invalid)
  })

  // Valid packets over the real ids, small enough for thousands of runs.
  const arbs = () => {
    const id = fc.constantFrom(...ids)
    const text = (maxBytes: number, minLength = 0) =>
      fc
        .string({ unit: fc.constantFrom('a', 'é', '€', '😀', '\u0000', '\ufeff'), minLength, maxLength: 8 })
        .filter((s) => Buffer.byteLength(s) <= maxBytes)
    const inc = fc.oneof(
      fc.nat(200),
      fc.integer({ min: 0, max: MAX_INCARNATION }),
      fc.constant(MAX_INCARNATION),
    )
    const seq = fc.oneof(fc.nat(300), fc.constant(MAX_SEQ))
    const sigArb = fc.uint8Array({ minLength: SIGNATURE_BYTES, maxLength: SIGNATURE_BYTES })
    const update: fc.Arbitrary<Update> = fc.oneof(
      fc.record(
        {
          type: fc.constant('alive' as const),
          id,
          incarnation: inc,
          name: text(MAX_NAME_BYTES),
          tags: fc.dictionary(
            fc.oneof(text(MAX_TAG_KEY_BYTES, 1), fc.constant('__proto__')),
            text(MAX_TAG_VALUE_BYTES),
            {
              maxKeys: 4,
              noNullPrototype: true,
            },
          ),
          addrs: fc.array(text(MAX_ADDR_CHARS, 1), { maxLength: 3 }),
          sig: sigArb,
        },
        NO_NULL_PROTO,
      ),
      fc.record({ type: fc.constant('leave' as const), id, incarnation: inc, sig: sigArb }, NO_NULL_PROTO),
      fc.record(
        {
          type: fc.constantFrom('suspect' as const, 'dead' as const),
          id,
          incarnation: inc,
          from: id,
          sig: sigArb,
        },
        NO_NULL_PROTO,
      ),
    )
    const updates = fc.array(update, { maxLength: 4 })
    const f32 = (min: number, max: number) => fc.float({ min, max, noNaN: true })
    const coordArb = fc.record(
      {
        vec: fc.array(f32(-10, 10), { minLength: 8, maxLength: 8 }),
        height: f32(0, 10),
        error: f32(0, 1.5),
        adjustment: f32(-10, 10),
      },
      NO_NULL_PROTO,
    )
    const pow2 = fc.nat(10).map((e) => 2 ** e)
    const packet: fc.Arbitrary<Packet> = fc.oneof(
      fc.record({ type: fc.constantFrom('ping' as const, 'ack' as const), seq, updates }, NO_NULL_PROTO),
      fc.record({ type: fc.constant('ack' as const), seq, updates, coord: coordArb }, NO_NULL_PROTO),
      fc.record({ type: fc.constant('ping-req' as const), seq, target: id, updates }, NO_NULL_PROTO),
      fc.record({ type: fc.constant('nack' as const), seq }, NO_NULL_PROTO),
      fc.record({ type: fc.constant('gossip' as const), updates }, NO_NULL_PROTO),
      fc.record(
        {
          type: fc.constant('sync-digest' as const),
          seq,
          count: fc.nat(MAX_MEMBERS),
          root: fc.nat({ max: 2 ** 32 - 1 }),
        },
        NO_NULL_PROTO,
      ),
      fc
        .oneof(
          fc.constant(0),
          fc.nat(4).map((e) => 2 ** e),
        )
        .chain((bucketCount) =>
          fc.record(
            {
              type: fc.constant('sync-buckets' as const),
              seq,
              bucketCount: fc.constant(bucketCount),
              hashes: fc
                .array(fc.nat({ max: 2 ** 32 - 1 }), { minLength: bucketCount, maxLength: bucketCount })
                .map((h) => Uint32Array.from(h)),
            },
            NO_NULL_PROTO,
          ),
        ),
      pow2.chain((bucketCount) =>
        fc.record(
          {
            type: fc.constant('sync-entries' as const),
            seq,
            bucketCount: fc.constant(bucketCount),
            buckets: fc.uniqueArray(fc.nat(bucketCount - 1), { maxLength: 4 }),
            entries: updates,
            reply: fc.boolean(),
          },
          NO_NULL_PROTO,
        ),
      ),
    )
    return { packet }
  }

  it('property: valid packets round-trip and encodedPacketSize is exact', () => {
    fc.assert(
      fc.property(arbs().packet, (p) => {
        const size = encodedPacketSize(p)
        const bytes = encodePacket(p)
        assert.equal(size, bytes.length)
        assert.deepStrictEqual(decodePacket(bytes), p)
      }),
      { numRuns: 2000 },
    )
  })

  // Either InvalidInputError, or a packet whose encoding is exactly the input (the encoding is canonical).
  const decodesCanonicallyOrRejects = (bytes: Uint8Array) => {
    let p: Packet
    try {
      p = decodePacket(bytes)
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err
      return
    }
    assert.deepEqual(encodePacket(p), bytes)
  }

  it('property: arbitrary and mutated bytes only ever throw InvalidInputError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), decodesCanonicallyOrRejects), { numRuns: 1000 })
    fc.assert(
      fc.property(fc.nat(8), fc.uint8Array({ maxLength: 120 }), (t, rest) =>
        decodesCanonicallyOrRejects(Uint8Array.from([V, t, ...rest])),
      ),
      { numRuns: 1000 },
    )
    const mutation = fc.record(
      { at: fc.nat(), value: fc.nat(255), cut: fc.nat(), kind: fc.nat(3) },
      NO_NULL_PROTO,
    )
    fc.assert(
      fc.property(arbs().packet, fc.array(mutation, { minLength: 1, maxLength: 3 }), (p, ms) => {
        let bytes = encodePacket(p)
        for (const { at, value, cut, kind } of ms) {
          const i = at % (bytes.length + 1)
          if (kind === 0) bytes = bytes.slice(0, cut % (bytes.length + 1))
          else if (kind === 1 && i < bytes.length) bytes[i] = value
          else if (kind === 2) bytes = Uint8Array.from([...bytes.subarray(0, i), value, ...bytes.subarray(i)])
          else bytes = Uint8Array.from([...bytes.subarray(0, i), ...bytes.subarray(i + 1)])
        }
        decodesCanonicallyOrRejects(bytes)
      }),
      { numRuns: 2000 },
    )
  })
})
