import assert from 'node:assert/strict'
import { encodeMessage, Replica } from '../../../src/crdt/index.js'
import {
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
    await assert.rejects(responder, { code: 'INVALID_INPUT', message: /ended/ })
    assert.notEqual(a.digest(), b.digest())
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
    await ca2.send(encodeMessage({ type: 'delta', deltas: [] }))
    await assert.rejects(responder2, { code: 'INVALID_INPUT', message: /expected sync-hello/ })
  })
})
