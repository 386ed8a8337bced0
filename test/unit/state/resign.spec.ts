// Re-signing a format 1 (unsigned) record for the store migration: only our own part is kept,
// signed with our key, and a replica that checks signatures accepts it.
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { type CrdtRecord, Replica } from '../../../src/crdt/index.js'
import { ed25519WriteSigner, ed25519WriteVerifier } from '../../../src/gossip/write-signatures.js'
import { resigner } from '../../../src/state/resign.js'
import { FakeClock } from '../../../src/util/clock.js'

describe('resign (format 1 migration)', () => {
  it('migrating an unsigned store keeps and signs only our own part of each record', async () => {
    const key = await generateKeyPair('Ed25519')
    const selfId = peerIdFromPrivateKey(key).toString()
    const resign = resigner(selfId, ed25519WriteSigner(key))
    const other = '12D3KooWOther'
    const v1 = {
      t: 'set',
      adds: { [selfId]: 3, [other]: 4 },
      removed: { [other]: 2 },
      dots: { [selfId]: 3, [other]: 4 },
    }
    const own = resign('s\u0000s\u0000x', v1) as CrdtRecord & { t: 'set' }
    assert.deepEqual(own.adds, { [selfId]: 3 })
    assert.deepEqual(Object.keys(own.sigs), [selfId])
    assert.equal(
      resign('k\u0000k', {
        t: 'lww',
        hlc: { wall: 1, logical: 0 },
        origin: other,
        value: 1,
        dots: { [other]: 1 },
      }),
      undefined,
    )
    const bKey = await generateKeyPair('Ed25519')
    const b = new Replica(peerIdFromPrivateKey(bKey).toString(), new FakeClock(), {
      signer: ed25519WriteSigner(bKey),
      verifier: ed25519WriteVerifier(),
    })
    b.applyRecords([['s\u0000s\u0000x', own]])
    assert.deepEqual(b.setMembers('s'), ['x'], 'the re-signed record verifies')
  })

  it('refuses an invalid own id, as a replica of it would', () => {
    assert.throws(() => resigner('_bad', { sign: () => '' }), /replica id must be/)
  })
})
