// The keyring's rules (install idempotent and bounded, use, remove never the primary) and its
// file: 0600, replaced atomically, read back the same, a damaged one named.
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fingerprint, Keyring, MAX_KEYS } from '../../../src/transport/keyring.js'
import { KEYRING_FILE, readKeyring, writeKeyring } from '../../../src/transport/keyring-file.js'

const key = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (i * 31 + n * 7) & 0xff)

describe('keyring', () => {
  it('installs idempotently, makes a key primary, removes any but the primary', () => {
    const a = key(1)
    const b = key(2)
    let ring = Keyring.of(a)
    assert.deepEqual(ring.fingerprints(), [fingerprint(a)])
    ring = ring.install(b)
    assert.equal(ring.install(b), ring, 'installing a held key changes nothing')
    assert.equal(ring.install(a), ring)
    assert.deepEqual(ring.fingerprints(), [fingerprint(a), fingerprint(b)])
    assert.throws(() => ring.remove(fingerprint(a)), { code: 'INVALID_INPUT' })
    ring = ring.use(fingerprint(b).toUpperCase())
    assert.equal(ring.primaryFingerprint, fingerprint(b))
    assert.deepEqual(ring.primary, b)
    ring = ring.remove(fingerprint(a))
    assert.deepEqual(ring.fingerprints(), [fingerprint(b)])
    assert.throws(() => ring.use(fingerprint(a)), { code: 'NOT_FOUND' })
    assert.throws(() => ring.remove(fingerprint(a)), { code: 'NOT_FOUND' })
  })

  it('holds at most MAX_KEYS keys of 32 bytes', () => {
    let ring = Keyring.of(key(0))
    for (let i = 1; i < MAX_KEYS; i++) ring = ring.install(key(i))
    assert.equal(ring.keys.length, MAX_KEYS)
    assert.throws(() => ring.install(key(99)), { code: 'TOO_LARGE' })
    assert.throws(() => Keyring.of(new Uint8Array(31)), { code: 'INVALID_INPUT' })
  })

  it('a fingerprint is 16 hex digits of sha256, not the key', () => {
    const fp = fingerprint(key(1))
    assert.match(fp, /^[0-9a-f]{16}$/)
    assert.ok(!Buffer.from(key(1)).toString('hex').includes(fp))
  })
})

describe('keyring file', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'murmur-keyring-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('is absent until written; written 0600, atomically, and read back the same', async () => {
    assert.equal(await readKeyring(dir), undefined)
    const ring = Keyring.of(key(1))
      .install(key(2))
      .use(fingerprint(key(2)))
    await writeKeyring(dir, ring)
    assert.equal(statSync(join(dir, KEYRING_FILE)).mode & 0o777, 0o600)
    const back = await readKeyring(dir)
    assert.deepEqual(back?.fingerprints(), ring.fingerprints())
    await writeKeyring(dir, ring.remove(fingerprint(key(1))))
    assert.deepEqual((await readKeyring(dir))?.fingerprints(), [fingerprint(key(2))])
    assert.deepEqual(readdirSync(dir), [KEYRING_FILE], 'no temporary file left')
  })

  it('a damaged keyring is STORE_CORRUPT, named', async () => {
    for (const text of ['{', '{"version":1,"primary":"zz","keys":[]}', '[]']) {
      writeFileSync(join(dir, KEYRING_FILE), text, { mode: 0o600 })
      await assert.rejects(readKeyring(dir), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'STORE_CORRUPT')
        assert.ok(err.message.includes(KEYRING_FILE))
        return true
      })
    }
  })
})
