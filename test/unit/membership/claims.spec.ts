import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import {
  acceptAllVerifier,
  type ClaimSigner,
  ed25519Signer,
  ed25519Verifier,
  fakeMemberId,
  fakeSigner,
  signUpdate,
  speakerOf,
  verifyUpdate,
} from '../../../src/membership/claims.js'
import type { Accusation, AliveClaim, LeaveClaim, Update } from '../../../src/membership/messages.js'
import {
  decodePacket,
  encodeClaimBody,
  encodePacket,
  isMemberId,
  memberIdFromKey,
} from '../../../src/membership/wire.js'

const invalid = { code: 'INVALID_INPUT' }

describe('membership: claims', () => {
  let keyA: Ed25519PrivateKey
  let a: ClaimSigner
  let b: ClaimSigner
  let alive: AliveClaim
  const verifier = ed25519Verifier()

  before(async () => {
    keyA = await generateKeyPair('Ed25519')
    a = ed25519Signer(keyA)
    b = ed25519Signer(await generateKeyPair('Ed25519'))
    alive = signUpdate<AliveClaim>(a, {
      type: 'alive',
      id: a.id,
      incarnation: 1_700_000_000_000,
      name: 'node-a',
      tags: { role: 'db', zone: 'eu-1' },
      addrs: ['/ip4/10.0.0.1/tcp/4001'],
    })
  })

  it('signs exactly as @libp2p/crypto does, under the id libp2p derives', async () => {
    assert.equal(a.id, peerIdFromPrivateKey(keyA).toString())
    const body = encodeClaimBody(alive)
    const sig = a.sign(body)
    assert.equal(sig.constructor, Uint8Array)
    assert.deepEqual(sig, Uint8Array.from(await keyA.sign(body)))
    assert.equal(await keyA.publicKey.verify(body, sig), true)
    assert.deepEqual(alive.sig, sig)
  })

  it('a signed update verifies, also after a trip through the wire', () => {
    assert.equal(verifyUpdate(verifier, alive), true)
    const back = decodePacket(encodePacket({ type: 'gossip', updates: [alive] }))
    assert.equal(verifyUpdate(verifier, (back as { updates: Update[] }).updates[0]!), true)
    // Tag order is not part of the content.
    assert.equal(verifyUpdate(verifier, { ...alive, tags: { zone: 'eu-1', role: 'db' } }), true)
    const leave = signUpdate<LeaveClaim>(a, { type: 'leave', id: a.id, incarnation: 3 })
    assert.equal(verifyUpdate(verifier, leave), true)
  })

  it('any changed field, another speaker or a damaged sig fails', () => {
    const changed: AliveClaim[] = [
      { ...alive, incarnation: alive.incarnation + 1 },
      { ...alive, name: 'node-b' },
      { ...alive, tags: { role: 'db' } },
      { ...alive, tags: { role: 'db', zone: 'eu-2' } },
      { ...alive, addrs: [] },
      { ...alive, id: b.id },
      { ...alive, sig: alive.sig.subarray(0, 63) },
      { ...alive, sig: Uint8Array.from(alive.sig, (x, i) => (i === 10 ? x ^ 1 : x)) },
      { ...alive, sig: new Uint8Array(64) },
    ]
    for (const u of changed) assert.equal(verifyUpdate(verifier, u), false)
    // Same fields, other type: the domain prefix separates them.
    const leave = signUpdate<LeaveClaim>(a, { type: 'leave', id: a.id, incarnation: 3 })
    const suspect = { type: 'suspect', id: a.id, incarnation: 3, from: a.id, sig: leave.sig } as const
    assert.equal(verifyUpdate(verifier, suspect), false)
  })

  it('accusations are spoken by the accuser, not the accused', () => {
    const s = signUpdate<Accusation>(b, { type: 'suspect', id: a.id, incarnation: 1, from: b.id })
    assert.equal(speakerOf(s), b.id)
    assert.equal(verifyUpdate(verifier, s), true)
    assert.equal(verifyUpdate(verifier, { ...s, type: 'dead' }), false)
    assert.equal(verifyUpdate(verifier, { ...s, from: a.id }), false)
    // Signed by the accused itself: not a valid accusation by b.
    const byAccused: Accusation = { ...s, sig: a.sign(encodeClaimBody(s)) }
    assert.equal(verifyUpdate(verifier, byAccused), false)
    assert.throws(
      () => signUpdate<Accusation>(a, { type: 'dead', id: a.id, incarnation: 1, from: b.id }),
      invalid,
    )
    assert.throws(() => signUpdate<LeaveClaim>(b, { type: 'leave', id: a.id, incarnation: 1 }), invalid)
    assert.equal(speakerOf(alive), a.id)
  })

  it('verify never throws on garbage, and answers false', () => {
    const body = encodeClaimBody(alive)
    const garbage: [unknown, unknown, unknown][] = [
      ['not-a-peer-id', body, alive.sig],
      ['', body, alive.sig],
      [undefined, body, alive.sig],
      [a.id, body, 'sig'],
      [a.id, null, alive.sig],
      [a.id, body, new Uint8Array(65)],
      // Another id: its last two characters changed (to something they were not).
      [`${a.id.slice(0, -2)}${a.id.endsWith('xx') ? 'yy' : 'xx'}`, body, alive.sig],
    ]
    for (const [speaker, bytes, sig] of garbage) {
      assert.equal(verifier.verify(speaker as string, bytes as Uint8Array, sig as Uint8Array), false)
    }
    for (const u of [null, {}, { type: 'alive' }, { ...alive, tags: null }, { ...alive, sig: undefined }]) {
      assert.equal(verifyUpdate(verifier, u as Update), false)
    }
  })

  it('keeps verifying correctly when the key cache is smaller than the speakers', () => {
    const tiny = ed25519Verifier({ cacheSize: 1 })
    const s = signUpdate<Accusation>(b, { type: 'dead', id: a.id, incarnation: 1, from: b.id })
    for (let i = 0; i < 3; i++) {
      assert.equal(verifyUpdate(tiny, alive), true)
      assert.equal(verifyUpdate(tiny, s), true)
      assert.equal(verifyUpdate(tiny, { ...s, incarnation: 2 }), false)
    }
  })

  it('refuses a non-Ed25519 key', async () => {
    const secp = await generateKeyPair('secp256k1')
    assert.throws(() => ed25519Signer(secp as never), invalid)
  })

  it('test-only fakes: zero signature, verifier that accepts all', () => {
    const fake = signUpdate<LeaveClaim>(fakeSigner(a.id), { type: 'leave', id: a.id, incarnation: 1 })
    assert.deepEqual(fake.sig, new Uint8Array(64))
    assert.equal(verifyUpdate(acceptAllVerifier, fake), true)
    assert.equal(verifyUpdate(verifier, fake), false)
    const id = fakeMemberId(7)
    assert.equal(isMemberId(id), true)
    assert.equal(fakeMemberId(7), id)
    assert.notEqual(fakeMemberId(8), id)
    const leave = signUpdate<LeaveClaim>(fakeSigner(id), { type: 'leave', id, incarnation: 1 })
    assert.deepStrictEqual(decodePacket(encodePacket({ type: 'gossip', updates: [leave] })), {
      type: 'gossip',
      updates: [leave],
    })
    assert.equal(verifyUpdate(verifier, leave), false)
  })

  it('memberIdFromKey gives the id libp2p derives from the public key', () => {
    assert.equal(memberIdFromKey(keyA.publicKey.raw), a.id)
    assert.throws(() => memberIdFromKey(new Uint8Array(31)), invalid)
  })
})
