import assert from 'node:assert/strict'
import {
  canonicalJson,
  type Delta,
  decodeMessage,
  encodeDeltaFrames,
  encodeMessage,
  FORMAT_VERSION,
  MAX_FRAME_BYTES,
  type Message,
  packJson,
  packJsonLazily,
  Replica,
} from '../../../src/crdt/index.js'
import { ZERO_SIG } from '../../../src/crdt/signing.js'
import { FakeClock } from '../../../src/util/clock.js'

const enc = new TextEncoder()
const raw = (json: string, version = FORMAT_VERSION): Uint8Array =>
  new Uint8Array([version, ...enc.encode(json)])
const lww = { t: 'lww', hlc: { wall: 1, logical: 0 }, origin: 'A', value: 'v', dots: { A: 1 }, sig: ZERO_SIG }
const delta = (over: Record<string, unknown> = {}, rec: Record<string, unknown> = {}) =>
  JSON.stringify({
    type: 'delta',
    deltas: [{ id: 'k\u0000key', record: { ...lww, ...rec }, dot: { origin: 'A', seq: 1 }, ...over }],
  })
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

describe('codec', () => {
  it('round-trips a delta batch', () => {
    const r = sample()
    const deltas: Delta[] = [...r.entries()].map(([id, record]) => ({
      id,
      record,
      dot: { origin: 'A', seq: record.dots.A! },
    }))
    const msgs: Message[] = [{ type: 'delta', deltas }]
    for (const m of msgs) {
      const bytes = encodeMessage(m)
      assert.equal(bytes[0], 3)
      assert.equal(canonicalJson(decodeMessage(bytes)), canonicalJson(m))
    }
  })

  it('splits large batches into frames under the limit', () => {
    const r = new Replica('A', new FakeClock())
    for (let i = 0; i < 300; i++) r.kvSet(`key-${i}`, 'x'.repeat(100))
    assert.equal(encodeDeltaFrames([]).length, 0)
    const deltaFrames = encodeDeltaFrames(
      [...r.entries()].map(([id, record]) => ({ id, record, dot: { origin: 'A', seq: record.dots.A! } })),
      4096,
    )
    assert.ok(deltaFrames.length > 5 && deltaFrames.every((f) => f.length <= 4096))
  })

  it('refuses to encode a frame over the limit', () => {
    const r = new Replica('A', new FakeClock())
    const deltas = r.kvSet('k', 'x'.repeat(2000)).deltas
    assert.throws(() => encodeMessage({ type: 'delta', deltas }, 1000), { code: 'TOO_LARGE' })
  })

  it('accepts the hand-written valid delta used by the negative cases', () => {
    assert.equal(decodeMessage(raw(delta())).type, 'delta')
  })

  it('rejects bad framing: version, emptiness, size, encoding, JSON', () => {
    invalid(raw(delta(), 1), /format version 1 \(this peer speaks 3\)/)
    invalid(new Uint8Array(0))
    invalid(new Uint8Array(MAX_FRAME_BYTES + 1), /exceeds/)
    invalid(new Uint8Array([FORMAT_VERSION, 0xff, 0xfe]), /UTF-8/)
    invalid(raw(delta().slice(0, -3)), /JSON/)
    invalid(raw('{"type":"gossip"}'))
    invalid(raw('null'))
  })

  it('rejects wrong types, negative seqs and unknown fields', () => {
    invalid(raw(delta({ dot: { origin: 'A', seq: '1' } })))
    invalid(raw(delta({ dot: { origin: 'A', seq: -1 } })))
    invalid(raw(delta({ dot: { origin: 'A', seq: 1.5 } })))
    invalid(raw(delta({}, { dots: { A: -1 } })))
    invalid(raw(delta({}, { dots: {} })), /must not be empty/)
    invalid(raw(delta({}, { hlc: { wall: 1 } })))
    invalid(raw(delta({}, { extra: 1 })))
    invalid(raw(delta({ extra: 1 })))
    invalid(raw('{"type":"sync-req","vv":{"A":1}}'), /type/)
  })

  it('rejects ids that do not match the record type, and broken invariants', () => {
    invalid(raw(delta({ id: 'c\u0000key' })), /names a counter record/)
    invalid(raw(delta({ id: 'k\u0000a\u0000b' })), /malformed record id/)
    invalid(raw(delta({ id: `k\u0000${'x'.repeat(513)}` })), /malformed/)
    invalid(raw(delta({ id: 'x\u0000key' })))
    invalid(raw(delta({ dot: { origin: 'A', seq: 2 } })), /own dot/)
    invalid(raw(delta({ dot: { origin: '__proto__', seq: 1 } })))
  })

  it('rejects records whose signatures do not match their origins', () => {
    invalid(raw(delta({}, { sig: 'short' })), /signature must be a 64-byte signature or a batch proof/)
    invalid(raw(delta({}, { sig: undefined })))
    invalid(raw(delta({}, { dots: { A: 1, B: 1 } })), /only its origin's dot/)
  })

  it('rejects values that are too large or too deep', () => {
    invalid(raw(delta({}, { value: 'x'.repeat(70_000) })), /65536/)
    invalid(raw(delta({}, { value: JSON.parse(`${'['.repeat(100)}${']'.repeat(100)}`) })), /nested/)
    invalid(raw(delta({}, { value: undefined })))
  })

  it('packs lazily into the same frames, reading items only as far as the frame it yields', () => {
    const head = (last: boolean) => (last ? '{"last":[' : '{"more":[')
    for (const n of [0, 1, 7, 50, 333]) {
      const items = Array.from({ length: n }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(i % 40) }))
      const eager = packJson(items, head, ']}', 16, 400)
      assert.deepEqual([...packJsonLazily(items, head, ']}', 16, 400)], eager)
      assert.ok(
        eager.slice(0, -1).every((f) => f.startsWith('{"more":')) && eager.at(-1)!.startsWith('{"last":'),
      )
    }
    let read = 0
    function* counted(): Generator<string> {
      for (let i = 0; i < 10_000; i++) {
        read++
        yield JSON.stringify(i)
      }
    }
    const it = packJsonLazily(counted(), head, ']}', 100, 4096)
    it.next()
    assert.ok(read <= 201, `read ${read} items for the first frame`)
  })
})
