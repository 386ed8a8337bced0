// The swarm keys an agent holds (Serf's keyring): it dials with the primary and accepts an inbound
// connection under any of them (psk-protector.ts recognises which on the first bytes). Pure: the
// rules of install, use and remove; keyring-file.ts keeps it on disk.
import { z } from 'zod'
import { InvalidInputError, NotFoundError, TooLargeError } from '../errors.js'
import { sha256 } from '../util/sha256.js'
import { XSALSA20_KEY_BYTES } from './xsalsa20-stream.js'

/** Keys one agent holds at most: each is tried on every inbound connection's first bytes. */
export const MAX_KEYS = 16
/** Hex digits of a fingerprint: the first 8 bytes of the key's sha256, never the key itself. */
export const FINGERPRINT_HEX = 16

export const keyHexSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/i, 'a key is 64 hex digits')
  .transform((s) => s.toLowerCase())
export const fingerprintSchema = z
  .string()
  .regex(new RegExp(`^[0-9a-f]{${FINGERPRINT_HEX}}$`, 'i'), `a fingerprint is ${FINGERPRINT_HEX} hex digits`)
  .transform((s) => s.toLowerCase())

/** What is shown of a key: a stable short name that does not reveal it. */
export function fingerprint(key: Uint8Array): string {
  return sha256(key)
    .subarray(0, FINGERPRINT_HEX / 2)
    .toString('hex')
}

/** The keys as the protector reads them on each connection; the primary is also in `keys`, first. */
export interface KeyringView {
  readonly primary: Uint8Array
  readonly keys: readonly Uint8Array[]
}

/** An immutable keyring: every change returns a new one, so a connection in its handshake sees one whole. */
export class Keyring implements KeyringView {
  readonly keys: readonly Uint8Array[]

  private constructor(keys: Uint8Array[]) {
    this.keys = keys
  }

  /** A keyring of one key, primary. */
  static of(primary: Uint8Array): Keyring {
    checkKey(primary)
    return new Keyring([Uint8Array.from(primary)])
  }

  /** From the primary and the others (persisted form); the primary need not be repeated in `others`. */
  static from(primary: Uint8Array, others: readonly Uint8Array[]): Keyring {
    let ring = Keyring.of(primary)
    for (const k of others) ring = ring.install(k)
    return ring
  }

  get primary(): Uint8Array {
    return this.keys[0]!
  }

  get primaryFingerprint(): string {
    return fingerprint(this.primary)
  }

  fingerprints(): string[] {
    return this.keys.map(fingerprint)
  }

  has(fp: string): boolean {
    return this.find(fp) !== undefined
  }

  /** Adds `key` (not primary); installing a key already held changes nothing. */
  install(key: Uint8Array): Keyring {
    checkKey(key)
    if (this.find(fingerprint(key)) !== undefined) return this
    if (this.keys.length >= MAX_KEYS)
      throw new TooLargeError(`the keyring holds ${MAX_KEYS} keys, its limit: remove one first`)
    return new Keyring([...this.keys, Uint8Array.from(key)])
  }

  /** Makes the key with fingerprint `fp` primary (it must be installed). */
  use(fp: string): Keyring {
    const i = this.index(fp)
    if (i === 0) return this
    const keys = [...this.keys]
    const [key] = keys.splice(i, 1)
    return new Keyring([key!, ...keys])
  }

  /** Drops the key with fingerprint `fp`; never the primary (make another primary first). */
  remove(fp: string): Keyring {
    const i = this.index(fp)
    if (i === 0)
      throw new InvalidInputError(`key ${fp} is the primary key: make another key primary first (keys use)`)
    return new Keyring(this.keys.filter((_, j) => j !== i))
  }

  private find(fp: string): Uint8Array | undefined {
    return this.keys.find((k) => fingerprint(k) === fp.toLowerCase())
  }

  private index(fp: string): number {
    const i = this.keys.findIndex((k) => fingerprint(k) === fp.toLowerCase())
    if (i < 0) throw new NotFoundError(`no key with fingerprint ${fp} is installed`)
    return i
  }
}

function checkKey(key: Uint8Array): void {
  if (key.length !== XSALSA20_KEY_BYTES)
    throw new InvalidInputError(`a swarm key is ${XSALSA20_KEY_BYTES} bytes, got ${key.length}`)
}
