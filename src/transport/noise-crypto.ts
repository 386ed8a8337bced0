// Noise's crypto for Node with a cheaper X25519. @chainsafe/libp2p-noise's default imports both
// keys of every Diffie-Hellman as DER, and OpenSSL 3 (Node 20) takes about 0.56 ms to decode a
// PKCS#8 private key: three DHs per handshake on each side made key imports a quarter of a
// connection's CPU. The same raw keys imported as JWK take about 0.05 ms. Everything else is
// noise's own default.
import { createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto'
import type { ICryptoInterface } from '@chainsafe/libp2p-noise'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'

type Bytes = Parameters<ICryptoInterface['generateX25519SharedKey']>[0]

const b64url = (b: Bytes): string => {
  const u = b instanceof Uint8Array ? b : b.subarray()
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64url')
}

/**
 * Node requires a JWK private key to carry `x`, but imports the raw private key `d` and derives
 * the public key from it, so any well-formed `x` does (the unit test checks the secret matches).
 */
const PLACEHOLDER_X = Buffer.alloc(32).toString('base64url')

export const noiseCrypto: ICryptoInterface = {
  ...defaultCrypto,
  generateX25519SharedKey(privateKey, publicKey) {
    return diffieHellman({
      privateKey: createPrivateKey({
        key: { kty: 'OKP', crv: 'X25519', d: b64url(privateKey), x: PLACEHOLDER_X },
        format: 'jwk',
      }),
      publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(publicKey) }, format: 'jwk' }),
    })
  },
}
