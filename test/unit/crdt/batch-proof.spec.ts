// Batch signatures: one Ed25519 signature per batch of writes, a Merkle path per part, and
// receivers that check the signature of a batch once.
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { isProofShape, MAX_BATCH_PARTS, ProofChecker, signBatch } from '../../../src/crdt/batch-proof.js'
import { type CrdtRecord, Replica } from '../../../src/crdt/index.js'
import type { WriteSigner, WriteVerifier } from '../../../src/crdt/signing.js'
import { ed25519WriteSigner, ed25519WriteVerifier } from '../../../src/gossip/write-signatures.js'
import { FakeClock } from '../../../src/util/clock.js'

const utf8 = new TextEncoder()
const bodies = (n: number, tag = 'w') => Array.from({ length: n }, (_, i) => utf8.encode(`${tag}${i}`))

function counting<T extends object>(target: T, method: keyof T): { it: T; calls: () => number } {
  let calls = 0
  const fn = target[method] as (...a: unknown[]) => unknown
  const it = {
    ...target,
    [method]: (...a: unknown[]) => {
      calls++
      return fn.apply(target, a)
    },
  } as T
  return { it, calls: () => calls }
}

async function identity(): Promise<{ id: string; signer: WriteSigner }> {
  const key = await generateKeyPair('Ed25519')
  return { id: peerIdFromPrivateKey(key).toString(), signer: ed25519WriteSigner(key) }
}

describe('batch signatures', () => {
  it('every part of a batch of any size proves its body, with one signature', async () => {
    const { id, signer } = await identity()
    for (const n of [1, 2, 3, 5, 17, 64, MAX_BATCH_PARTS]) {
      const s = counting(signer, 'sign')
      const v = counting(ed25519WriteVerifier(), 'verify')
      const checker = new ProofChecker(v.it)
      const bs = bodies(n)
      const proofs = signBatch(s.it, bs)
      assert.equal(s.calls(), 1, `one signature for ${n} parts`)
      for (const p of proofs) assert.ok(isProofShape(p), p)
      bs.forEach((b, i) => {
        assert.ok(checker.check(id, b, proofs[i]!), `part ${i} of ${n}`)
      })
      assert.equal(v.calls(), 1, `one verification for ${n} parts`)
      if (n > 1) {
        assert.ok(!checker.check(id, bs[0]!, proofs[1]!), 'a proof does not carry over to another body')
        assert.ok(!checker.check(id, utf8.encode('forged'), proofs[0]!))
      }
    }
  })

  it('a batch of one is a plain signature of the body', async () => {
    const { id, signer } = await identity()
    const [p] = signBatch(signer, bodies(1))
    assert.equal(Buffer.from(p!, 'base64').length, 64)
    assert.ok(ed25519WriteVerifier().verify(id, bodies(1)[0]!, p!))
  })

  it('refuses altered paths, other origins, and a cached root with another signature', async () => {
    const [a, b] = await Promise.all([identity(), identity()])
    const checker = new ProofChecker(ed25519WriteVerifier())
    const bs = bodies(8)
    const proofs = signBatch(a.signer, bs)
    const bytes = Buffer.from(proofs[3]!, 'base64')
    const flipped = (at: number) => {
      const c = Buffer.from(bytes)
      c[at]! ^= 1
      return c.toString('base64')
    }
    assert.ok(!checker.check(a.id, bs[3]!, flipped(70)), 'a path node changed')
    assert.ok(!checker.check(a.id, bs[3]!, flipped(64)), 'a side bit changed')
    assert.ok(!checker.check(b.id, bs[3]!, proofs[3]!), 'another origin')
    assert.ok(checker.check(a.id, bs[3]!, proofs[3]!))
    // The root is now cached: a proof with the same path but a bad signature still fails.
    assert.ok(!checker.check(a.id, bs[3]!, flipped(0)))
    assert.ok(!checker.check(a.id, bs[3]!, 'AAAA'))
  })

  it('remembers verified nodes without getting less strict: any changed byte of a proof still fails', async () => {
    const [a, b] = await Promise.all([identity(), identity()])
    const checker = new ProofChecker(ed25519WriteVerifier())
    const bs = bodies(MAX_BATCH_PARTS)
    const proofs = signBatch(a.signer, bs)
    for (const [i, body] of bs.entries()) assert.ok(checker.check(a.id, body, proofs[i]!), `part ${i}`)
    // Every node of the tree is known now. Change each byte of a proof in turn: the leaf's own
    // path reaches known nodes, yet what is read from there up must match what was verified.
    const bytes = Buffer.from(proofs[77]!, 'base64')
    for (let at = 0; at < bytes.length; at++) {
      const c = Buffer.from(bytes)
      c[at]! ^= 0x10
      assert.ok(!checker.check(a.id, bs[77]!, c.toString('base64')), `byte ${at} changed`)
    }
    assert.ok(!checker.check(b.id, bs[77]!, proofs[77]!), 'known nodes are per origin')
    assert.ok(!checker.check(a.id, bs[78]!, proofs[77]!), 'another part of the batch under this proof')
    assert.ok(checker.check(a.id, bs[77]!, proofs[77]!))
    // A checker that remembers at most a few nodes still checks everything right.
    const small = new ProofChecker(ed25519WriteVerifier(), 2, 3)
    for (const [i, body] of bs.entries())
      assert.ok(small.check(a.id, body, proofs[i]!), `part ${i}, small memory`)
    assert.ok(!small.check(a.id, bs[1]!, proofs[0]!))
  })

  it('accepts only canonical base64 of a valid length as a proof shape', () => {
    const b64 = (n: number) => Buffer.alloc(n, 7).toString('base64')
    assert.ok(isProofShape(b64(64)))
    assert.ok(isProofShape(b64(65 + 16)))
    assert.ok(isProofShape(b64(65 + 16 * 8)))
    for (const n of [0, 63, 65, 65 + 15, 65 + 16 * 9]) assert.ok(!isProofShape(b64(n)), `${n} bytes`)
    assert.ok(!isProofShape(`${b64(64).slice(0, -3)}B==`), 'non-canonical padding bits')
    assert.ok(!isProofShape('x'.repeat(10_000)))
  })

  it('a replica that defers signing signs a batch of writes once, and a peer verifies it once', async () => {
    const { id, signer } = await identity()
    const s = counting(signer, 'sign')
    const writer = new Replica(id, new FakeClock(), { signer: s.it, deferSigning: true })
    for (let i = 0; i < 100; i++) writer.kvSet(`k${i}`, i)
    writer.setAdd('s', ['x', 'y'])
    writer.counterAdd('n', 3)
    writer.kvSet('k0', 'again') // the same key twice in one batch: one part, the latest
    assert.equal(s.calls(), 0)
    assert.equal(writer.unsealed, 103)
    const sealed = writer.seal()
    assert.equal(sealed.size, 103)
    assert.equal(s.calls(), 1, '103 parts fit one batch')
    assert.equal(writer.unsealed, 0)
    const v = counting(ed25519WriteVerifier() as WriteVerifier, 'verify')
    const reader = new Replica((await identity()).id, new FakeClock(), { verifier: v.it })
    reader.applyRecords([...writer.entries()] as Array<[string, CrdtRecord]>)
    assert.equal(reader.digest(), writer.digest())
    assert.equal(reader.kvGet('k0'), 'again')
    assert.equal(reader.heldBack().forged, 0)
    assert.equal(v.calls(), 1, 'one verification for the whole batch')
  })

  it('a batch larger than one root can sign is split into several signatures', async () => {
    const { id, signer } = await identity()
    const s = counting(signer, 'sign')
    const writer = new Replica(id, new FakeClock(), { signer: s.it, deferSigning: true })
    for (let i = 0; i < MAX_BATCH_PARTS * 2 + 1; i++) writer.kvSet(`k${i}`, i)
    writer.seal()
    assert.equal(s.calls(), 3)
    const reader = new Replica((await identity()).id, new FakeClock(), { verifier: ed25519WriteVerifier() })
    reader.applyRecords([...writer.entries()] as Array<[string, CrdtRecord]>)
    assert.equal(reader.digest(), writer.digest())
  })
})
