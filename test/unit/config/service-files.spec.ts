// The files an operator installs: the example production config and the systemd unit.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { loadConfig } from '../../../src/config/load.js'
import { ConfigError } from '../../../src/errors.js'
import { BIN } from '../../helpers/agents.js'

const root = dirname(dirname(BIN))

describe('service files', () => {
  it('the commented example production config loads and validates', () => {
    const c = loadConfig({ file: resolve(root, 'config/production.example.json'), env: {} })
    assert.deepEqual(c.tags, { role: 'db', zone: 'eu-west-1a' })
    assert.equal(c.metrics.enabled, true)
    assert.equal(c.handlers.length, 2)
  })

  it('config files may hold comments, but not other non-JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-config-'))
    try {
      const file = join(dir, 'c.json')
      writeFileSync(file, '// a comment\n{ /* inline */ "tags": { "url": "http://x//y" } }\n')
      assert.deepEqual(loadConfig({ file, env: {} }).tags, { url: 'http://x//y' }, '// inside a string stays')
      writeFileSync(file, '{ tags: {} }')
      assert.throws(() => loadConfig({ file, env: {} }), ConfigError)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('config/murmur.service passes systemd-analyze verify', function () {
    if (spawnSync('systemd-analyze', ['--version']).status !== 0) {
      console.log('      skipping: systemd-analyze is not installed')
      this.skip()
    }
    const unit = readFileSync(resolve(root, 'config/murmur.service'), 'utf8')
    assert.match(unit, /^User=murmur$/m)
    assert.match(unit, /^Restart=on-failure$/m)
    assert.match(unit, /^StateDirectory=murmur$/m)
    const dir = mkdtempSync(join(tmpdir(), 'murmur-unit-'))
    try {
      // verify checks that ExecStart exists: point it at this checkout's executable.
      const file = join(dir, 'murmur.service')
      writeFileSync(file, unit.replace('/usr/local/bin/murmur', BIN))
      const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' })
      assert.equal(r.status, 0, r.stderr)
      assert.equal(r.stderr, '', 'no warnings (unknown keys, bad values)')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
