// Writes signed by their origin, end to end: what a replica accepts from a peer carries the
// signature of every origin whose part it changes, whichever path (gossip or anti-entropy) it took.
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { type CrdtRecord, type Delta, Replica } from '../../../src/crdt/index.js'
import type { WriteVerifier } from '../../../src/crdt/signing.js'
import { ed25519WriteSigner, ed25519WriteVerifier } from '../../../src/gossip/write-signatures.js'
import { FakeClock } from '../../../src/util/clock.js'
import { syncPair } from './helpers.js'

async function agent(verifier: WriteVerifier = ed25519WriteVerifier()): Promise<Replica> {
  const key = await generateKeyPair('Ed25519')
  return new Replica(peerIdFromPrivateKey(key).toString(), new FakeClock(), {
    signer: ed25519WriteSigner(key),
    verifier,
  })
}

const deliver = (to: Replica, deltas: readonly Delta[]) => deltas.flatMap((d) => to.applyDelta(d))

describe('signed writes', () => {
  it('a genuine write of every kind is accepted, by gossip and by anti-entropy', async () => {
    const [a, b, c] = await Promise.all([agent(), agent(), agent()])
    deliver(b, [
      ...a.kvSet('k', 'v').deltas,
      ...a.setAdd('s', ['x', 'y']).deltas,
      ...a.counterAdd('n', 5).deltas,
    ])
    deliver(a, [...b.setRemove('s', ['x']).deltas, ...b.counterAdd('n', -2).deltas])
    syncPair(c, a)
    for (const r of [a, b, c]) {
      assert.equal(r.kvGet('k'), 'v')
      assert.deepEqual(r.setMembers('s'), ['y'])
      assert.equal(r.counterGet('n'), 3)
    }
    assert.equal(c.digest(), a.digest())
    assert.deepEqual(c.heldBack().forged, 0)
  })

  it('a record altered in transit, or naming an origin that did not sign it, is held back', async () => {
    const [a, b, mallory] = await Promise.all([agent(), agent(), agent()])
    const [w] = a.kvSet('k', 'genuine').deltas
    const altered = { ...w!, record: { ...w!.record, value: 'forged' } as CrdtRecord }
    deliver(b, [altered])
    assert.equal(b.kvGet('k'), undefined)
    // Mallory's own signed write, relabelled as A's.
    const [m] = mallory.kvSet('k', 'by mallory').deltas
    const rec = m!.record as CrdtRecord & { t: 'lww' }
    const relabelled: CrdtRecord = { ...rec, origin: a.selfId, dots: { [a.selfId]: 9 } }
    b.applyRecords([['k\u0000k', relabelled]])
    assert.equal(b.kvGet('k'), undefined)
    // A counter total and a set removal forged under A's name.
    const [c] = a.counterAdd('n', 1).deltas
    const ctr = c!.record as CrdtRecord & { t: 'counter' }
    b.applyRecords([[c!.id, { ...ctr, p: { [a.selfId]: 1_000_000 } }]])
    assert.equal(b.counterGet('n'), 0)
    deliver(b, a.setAdd('s', ['x']).deltas)
    const [r] = mallory.setRemove('s', ['x']).deltas // mallory never saw the add: nothing to remove
    assert.equal(r, undefined)
    const s = (b as unknown as { records: Map<string, CrdtRecord> }).records.get(
      's\u0000s\u0000x',
    ) as CrdtRecord & {
      t: 'set'
    }
    const forgedRemove: CrdtRecord = {
      ...s,
      removed: { [a.selfId]: s.adds[a.selfId]! },
      rsigs: { [a.selfId]: [a.selfId, s.sigs[a.selfId]!] }, // A's add signature passed off as a removal
    }
    b.applyRecords([['s\u0000s\u0000x', forgedRemove]])
    assert.deepEqual(b.setMembers('s'), ['x'])
    // Nor can anyone raise b's own seq with a dot of b's it never signed (that once bricked stores).
    b.applyRecords([['k\u0000j', { ...rec, origin: b.selfId, dots: { [b.selfId]: 2 ** 40 } }]])
    assert.equal(b.nextSeq, 1)
    assert.equal(b.heldBack().forged, 5)
  })

  it('checks only what is new: a record whose parts it already holds costs no verification', async () => {
    let checks = 0
    const real = ed25519WriteVerifier()
    const counting: WriteVerifier = {
      verify: (o, body, sig) => {
        checks++
        return real.verify(o, body, sig)
      },
    }
    const [a, b, c] = await Promise.all([agent(), agent(), agent(counting)])
    deliver(b, a.counterAdd('n', 1).deltas)
    const [d] = b.counterAdd('n', 1).deltas
    deliver(c, [d!])
    assert.equal(checks, 2, 'two origins, two signatures')
    deliver(c, [d!])
    syncPair(c, b)
    assert.equal(checks, 2, 'nothing new, nothing checked')
    assert.equal(c.counterGet('n'), 2)
  })
})
