import assert from 'node:assert/strict'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { noiseCrypto } from '../../../src/transport/noise-crypto.js'

describe('noise crypto (JWK key import)', () => {
  it('computes the same X25519 secrets as noise default crypto', () => {
    for (let i = 0; i < 20; i++) {
      const a = noiseCrypto.generateX25519KeyPair()
      const b = noiseCrypto.generateX25519KeyPair()
      const ours = noiseCrypto.generateX25519SharedKey(a.privateKey, b.publicKey)
      assert.deepEqual(
        Buffer.from(ours),
        Buffer.from(defaultCrypto.generateX25519SharedKey(a.privateKey, b.publicKey)),
      )
      assert.deepEqual(
        Buffer.from(ours),
        Buffer.from(noiseCrypto.generateX25519SharedKey(b.privateKey, a.publicKey)),
      )
    }
  })

  it('refuses a public key of the wrong length', () => {
    const a = noiseCrypto.generateX25519KeyPair()
    assert.throws(() => noiseCrypto.generateX25519SharedKey(a.privateKey, new Uint8Array(31)))
  })
})
