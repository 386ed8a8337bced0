// Batch signatures: a writer signs one Merkle root per batch of writes instead of every write, and
// each record part carries its proof (the root's signature plus the path from its body to the
// root), so records stay self-contained through gossip and anti-entropy. A receiver checks the
// path with a few hashes and the signature once per batch: verified roots are cached.
//
// Proof (base64): a batch of one is the plain 64-byte Ed25519 signature of the body. Larger
// batches: sig(64) || sides(1) || k nodes of 16 bytes (1 <= k <= 8), where sig signs
// "murmur/batch/1" || root and bit i of sides says the i-th sibling is on the left.
// Nodes are SHA-256 truncated to 128 bits, with leaf and inner prefixes (0x00, 0x01) apart:
// forging a part means a second preimage against one of the origin's nodes, 2^128 work each
// (SPHINCS+-128 relies on the same n = 16 bytes).
import { sha256 } from '../util/sha256.js'
import type { WriteSigner, WriteVerifier } from './signing.js'

/** Most parts one root signs (8 levels: a proof of at most 193 bytes). */
export const MAX_BATCH_PARTS = 256
const NODE = 16
const SIG = 64
const MAX_DEPTH = 8
const ROOT_TAG = new TextEncoder().encode('murmur/batch/1')
const B64 = /^[A-Za-z0-9+/]+={0,2}$/

const LEAF = Uint8Array.of(0)

function leafHash(body: Uint8Array): Buffer {
  return sha256(Buffer.concat([LEAF, body])).subarray(0, NODE)
}

/** 0x01 || left || right, reused: one allocation per inner node (the hash), not four. */
const inner = Buffer.alloc(1 + 2 * NODE, 1)

function innerHash(left: Uint8Array, right: Uint8Array): Buffer {
  inner.set(left, 1)
  inner.set(right, 1 + NODE)
  return sha256(inner).subarray(0, NODE)
}

const rootMessage = (root: Uint8Array): Uint8Array => Buffer.concat([ROOT_TAG, root])

/** True for proof bytes of a valid length (a signature, or one with 1 to MAX_DEPTH path nodes). */
export function isProofBytes(bytes: Uint8Array): boolean {
  const k = (bytes.length - SIG - 1) / NODE
  return bytes.length === SIG || (Number.isInteger(k) && k >= 1 && k <= MAX_DEPTH)
}

/** True for a well-formed proof string (canonical base64 of a valid length); says nothing of validity. */
export function isProofShape(s: string): boolean {
  if (s.length > 4 * Math.ceil((SIG + 1 + NODE * MAX_DEPTH) / 3) || !B64.test(s)) return false
  const bytes = Buffer.from(s, 'base64')
  return isProofBytes(bytes) && bytes.toString('base64') === s
}

/** Signs `bodies` (at most MAX_BATCH_PARTS) with one signature; returns one proof per body. */
export function signBatch(signer: WriteSigner, bodies: readonly Uint8Array[]): string[] {
  if (bodies.length > MAX_BATCH_PARTS) throw new RangeError(`a batch holds at most ${MAX_BATCH_PARTS} parts`)
  if (bodies.length === 0) return []
  if (bodies.length === 1) return [signer.sign(bodies[0]!)]
  // levels[0] = leaves; an odd node out is carried up unchanged (no sibling at that level).
  const levels: Buffer[][] = [bodies.map(leafHash)]
  while (levels[levels.length - 1]!.length > 1) {
    const cur = levels[levels.length - 1]!
    const up: Buffer[] = []
    for (let i = 0; i < cur.length; i += 2)
      up.push(i + 1 < cur.length ? innerHash(cur[i]!, cur[i + 1]!) : cur[i]!)
    levels.push(up)
  }
  const root = levels[levels.length - 1]![0]!
  const sig = Buffer.from(signer.sign(rootMessage(root)), 'base64')
  return bodies.map((_, leaf) => {
    const nodes: Buffer[] = []
    let sides = 0
    let i = leaf
    for (let l = 0; l < levels.length - 1; l++) {
      const sib = i ^ 1
      if (sib < levels[l]!.length) {
        if (sib < i) sides |= 1 << nodes.length
        nodes.push(levels[l]![sib]!)
      }
      i >>= 1
    }
    return Buffer.concat([sig, Uint8Array.of(sides), ...nodes]).toString('base64')
  })
}

/** A node of a verified tree, with the proof it was verified under and its level in that proof. */
interface KnownNode {
  origin: string
  proof: Buffer
  level: number
}

/** True when `b`, read from `level` up (side bits, siblings, signature), is the proof `known` verified. */
function sameFrom(known: KnownNode, origin: string, b: Buffer, level: number): boolean {
  const k = known.proof
  if (
    known.origin !== origin ||
    known.level !== level ||
    k.length !== b.length ||
    k[SIG]! >> level !== b[SIG]! >> level
  )
    return false
  const at = SIG + 1 + level * NODE
  return b.compare(k, 0, SIG, 0, SIG) === 0 && b.compare(k, at, k.length, at, b.length) === 0
}

/**
 * Checks proofs against origins' keys, one signature check per batch root (cached). The parts of
 * a batch arrive together (a gossip message, a sync answer in seq order) and share the upper
 * part of their paths, so nodes already verified are remembered with the proof that verified
 * them: a path that reaches one, and reads the same from there up, is valid without hashing the
 * rest. That is about 3 hashes a part instead of 9 for a batch of 256, and exactly as strict.
 */
export class ProofChecker {
  /** `${origin} ${root hex}` -> the signature found valid for it; insertion order is LRU order. */
  private readonly roots = new Map<string, string>()
  /**
   * Node (16 bytes as latin1) -> who signed it and how it was verified, in two generations of at most
   * maxNodes / 2 (a Map used as an LRU by deleting its oldest key slows down as holes pile up).
   */
  private nodes = new Map<string, KnownNode>()
  private olderNodes = new Map<string, KnownNode>()

  constructor(
    private readonly verifier: WriteVerifier,
    private readonly maxRoots = 4096,
    private readonly maxNodes = 8192,
  ) {}

  /** True only if `proof` proves that `origin` signed `body`. Never throws. */
  check(origin: string, body: Uint8Array, proof: string): boolean {
    const bytes = Buffer.from(proof, 'base64')
    if (bytes.length === SIG) return this.verifier.verify(origin, body, proof)
    if (bytes.length < SIG + 1 + NODE || (bytes.length - SIG - 1) % NODE !== 0) return false
    const sides = bytes[SIG]!
    const depth = (bytes.length - SIG - 1) / NODE
    const path: string[] = []
    let h: Uint8Array = leafHash(body)
    for (let i = 0; i < depth; i++) {
      const key = Buffer.from(h.buffer, h.byteOffset, NODE).toString('latin1')
      const known = this.nodes.get(key) ?? this.olderNodes.get(key)
      if (known !== undefined && sameFrom(known, origin, bytes, i)) {
        path.push(key)
        this.remember(origin, path, bytes, known)
        return true
      }
      path.push(key)
      const sib = bytes.subarray(SIG + 1 + i * NODE, SIG + 1 + (i + 1) * NODE)
      h = (sides >> i) & 1 ? innerHash(sib, h) : innerHash(h, sib)
    }
    if (!this.rootSigned(origin, h, bytes.subarray(0, SIG).toString('base64'))) return false
    this.remember(origin, path, bytes)
    return true
  }

  private rootSigned(origin: string, root: Uint8Array, sig: string): boolean {
    const key = `${origin} ${Buffer.from(root).toString('hex')}`
    const known = this.roots.get(key)
    if (known === sig) {
      this.roots.delete(key)
      this.roots.set(key, sig)
      return true
    }
    if (!this.verifier.verify(origin, rootMessage(root), sig)) return false
    this.roots.set(key, sig)
    if (this.roots.size > this.maxRoots) this.roots.delete(this.roots.keys().next().value!)
    return true
  }

  /**
   * `path[l]` is the key of the node at level l of `proof`, now known to be valid; the last one
   * may be the known node the path reached, kept as it was verified.
   */
  private remember(origin: string, path: readonly string[], proof: Buffer, reached?: KnownNode): void {
    path.forEach((key, level) => {
      if (this.nodes.size >= this.maxNodes / 2) {
        this.olderNodes = this.nodes
        this.nodes = new Map()
      }
      this.nodes.set(
        key,
        reached !== undefined && level === path.length - 1 ? reached : { origin, proof, level },
      )
    })
  }
}
