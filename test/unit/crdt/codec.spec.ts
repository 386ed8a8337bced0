import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  type CrdtRecord,
  type Delta,
  decodeEntry,
  decodeMessage,
  encodeDeltaFrames,
  encodeEntry,
  encodeMessage,
  FORMAT_VERSION,
  MAX_DELTAS_PER_FRAME,
  MAX_FRAME_BYTES,
  type Message,
  packItems,
  Replica,
} from '../../../src/crdt/index.js'
import * as pb from '../../../src/crdt/pb/records.js'
import { FakeClock } from '../../../src/util/clock.js'

const enc = new TextEncoder()
const SIG = new Uint8Array(64)
const lww = (over: Partial<pb.Lww> = {}): pb.Lww => ({
  wall: 1,
  logical: 0,
  origin: 'A',
  seq: 1,
  value: enc.encode('"v"'),
  proof: SIG,
  ...over,
})
const delta = (
  over: Partial<pb.Delta> = {},
  rec: Partial<pb.Lww> = {},
  entry: Partial<pb.Entry> = {},
): pb.Delta => ({
  entry: { id: 'k\u0000key', lww: lww(rec), ...entry },
  ...over,
})
const set = (over: Partial<pb.AddRemoveSet> = {}): pb.AddRemoveSet => ({
  adds: [{ origin: 'A', seq: 1 }],
  removed: [],
  dots: [{ origin: 'A', seq: 1 }],
  proofs: [{ origin: 'A', proof: SIG }],
  removals: [],
  ...over,
})
const setDelta = (over: Partial<pb.AddRemoveSet> = {}): pb.Delta => ({
  entry: { id: 's\u0000team\u0000alice', set: set(over) },
  dotOrigin: 'A',
  dotSeq: 1,
})
const raw = (deltas: pb.Delta[], version = FORMAT_VERSION): Uint8Array =>
  new Uint8Array([version, ...pb.DeltaFrame.encode({ deltas })])
const invalid = (bytes: Uint8Array, message?: RegExp) =>
  assert.throws(
    () => decodeMessage(bytes),
    message ? { code: 'INVALID_INPUT', message } : { code: 'INVALID_INPUT' },
  )

function sample(): Replica {
  const r = new Replica('A', new FakeClock())
  r.kvSet('k', { nested: [1, 'two', null] })
  r.kvSet('gone', 1)
  r.kvDel('gone')
  r.setAdd('s', ['x', 'y'])
  r.setRemove('s', ['y'])
  r.counterAdd('c', -3)
  return r
}

// Valid records of every type, with proofs of every valid length and peer-id-like origins.
const ORIGINS = ['12D3KooWA', '12D3KooWB', 'QmC', 'bafzD', 'E'] as const
const origin = fc.constantFrom(...ORIGINS)
const proof = fc
  .integer({ min: 0, max: 8 })
  .chain((k) =>
    fc.uint8Array({ minLength: k === 0 ? 64 : 65 + 16 * k, maxLength: k === 0 ? 64 : 65 + 16 * k }),
  )
const b64 = proof.map((p) => Buffer.from(p).toString('base64'))
const seq = fc.integer({ min: 1, max: 2 ** 48 })
const map = (min: number, max: number, minKeys = 0) =>
  fc.dictionary(origin, fc.integer({ min, max }), { minKeys, noNullPrototype: true })
const sigsOf = (keys: string[]) =>
  fc.tuple(...keys.map(() => b64)).map((ss) => Object.fromEntries(keys.map((k, i) => [k, ss[i]!])))
const lwwArb = fc
  .record({
    wall: fc.integer({ min: 0, max: 2 ** 47 }),
    logical: fc.integer({ min: 0, max: 2 ** 31 }),
    origin,
    seq,
    value: fc.oneof(
      fc.constant(null),
      // As a replica holds values: through JSON once (normalizeValue), so no -0.
      fc
        .jsonValue({ maxDepth: 3 })
        .filter((v) => v !== null)
        .map((v) => JSON.parse(JSON.stringify(v))),
    ),
    sig: b64,
  })
  .map(({ wall, logical, origin, seq, value, sig }): [string, CrdtRecord] => [
    'k\u0000key',
    { t: 'lww', hlc: { wall, logical }, origin, value: value as never, dots: { [origin]: seq }, sig },
  ])
const setArb = fc.tuple(map(1, 2 ** 40, 1), map(0, 2 ** 40)).chain(([adds, cut]) => {
  const removed: Record<string, number> = {}
  for (const o of Object.keys(adds)) if ((cut[o] ?? 0) > 0) removed[o] = Math.min(cut[o]!, adds[o]!)
  const dots = Object.fromEntries(Object.keys(adds).map((o) => [o, adds[o]! + 1]))
  const rkeys = Object.keys(removed)
  return fc
    .tuple(sigsOf(Object.keys(dots)), fc.tuple(...rkeys.map(() => fc.tuple(origin, b64))))
    .map(([sigs, rs]): [string, CrdtRecord] => [
      's\u0000team\u0000alice',
      {
        t: 'set',
        adds,
        removed,
        dots,
        sigs,
        rsigs: Object.fromEntries(rkeys.map((k, i) => [k, rs[i]! as readonly [string, string]])),
      },
    ])
})
const counterArb = fc.tuple(map(1, 2 ** 48, 1), map(0, 2 ** 41), map(0, 2 ** 41)).chain(([dots, p, n]) => {
  const keep = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).filter(([o]) => o in dots))
  return sigsOf(Object.keys(dots)).map((sigs): [string, CrdtRecord] => [
    'c\u0000hits',
    { t: 'counter', p: keep(p), n: keep(n), dots, sigs },
  ])
})

describe('codec', () => {
  it('gives back exactly any valid record it encoded, of every type', () => {
    fc.assert(
      fc.property(fc.oneof(lwwArb, setArb, counterArb), ([id, r]) => {
        assert.deepStrictEqual(decodeEntry(encodeEntry(id, r)), [id, r])
      }),
      { numRuns: 500 },
    )
  })

  it('round-trips a delta batch of every record type, a register without repeating its dot', () => {
    const r = sample()
    const deltas: Delta[] = [...r.entries()].map(([id, record]) => ({
      id,
      record,
      dot: { origin: 'A', seq: record.dots.A! },
    }))
    const m: Message = { type: 'delta', deltas }
    const bytes = encodeMessage(m)
    assert.equal(bytes[0], 4)
    assert.deepStrictEqual(decodeMessage(bytes), m)
    const d = pb.DeltaFrame.decode(bytes.subarray(1))
    assert.ok(d.deltas.every((x) => (x.entry?.lww === undefined) === (x.dotOrigin !== undefined)))
  })

  it('splits large batches into frames under the limit', () => {
    const r = new Replica('A', new FakeClock())
    for (let i = 0; i < 300; i++) r.kvSet(`key-${i}`, 'x'.repeat(100))
    assert.equal(encodeDeltaFrames([]).length, 0)
    const all = [...r.entries()].map(([id, record]) => ({
      id,
      record,
      dot: { origin: 'A', seq: record.dots.A! },
    }))
    const deltaFrames = encodeDeltaFrames(all, 4096)
    assert.ok(deltaFrames.length > 5 && deltaFrames.every((f) => f.length <= 4096))
    assert.deepStrictEqual(
      deltaFrames.flatMap((f) => decodeMessage(f).deltas),
      all,
    )
  })

  it('refuses to encode a frame over the limit', () => {
    const r = new Replica('A', new FakeClock())
    const deltas = r.kvSet('k', 'x'.repeat(2000)).deltas
    assert.throws(() => encodeMessage({ type: 'delta', deltas }, 1000), { code: 'TOO_LARGE' })
    assert.throws(() => encodeDeltaFrames(deltas, 1000), { code: 'TOO_LARGE' })
  })

  it('accepts the hand-built valid deltas used by the negative cases', () => {
    assert.equal(decodeMessage(raw([delta()])).deltas.length, 1)
    assert.equal(decodeMessage(raw([setDelta()])).deltas.length, 1)
  })

  it('rejects bad framing: version, emptiness, size, truncated or garbage protobuf', () => {
    invalid(raw([delta()], 3), /format version 3 \(this peer speaks 4\)/)
    invalid(new Uint8Array(0))
    invalid(new Uint8Array(MAX_FRAME_BYTES + 1), /exceeds/)
    const good = raw([delta()])
    invalid(good.subarray(0, good.length - 3))
    invalid(
      new Uint8Array([FORMAT_VERSION, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
    )
    invalid(raw(Array.from({ length: MAX_DELTAS_PER_FRAME + 1 }, () => delta())), /too many/)
  })

  it('rejects out-of-range numbers, empty or doubled maps and entries of no or two types', () => {
    invalid(raw([delta({}, { seq: 0 })]), /lww seq/)
    invalid(raw([delta({}, { seq: 2 ** 48 + 1 })]), /lww seq/)
    invalid(raw([delta({}, { wall: 2 ** 47 + 1 })]), /hlc wall/)
    invalid(raw([setDelta({ dots: [] })]), /must not be empty/)
    invalid(
      raw([
        setDelta({
          adds: [
            { origin: 'A', seq: 1 },
            { origin: 'A', seq: 1 },
          ],
        }),
      ]),
      /twice/,
    )
    invalid(raw([setDelta({ adds: [{ origin: 'A', seq: 0 }] })]), /adds/)
    invalid(raw([{ entry: { id: 'k\u0000key' } }]), /exactly one/)
    invalid(raw([delta({}, {}, { set: set() })]), /exactly one/)
    invalid(raw([{}]), /carries its entry/)
    invalid(raw([{ ...setDelta(), dotOrigin: undefined, dotSeq: undefined }]), /carries its dot/)
  })

  it('rejects ids that do not match the record type, broken invariants and bad origins', () => {
    invalid(raw([delta({}, {}, { id: 'c\u0000key' })]), /names a counter record/)
    invalid(raw([delta({}, {}, { id: 'k\u0000a\u0000b' })]), /malformed record id/)
    invalid(raw([delta({}, {}, { id: `k\u0000${'x'.repeat(513)}` })]), /malformed/)
    invalid(raw([delta({ dotOrigin: 'A', dotSeq: 2 })]), /own dot/)
    invalid(raw([delta({ dotOrigin: '__proto__', dotSeq: 1 })]), /peer id/)
    invalid(raw([delta({}, { origin: '_x' })]), /peer id/)
    invalid(raw([setDelta({ adds: [{ origin: 'A', seq: 2 }] })]), /add without its dot/)
  })

  it('rejects proofs of the wrong length and records whose proofs do not match their origins', () => {
    invalid(raw([delta({}, { proof: new Uint8Array(63) })]), /64-byte signature or a batch proof/)
    invalid(raw([delta({}, { proof: new Uint8Array(65 + 16 * 9) })]), /batch proof/)
    invalid(raw([delta({}, { proof: new Uint8Array(0) })]), /batch proof/)
    invalid(
      raw([
        setDelta({
          dots: [
            { origin: 'A', seq: 1 },
            { origin: 'B', seq: 1 },
          ],
        }),
      ]),
      /one signature per origin/,
    )
  })

  it('rejects values that are not JSON, too large or too deep, and a null that is no tombstone', () => {
    invalid(raw([delta({}, { value: enc.encode('{"a":') })]), /UTF-8 JSON/)
    invalid(raw([delta({}, { value: Uint8Array.of(0xff, 0xfe) })]), /UTF-8 JSON/)
    invalid(raw([delta({}, { value: enc.encode(JSON.stringify('x'.repeat(70_000))) })]), /65536/)
    invalid(raw([delta({}, { value: enc.encode(`${'['.repeat(100)}${']'.repeat(100)}`) })]), /nested/)
    invalid(raw([delta({}, { value: enc.encode('null') })]), /tombstone/)
    const tomb = decodeMessage(raw([delta({}, { value: undefined })])).deltas[0]!.record
    assert.equal(tomb.t === 'lww' && tomb.value, null)
  })

  it('packs items lazily, within the room and the item bound, the last group marked', () => {
    for (const n of [0, 1, 7, 50, 333]) {
      const items = Array.from({ length: n }, (_, i) => new Uint8Array(1 + (i % 40)))
      const groups = [...packItems(items, 400, 16)]
      assert.equal(groups.flatMap((g) => g.items).length, n)
      assert.ok(groups.every((g, i) => g.last === (i === groups.length - 1) && g.items.length <= 16))
      assert.ok(groups.every((g) => g.items.reduce((s, x) => s + 2 + x.length, 0) <= 400))
    }
    let read = 0
    function* counted(): Generator<Uint8Array> {
      for (let i = 0; i < 10_000; i++) {
        read++
        yield new Uint8Array(8)
      }
    }
    packItems(counted(), 4096, 100).next()
    assert.ok(read <= 201, `read ${read} items for the first group`)
    assert.throws(() => [...packItems([new Uint8Array(500)], 400, 16)], { code: 'TOO_LARGE' })
  })
})
