// The data directory and the secrets in it: another user may neither write the directory, nor
// read it (it is made 0700, with a warning), and a readable key file is warned about with its fix.
import assert from 'node:assert/strict'
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { prepareDataDir, warnIfReadable } from '../../../src/state/data-dir.js'
import { ConfigError } from '../../../src/errors.js'

describe('the data directory', () => {
  let root: string
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'murmur-datadir-'))
  })
  afterEach(() => rmSync(root, { recursive: true, force: true }))

  it('is made 0700 when others may read or enter it, and says so', async () => {
    const dir = join(root, 'd')
    await prepareDataDir(dir)
    assert.equal(statSync(dir).mode & 0o777, 0o700, 'created owner-only')
    chmodSync(dir, 0o755)
    const told: string[] = []
    await prepareDataDir(dir, (was) => told.push(was))
    assert.equal(statSync(dir).mode & 0o777, 0o700)
    assert.deepEqual(told, ['0755'])
  })

  it('is refused when others may write it', async () => {
    const dir = join(root, 'w')
    await prepareDataDir(dir)
    chmodSync(dir, 0o775)
    await assert.rejects(
      prepareDataDir(dir),
      (err: unknown) => err instanceof ConfigError && /chmod 700/.test(err.message),
    )
  })

  it('warns about a key file others can read, naming the fix, and not about an owner-only one', async () => {
    const key = join(root, 'identity.key')
    writeFileSync(key, 'secret', { mode: 0o644 })
    chmodSync(key, 0o644)
    const warned: string[] = []
    assert.equal(await warnIfReadable(key, 'identity key', (m) => warned.push(m)), true)
    assert.match(
      warned[0]!,
      /identity key .*identity\.key is readable by other users \(mode 0644\); run: chmod 600 /,
    )
    chmodSync(key, 0o600)
    assert.equal(await warnIfReadable(key, 'identity key', (m) => warned.push(m)), false)
    assert.equal(await warnIfReadable(join(root, 'missing'), 'swarm key', (m) => warned.push(m)), false)
    assert.equal(warned.length, 1)
  })
})
