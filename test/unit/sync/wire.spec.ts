import assert from 'node:assert/strict'
import { canonicalJson, Replica } from '../../../src/crdt/index.js'
import * as rpb from '../../../src/crdt/pb/records.js'
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
import * as pb from '../../../src/sync/pb/sync.js'
import { FakeClock } from '../../../src/util/clock.js'

const raw = (f: Partial<pb.SyncFrame>, version = SYNC_WIRE_VERSION): Uint8Array =>
  new Uint8Array([version, ...pb.SyncFrame.encode(f)])
const invalid = (bytes: Uint8Array, message?: RegExp) =>
  assert.throws(
    () => decodeSyncMessage(bytes),
    message ? { code: 'INVALID_INPUT', message } : { code: 'INVALID_INPUT' },
  )

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

  it('rejects another version, frames of no or two kinds, and old JSON frames', () => {
    const hello = { hello: { digest: new Uint8Array(32) } }
    assert.equal(decodeSyncMessage(raw(hello)).type, 'sync-hello')
    invalid(raw(hello, 5), /format version 5 \(this peer speaks 6\)/)
    invalid(raw({}), /exactly one/)
    invalid(raw({ ...hello, ranges: { ranges: [], more: false } }), /exactly one/)
    invalid(raw({ hello: { digest: new Uint8Array(31) } }), /32 bytes/)
    invalid(
      new Uint8Array([SYNC_WIRE_VERSION, ...new TextEncoder().encode('{"type":"sync-req","vv":{"A":1}}')]),
    )
  })

  it('rejects malformed ranges', () => {
    const ranges = (...r: pb.Range[]) => raw({ ranges: { ranges: r, more: false } })
    const fp = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)
    const ids = (entries: pb.VersionEntry[]): pb.Range => ({ kind: IDS, entries })
    assert.equal(decodeSyncMessage(ranges({ kind: FP, fp, count: 3, entries: [] })).type, 'sync-ranges')
    invalid(ranges({ kind: 7, entries: [] }), /kind 7/)
    invalid(ranges({ kind: FP, fp: fp.subarray(1), count: 1, entries: [] }), /kind 1/)
    invalid(ranges({ kind: FP, fp, entries: [] }), /kind 1/)
    invalid(ranges({ kind: SKIP, fp, entries: [] }), /kind 0/)
    invalid(ranges({ kind: SKIP, upper: '__proto__', entries: [] }), /peer id/)
    invalid(ranges(ids([{ origin: 'A', seq: 2 ** 48 + 1 }])), /seq/)
    invalid(ranges({ ...ids([]), count: 1 }), /kind 2/)
    invalid(ranges(ids(Array.from({ length: 1025 }, (_, i) => ({ origin: `p${i}`, seq: 1 })))), /too many/)
  })

  it('rejects records that break their invariants or signature rules, and doubled vv entries', () => {
    const resp = (records: Uint8Array<ArrayBuffer>[], vv: pb.Seq[] = []) =>
      raw({ response: { records, vv, done: true, floors: [] } })
    invalid(
      resp(
        [],
        [
          { origin: 'A', seq: 1 },
          { origin: 'A', seq: 2 },
        ],
      ),
      /twice/,
    )
    invalid(resp([], [{ origin: '_A', seq: 1 }]), /peer id/)
    const SIG = new Uint8Array(64)
    const set = (over: Partial<rpb.AddRemoveSet>) =>
      rpb.Entry.encode({
        id: 's\u0000n\u0000e',
        set: {
          adds: [{ origin: 'A', seq: 1 }],
          removed: [{ origin: 'A', seq: 2 }],
          dots: [{ origin: 'A', seq: 2 }],
          proofs: [{ origin: 'A', proof: SIG }],
          removals: [{ adder: 'A', remover: 'A', proof: SIG }],
          ...over,
        },
      })
    invalid(resp([set({})]), /removed exceeds adds/)
    invalid(resp([set({ removed: [{ origin: 'A', seq: 1 }], removals: [] })]), /one signature per removal/)
    const ctr = rpb.Entry.encode({
      id: 'c\u0000n',
      counter: { p: [{ origin: 'A', seq: 1 }], n: [], dots: [{ origin: 'A', seq: 1 }], proofs: [] },
    })
    invalid(resp([ctr]), /one signature per origin/)
    invalid(resp([Uint8Array.of(0xff, 0xff)]))
  })
})
