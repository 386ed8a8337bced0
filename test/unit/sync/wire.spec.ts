import assert from 'node:assert/strict'
import { canonicalJson, Replica } from '../../../src/crdt/index.js'
import { ZERO_SIG } from '../../../src/crdt/signing.js'
import {
  decodeSyncMessage,
  encodeRangeFrames,
  encodeSyncMessage,
  encodeSyncResponseFrames,
  FINAL,
  FP,
  IDS,
  type Range,
  SKIP,
  SYNC_WIRE_VERSION,
  type SyncMessage,
} from '../../../src/sync/index.js'
import { FakeClock } from '../../../src/util/clock.js'

const enc = new TextEncoder()
const raw = (json: string, version = SYNC_WIRE_VERSION): Uint8Array =>
  new Uint8Array([version, ...enc.encode(json)])
const invalid = (bytes: Uint8Array, message?: RegExp) =>
  assert.throws(
    () => decodeSyncMessage(bytes),
    message ? { code: 'INVALID_INPUT', message } : { code: 'INVALID_INPUT' },
  )
const resp = (records: unknown[]) => raw(JSON.stringify({ type: 'sync-resp', records, vv: {}, done: true }))

function sample(): Replica {
  const r = new Replica('A', new FakeClock())
  r.kvSet('k', { nested: [1, 'two', null] })
  r.setAdd('s', ['x', 'y'])
  r.setRemove('s', ['y'])
  r.counterAdd('c', -3)
  return r
}

describe('sync wire', () => {
  it('round-trips every message type under its own version byte', () => {
    const r = sample()
    const ranges: Range[] = [
      ['m', SKIP],
      ['p', FP, '0123456789abcdef', 40],
      [
        't',
        IDS,
        [
          ['peerA', 3],
          ['peerB', 2, 5],
        ],
      ],
      [null, FINAL, []],
    ]
    const msgs: SyncMessage[] = [
      { type: 'sync-hello', digest: r.digest(), same: false },
      { type: 'sync-ranges', ranges, more: false },
      { type: 'sync-resp', records: [...r.entries()], vv: r.versionVector(), done: true },
    ]
    for (const m of msgs) {
      const bytes = encodeSyncMessage(m)
      assert.equal(bytes[0], SYNC_WIRE_VERSION)
      assert.equal(canonicalJson(decodeSyncMessage(bytes)), canonicalJson(m))
    }
  })

  it('splits a large answer: vv chunks first, then records, only the last frame done', () => {
    const r = new Replica('A', new FakeClock())
    for (let i = 0; i < 300; i++) r.kvSet(`key-${i}`, 'x'.repeat(100))
    const vv = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`peer${i}`, i + 1]))
    const frames = encodeSyncResponseFrames(r.diffFor({}), vv, 16_384)
    const decoded = frames.map((f) => {
      assert.ok(f.length <= 16_384)
      return decodeSyncMessage(f)
    })
    assert.deepEqual(
      decoded.map((m) => m.type === 'sync-resp' && m.done),
      frames.map((_, i) => i === frames.length - 1),
    )
    const got: Record<string, number> = {}
    let records = 0
    let sawRecords = false
    for (const m of decoded) {
      if (m.type !== 'sync-resp') continue
      if (m.records.length > 0) sawRecords = true
      else assert.ok(!sawRecords || m.done, 'no vv chunk after the records')
      Object.assign(got, m.vv)
      records += m.records.length
    }
    assert.deepEqual(got, vv)
    assert.equal(records, 300)
    assert.equal(encodeSyncResponseFrames([], {}).length, 1)
  })

  it('splits a long ranges message, marking every frame but the last `more`', () => {
    const ranges: Range[] = Array.from({ length: 3000 }, (_, i) => [`p${String(i).padStart(5, '0')}`, SKIP])
    ranges.push([null, SKIP])
    const frames = encodeRangeFrames(ranges, 8192)
    assert.ok(frames.length > 3)
    const decoded = frames.map((f) => decodeSyncMessage(f))
    assert.deepEqual(
      decoded.map((m) => m.type === 'sync-ranges' && m.more),
      frames.map((_, i) => i < frames.length - 1),
    )
    assert.deepEqual(
      decoded.flatMap((m) => (m.type === 'sync-ranges' ? m.ranges : [])),
      ranges,
    )
  })

  it('rejects another version, and the old sync-req', () => {
    const hello = JSON.stringify({ type: 'sync-hello', digest: 'a'.repeat(64) })
    invalid(raw(hello, 3), /format version 3 \(this peer speaks 5\)/)
    invalid(raw('{"type":"sync-req","vv":{"A":1}}'))
    invalid(raw('{"type":"delta","deltas":[]}'))
  })

  it('rejects malformed ranges', () => {
    const ranges = (r: unknown) => raw(JSON.stringify({ type: 'sync-ranges', ranges: r, more: false }))
    invalid(ranges([[null, 7]]))
    invalid(ranges([[null, FP, 'xyz', 1]]))
    invalid(ranges([[null, FP, '0123456789abcdef', -1]]))
    invalid(ranges([['__proto__', SKIP]]))
    invalid(ranges([[null, IDS, [['A', -1]]]]))
    invalid(ranges([[null, IDS, [['A', 1, 2, 3]]]]))
    invalid(ranges([[null, IDS, Array.from({ length: 1025 }, (_, i) => [`p${i}`, 1])]]))
    invalid(raw('{"type":"sync-ranges","ranges":[],"more":"no"}'))
  })

  it('rejects records that break their invariants or signature rules', () => {
    invalid(raw('{"type":"sync-resp","records":[],"vv":{},"done":"yes"}'))
    invalid(raw('{"type":"sync-resp","records":[],"vv":{"A":-3},"done":true}'))
    const set = {
      t: 'set',
      adds: { A: 1 },
      removed: { A: 2 },
      dots: { A: 2 },
      sigs: { A: ZERO_SIG },
      rsigs: { A: ['A', ZERO_SIG] },
    }
    invalid(resp([['s\u0000n\u0000e', set]]), /removed/)
    const ctr = { t: 'counter', p: { A: 1 }, n: {}, dots: { A: 1 }, sigs: {} }
    invalid(resp([['c\u0000n', ctr]]), /one signature per origin/)
    invalid(
      resp([['s\u0000n\u0000e', { ...set, removed: { A: 1 }, rsigs: {} }]]),
      /one signature per removal/,
    )
  })
})
