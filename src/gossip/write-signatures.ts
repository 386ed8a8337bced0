// The daemon's signer and verifier of state writes: the agent's Ed25519 identity key, as for its
// membership claims, with signatures in base64 as the records carry them.
import type { PrivateKey } from '@libp2p/interface'
import type { WriteSigner, WriteVerifier } from '../crdt/signing.js'
import { ed25519Signer, ed25519Verifier } from '../membership/claims.js'

export function ed25519WriteSigner(privateKey: PrivateKey): WriteSigner {
  const signer = ed25519Signer(privateKey)
  return { sign: (body) => Buffer.from(signer.sign(body)).toString('base64') }
}

/** Verifies against the public key inside the origin's peer id; never throws. */
export function ed25519WriteVerifier(): WriteVerifier {
  const verifier = ed25519Verifier()
  return {
    verify(origin, body, sig) {
      const bytes = Buffer.from(sig, 'base64')
      return bytes.length === 64 && verifier.verify(origin, body, new Uint8Array(bytes))
    },
  }
}
