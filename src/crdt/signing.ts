// Writes are signed by their origin, end to end: every record carries, for each origin in it, that
// origin's signature of its own contribution (and, for a set, the remover's signature of each
// removal), so a record can be relayed by gossip and anti-entropy alike and forged by no one.
// Pure: the signer and verifier are injected (Ed25519 in the daemon, fakes in tests).
import { canonicalJson } from './json.js'
import type { CounterRecord, LwwRecord, SetRecord } from './records.js'

export interface WriteSigner {
  /** Base64 signature of `body` by this replica's origin key. */
  sign(body: Uint8Array): string
}

export interface WriteVerifier {
  /** True only if `sig` is `origin`'s signature of `body`. Never throws. */
  verify(origin: string, body: Uint8Array, sig: string): boolean
}

const utf8 = new TextEncoder()
const body = (parts: unknown[]): Uint8Array => utf8.encode(canonicalJson(parts))

/** What an LWW record's origin signs: the whole write. */
export const lwwBody = (id: string, r: LwwRecord): Uint8Array =>
  body(['murmur/lww/1', id, r.hlc.wall, r.hlc.logical, r.value, r.dots[r.origin] ?? 0])

/** What origin `o` signs in a set record: its latest add (0: none) at its latest write. */
export const setBody = (id: string, r: SetRecord, o: string): Uint8Array =>
  body(['murmur/set/1', id, r.adds[o] ?? 0, r.dots[o] ?? 0])

/** What the remover of adder `x`'s adds signs: removed up to this seq of x. */
export const removeBody = (id: string, r: SetRecord, x: string): Uint8Array =>
  body(['murmur/rm/1', id, x, r.removed[x] ?? 0])

/** What origin `o` signs in a counter record: its totals at its latest write. */
export const counterBody = (id: string, r: CounterRecord, o: string): Uint8Array =>
  body(['murmur/ctr/1', id, r.p[o] ?? 0, r.n[o] ?? 0, r.dots[o] ?? 0])

/** A well-formed signature of 64 zero bytes. */
export const ZERO_SIG = Buffer.alloc(64).toString('base64')

/** TESTS ONLY: "signs" with zeros. Pair with acceptAllWrites. */
export const fakeWriteSigner: WriteSigner = Object.freeze({ sign: () => ZERO_SIG })

/** TESTS ONLY: accepts every signature, forged or not. Never used by the daemon. */
export const acceptAllWrites: WriteVerifier = Object.freeze({ verify: () => true })
