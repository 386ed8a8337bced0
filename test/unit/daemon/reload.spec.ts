import assert from 'node:assert/strict'
import { loadConfig } from '../../../src/config/load.js'
import { configChanges, withLiveKeys } from '../../../src/daemon/reload.js'

describe('config reload', () => {
  it('splits changed keys into applied live and needing a restart', () => {
    const base = loadConfig({ flags: { dataDir: '/tmp/x' } })
    const next = {
      ...base,
      tags: { role: 'web' },
      logLevel: 'debug',
      listen: ['/ip4/127.0.0.1/tcp/1'],
      peers: { allow: [], deny: [] },
    }
    assert.deepEqual(configChanges(base, base), { applied: [], needsRestart: [] })
    assert.deepEqual(configChanges(base, next), { applied: ['logLevel', 'tags'], needsRestart: ['listen'] })
    const running = withLiveKeys(base, next)
    assert.deepEqual(configChanges(running, next), { applied: [], needsRestart: ['listen'] })
  })
})
