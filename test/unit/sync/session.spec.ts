import assert from 'node:assert/strict'
import fc from 'fast-check'
import { type Delta, encodeMessage, Replica } from '../../../src/crdt/index.js'
import {
  encodeSyncMessage,
  memoryDuplexPair,
  runSyncInitiator,
  runSyncResponder,
  type SyncLimits,
} from '../../../src/sync/index.js'
import { FakeClock } from '../../../src/util/clock.js'

function populated(id: string, n: number): Replica {
  const r = new Replica(id, new FakeClock())
  for (let i = 0; i < n; i++) r.kvSet(`${id}-${i}`, { i, pad: 'x'.repeat(50) })
  r.setAdd('shared', [`from-${id}`])
  r.counterAdd('hits', 3)
  r.kvSet('same', id)
  return r
}

async function session(a: Replica, b: Replica, limits?: Partial<SyncLimits>) {
  const [ca, cb] = memoryDuplexPair()
  return Promise.all([
    runSyncInitiator(a, ca.send, ca.frames, limits),
    runSyncResponder(b, cb.send, cb.frames, limits),
  ])
}

describe('sync session', () => {
  it('leaves both sides with the union, over many small frames', async () => {
    const a = populated('A', 200)
    const b = populated('B', 150)
    const [ra, rb] = await session(a, b, { maxFrameBytes: 4096 })
    assert.equal(a.digest(), b.digest())
    assert.deepEqual(a.setMembers('shared'), ['from-A', 'from-B'])
    assert.equal(b.counterGet('hits'), 6)
    assert.equal(ra.received, rb.sent)
    assert.equal(rb.received, ra.sent)
    assert.ok(ra.changes.some((c) => c.kind === 'set' && c.element === 'from-B'))
    assert.deepEqual(a.diffFor(b.versionVector()), [])
    assert.deepEqual(b.diffFor(a.versionVector()), [])
  })

  it('sends nothing the other side already has on a second session', async () => {
    const a = populated('A', 50)
    const b = populated('B', 50)
    await session(a, b)
    const [ra, rb] = await session(a, b)
    assert.equal(ra.sent + rb.sent, 0)
  })

  it('an in-sync pair exchanges two frames of about 100 bytes, however many origins it holds', async () => {
    const a = new Replica('A', new FakeClock())
    for (let i = 0; i < 2000; i++) {
      const other = new Replica(`origin${i}`, new FakeClock())
      a.applyRecords([...other.kvSet(`k${i}`, i).deltas.map((d) => [d.id, d.record] as const)])
    }
    const b = new Replica('B', new FakeClock())
    await session(b, a)
    assert.equal(a.digest(), b.digest())
    const [ca, cb] = memoryDuplexPair()
    const sizes: number[] = []
    const counted = (send: (f: Uint8Array) => Promise<void> | void) => (f: Uint8Array) => {
      sizes.push(f.length)
      return send(f)
    }
    const [ra, rb] = await Promise.all([
      runSyncInitiator(a, counted(ca.send), ca.frames),
      runSyncResponder(b, counted(cb.send), cb.frames),
    ])
    assert.ok(ra.inSync && rb.inSync)
    assert.equal(sizes.length, 2)
    assert.ok(
      sizes.every((n) => n < 120),
      `frames of ${sizes.join(', ')} bytes`,
    )
  })

  it('works when one side is empty, in either role', async () => {
    const a = populated('A', 30)
    const empty1 = new Replica('B', new FakeClock())
    const empty2 = new Replica('C', new FakeClock())
    await session(a, empty1)
    await session(empty2, a)
    assert.equal(empty1.digest(), a.digest())
    assert.equal(empty2.digest(), a.digest())
  })

  it('stops a peer that sends more records than allowed', async () => {
    const a = new Replica('A', new FakeClock())
    const b = populated('B', 100)
    const [ca, cb] = memoryDuplexPair()
    const responder = runSyncResponder(b, cb.send, cb.frames)
    await assert.rejects(runSyncInitiator(a, ca.send, ca.frames, { maxRecords: 10 }), { code: 'TOO_LARGE' })
    ca.close()
    // b speaks last, so it has written its whole answer by now; none of it was merged.
    assert.equal((await responder).sent, 103)
    assert.equal(a.stats().keys, 0)
  })

  it('stops a peer that sends too many frames', async () => {
    const a = new Replica('A', new FakeClock())
    const b = populated('B', 100)
    const [ca, cb] = memoryDuplexPair()
    void runSyncResponder(b, cb.send, cb.frames, { maxFrameBytes: 2048 }).catch(() => {})
    await assert.rejects(runSyncInitiator(a, ca.send, ca.frames, { maxFrames: 3 }), { code: 'TOO_LARGE' })
    ca.close()
  })

  it('rejects garbage and out-of-order messages', async () => {
    const b = populated('B', 5)
    const [ca, cb] = memoryDuplexPair()
    const responder = runSyncResponder(b, cb.send, cb.frames)
    await ca.send(new Uint8Array([9, 1, 2]))
    await assert.rejects(responder, { code: 'INVALID_INPUT', message: /format version/ })

    const [ca2, cb2] = memoryDuplexPair()
    const responder2 = runSyncResponder(b, cb2.send, cb2.frames)
    await ca2.send(encodeSyncMessage({ type: 'sync-ranges', ranges: [[null, 0]], more: false }))
    await assert.rejects(responder2, { code: 'INVALID_INPUT', message: /expected sync-hello/ })

    const [ca3, cb3] = memoryDuplexPair()
    const responder3 = runSyncResponder(b, cb3.send, cb3.frames)
    await ca3.send(encodeMessage({ type: 'delta', deltas: [] }))
    await assert.rejects(responder3, {
      code: 'INVALID_INPUT',
      message: /format version 4 \(this peer speaks 6\)/,
    })
  })

  it('any two replicas end equal after one session, whatever each missed and in what order', async () => {
    const writers = Array.from({ length: 6 }, (_, i) => new Replica(`w${i}`, new FakeClock()))
    const ops = fc.array(
      fc.record({ w: fc.nat(5), key: fc.nat(8), del: fc.boolean(), toA: fc.boolean(), toB: fc.boolean() }),
      { maxLength: 60 },
    )
    await fc.assert(
      fc.asyncProperty(ops, fc.nat(), async (list, seed) => {
        const ws = writers.map((w) => new Replica(w.selfId, new FakeClock()))
        const a = new Replica('A', new FakeClock())
        const b = new Replica('B', new FakeClock())
        const toA: Delta[] = []
        const toB: Delta[] = []
        for (const op of list) {
          const w = ws[op.w]!
          const { deltas } = op.del ? w.kvDel(`k${op.key}`) : w.kvSet(`k${op.key}`, seed)
          if (op.toA) toA.push(...deltas)
          if (op.toB) toB.push(...deltas)
        }
        // Out of order and with holes: gaps that only a session can fill.
        const shuffled = (d: Delta[]) =>
          d.map((x, i) => [(i * 7919 + seed) % 1009, x] as const).sort((p, q) => p[0] - q[0])
        for (const [, d] of shuffled(toA)) a.applyDelta(d)
        for (const [, d] of shuffled(toB)) b.applyDelta(d)
        const [ra, rb] = await session(a, b, { maxFrameBytes: 2048 })
        assert.equal(a.digest(), b.digest())
        assert.equal(ra.received, rb.sent)
        const [again] = await session(b, a)
        assert.ok(again!.inSync, 'a second session finds them in sync')
      }),
      { numRuns: 150 },
    )
  })

  it('moves bytes in proportion to what differs, not to the origins held (10,000 origins)', async () => {
    const writers = Array.from(
      { length: 10_000 },
      (_, i) => new Replica(`origin${String(i).padStart(5, '0')}`, new FakeClock()),
    )
    const shared = writers.flatMap((w, i) => w.kvSet(`k${i}`, i).deltas)
    const base = () => {
      const r = new Replica('R', new FakeClock())
      for (const d of shared) r.applyDelta(d)
      return r
    }
    const a = base()
    const b = base()
    const perOrigin: number[] = []
    for (const d of [1, 10, 100]) {
      // d origins move on at a; b has not heard yet.
      for (let k = 0; k < d; k++) {
        const w = writers[(k * 97 + d * 13) % writers.length]!
        for (const x of w.kvSet(`k${k}-${d}`, 'new').deltas) a.applyDelta(x)
      }
      const [ra, rb] = await session(a, b)
      assert.equal(a.digest(), b.digest())
      perOrigin.push((ra.bytesSent + rb.bytesSent) / d)
    }
    // A full vv of 10,000 origins alone is about 300 KB; each differing origin costs a few ranges.
    assert.ok(
      perOrigin.every((n) => n < 4000),
      `bytes per differing origin at d = 1, 10, 100: ${perOrigin.map(Math.round).join(', ')}`,
    )
  })
})
