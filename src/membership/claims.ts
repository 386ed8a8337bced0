// Signing and verification of membership updates. Synchronous (node:crypto), so the state machine
// can check an update in the same tick it decodes it. A member id is its Ed25519 public key.

import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { InvalidInputError } from '../errors.js'
import { SIGNATURE_BYTES } from './limits.js'
import type { Update } from './messages.js'
import { encodeClaimBody, memberIdBytes, memberIdFromKey, type UnsignedUpdate } from './wire.js'

export interface ClaimSigner {
  /** The member id whose key signs. */
  readonly id: string
  sign(body: Uint8Array): Uint8Array
}

export interface ClaimVerifier {
  /** True only if `sig` is `speaker`'s signature of `body`. Never throws. */
  verify(speaker: string, body: Uint8Array, sig: Uint8Array): boolean
}

// DER wrappers of a raw Ed25519 key (RFC 8410), so node:crypto can import it.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

/** Signs with a libp2p Ed25519 private key (raw = 32-byte seed then 32-byte public key). */
export function ed25519Signer(privateKey: PrivateKey): ClaimSigner {
  if (privateKey.type !== 'Ed25519' || privateKey.raw.length !== 64)
    throw new InvalidInputError('claim signer needs an Ed25519 private key')
  const key = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, privateKey.raw.subarray(0, 32)]),
    format: 'der',
    type: 'pkcs8',
  })
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' })
  if (!spki.subarray(SPKI_PREFIX.length).equals(privateKey.publicKey.raw))
    throw new InvalidInputError('Ed25519 private key does not match its public key')
  return {
    id: peerIdFromPrivateKey(privateKey).toString(),
    sign: (body) => new Uint8Array(sign(null, body, key)),
  }
}

/** Verifies against the key inside the speaker's id, keeping up to `cacheSize` imported keys. */
export function ed25519Verifier(opts: { cacheSize?: number } = {}): ClaimVerifier {
  const cacheSize = Math.max(1, opts.cacheSize ?? 4096)
  const keys = new Map<string, KeyObject>() // insertion order = recency
  const keyOf = (speaker: string): KeyObject => {
    let key = keys.get(speaker)
    if (key !== undefined) {
      keys.delete(speaker)
    } else {
      const raw = memberIdBytes(speaker).subarray(6) // after the multihash and protobuf headers
      key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' })
      if (keys.size >= cacheSize) keys.delete(keys.keys().next().value as string)
    }
    keys.set(speaker, key)
    return key
  }
  return {
    verify(speaker, body, sig) {
      try {
        if (!(sig instanceof Uint8Array) || sig.length !== SIGNATURE_BYTES) return false
        if (!(body instanceof Uint8Array)) return false
        return verify(null, body, keyOf(speaker), sig)
      } catch {
        return false
      }
    },
  }
}

/** Who must have signed `u`: the member itself for alive/leave, the accuser for suspect/dead. */
export function speakerOf(u: UnsignedUpdate): string {
  return u.type === 'alive' || u.type === 'leave' ? u.id : u.from
}

/** Signs an update as `signer`, who must be its speaker. */
export function signUpdate<T extends Update>(signer: ClaimSigner, unsigned: Omit<T, 'sig'>): T {
  const u = unsigned as unknown as UnsignedUpdate
  if (speakerOf(u) !== signer.id)
    throw new InvalidInputError(`${signer.id} cannot sign a ${u.type} update spoken by ${speakerOf(u)}`)
  return { ...unsigned, sig: signer.sign(encodeClaimBody(u)) } as unknown as T
}

/** True if `u.sig` is its speaker's signature of its content. Never throws. */
export function verifyUpdate(verifier: ClaimVerifier, u: Update): boolean {
  if (verifier === acceptAllVerifier) return true
  try {
    return verifier.verify(speakerOf(u), encodeClaimBody(u), u.sig)
  } catch {
    return false
  }
}

/** TEST AND SIMULATOR ONLY: "signs" with 64 zero bytes. Pair with acceptAllVerifier. */
export function fakeSigner(id: string): ClaimSigner {
  return { id, sign: () => new Uint8Array(SIGNATURE_BYTES) }
}

/** TEST AND SIMULATOR ONLY: accepts every signature, forged or not. Never use in the daemon. */
export const acceptAllVerifier: ClaimVerifier = Object.freeze({ verify: () => true })

/**
 * TEST AND SIMULATOR ONLY: a well-formed member id derived from `seed`, without a key pair (the
 * wire accepts only Ed25519 peer ids). No private key exists for it: pair with fakeSigner.
 */
export function fakeMemberId(seed: string | number): string {
  return memberIdFromKey(createHash('sha256').update(`murmur fake member ${seed}`).digest())
}
