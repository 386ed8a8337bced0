import assert from 'node:assert/strict'
import { type Delta, Replica } from '../../../src/crdt/index.js'
import { fakeWriteSigner, type WriteSigner } from '../../../src/crdt/signing.js'
import { Committer } from '../../../src/state/committer.js'
import type { StoreOp } from '../../../src/state/store.js'
import { FakeClock } from '../../../src/util/clock.js'
import { silentLogger } from '../../../src/util/log.js'

type Write = { ops: StoreOp[]; sync: boolean | undefined; gathered: boolean | undefined }

function setup(opts: { fail?: boolean } = {}) {
  let signatures = 0
  const signer: WriteSigner = {
    sign: (bytes) => {
      signatures++
      return fakeWriteSigner.sign(bytes)
    },
  }
  const clock = new FakeClock()
  const replica = new Replica('self', clock, { signer, deferSigning: true, tombstoneHorizonMs: 1000 })
  const writes: Write[] = []
  const published: Delta[][] = []
  const fatal: unknown[] = []
  const store = {
    write: async (ops: StoreOp[], o: { sync?: boolean; gathered?: boolean } = {}) => {
      writes.push({ ops, sync: o.sync, gathered: o.gathered })
      if (opts.fail) throw new Error('disk on fire')
    },
  }
  const committer = new Committer({
    replica,
    store,
    logger: silentLogger,
    publish: (d) => published.push(d),
    onFatal: (e) => fatal.push(e),
  })
  return { replica, clock, committer, writes, published, fatal, signatures: () => signatures }
}

const keys = (w: Write): string[] => w.ops.map((o) => o.key)

describe('committer (group commit of the replica into the store)', () => {
  it('a collected tombstone leaves the store with its floor written, in one batch', async () => {
    const { replica, clock, committer, writes } = setup()
    await committer.commit(replica.kvSet('k', 1).deltas)
    await committer.commit(replica.kvDel('k').deltas)
    clock.advance(1000)
    assert.equal(replica.collectTombstones(), 1)
    await committer.flush()
    const last = writes[writes.length - 1]!
    assert.deepEqual(last.ops.slice(0, 2), [
      { type: 'del', key: 'rec:k\u0000k' },
      { type: 'put', key: 'cf:self', value: 2 },
    ])
  })

  it('writes of one tick share one fsync and one signature; their deltas are published after the write, signed', async () => {
    const { replica, committer, writes, published, signatures } = setup()
    const commits = Array.from({ length: 100 }, (_, i) => committer.commit(replica.kvSet(`k${i}`, i).deltas))
    assert.equal(published.length, 0)
    await Promise.all(commits)
    assert.equal(writes.length, 1)
    const [w] = writes as [Write]
    assert.equal(w.sync, true)
    assert.equal(w.gathered, true, 'the store does not wait another tick')
    assert.equal(keys(w).filter((k) => k.startsWith('rec:')).length, 100)
    assert.deepEqual(
      keys(w).filter((k) => !k.startsWith('rec:')),
      ['vv:self', 'meta:seq'],
    )
    assert.equal(signatures(), 1)
    assert.equal(replica.unsealed, 0)
    assert.equal(published.length, 1)
    assert.equal(published[0]!.length, 100)
    for (const d of published[0]!)
      assert.deepEqual(d.record, [...replica.entries()].find(([id]) => id === d.id)?.[1])
    assert.ok(committer.durable.ready())
  })

  it('a batch writes only the vv entries it moved, not the whole vector', async () => {
    const { replica, committer, writes } = setup()
    const others = Array.from({ length: 50 }, (_, i) => {
      const r = new Replica(`o${i}`, new FakeClock())
      return r.kvSet(`from-o${i}`, i).deltas[0]!
    })
    for (const d of others) replica.applyDelta(d)
    await committer.flush()
    assert.equal(keys(writes[0]!).filter((k) => k.startsWith('vv:')).length, 50)
    const later = new Replica('o7', new FakeClock(), { nextSeq: 2 }).kvSet('again', 1).deltas[0]!
    replica.applyDelta(later)
    await committer.flush()
    assert.deepEqual(
      keys(writes[1]!).filter((k) => k.startsWith('vv:')),
      ['vv:o7'],
    )
  })

  it('merges from peers are written without fsync, and not waited for', async () => {
    const { replica, writes } = setup()
    const d = new Replica('peer', new FakeClock()).kvSet('x', 1).deltas[0]!
    replica.applyDelta(d)
    await new Promise((r) => setImmediate(r))
    await new Promise((r) => setImmediate(r))
    assert.equal(writes.length, 1)
    assert.equal(writes[0]!.sync, false)
    assert.deepEqual(keys(writes[0]!), ['rec:k\u0000x', 'vv:peer', 'meta:seq'])
  })

  it('an own write is not durable until its batch is written (the gate of sync answers)', async () => {
    const { replica, committer } = setup()
    assert.ok(committer.durable.ready())
    replica.kvSet('a', 1)
    assert.equal(committer.durable.ready(), false)
    await committer.durable.wait()
    assert.ok(committer.durable.ready())
  })

  it('a failed store write rejects its writers, calls onFatal and publishes nothing', async () => {
    const { replica, committer, published, fatal } = setup({ fail: true })
    await assert.rejects(committer.commit(replica.kvSet('a', 1).deltas), /disk on fire/)
    assert.equal(fatal.length, 1)
    assert.equal(published.length, 0)
    assert.equal(committer.durable.ready(), false)
  })
})
