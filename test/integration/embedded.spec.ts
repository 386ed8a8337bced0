// An Agent embedded in another program: no admin socket, no signal handlers, the same API.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/load.js'
import { Agent } from '../../src/daemon/agent.js'
import { silentLogger } from '../../src/util/log.js'
import { testSwarmKeyFile } from '../helpers/agents.js'

describe('an embedded agent', function () {
  this.timeout(30_000)

  it('runs without a socket or signal handlers, and its admin methods work in process', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'murmur-embedded-'))
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => process.listenerCount(s))
    const config = loadConfig({
      env: {},
      flags: {
        dataDir,
        name: 'embedded',
        listen: ['/ip4/127.0.0.1/tcp/0'],
        mdns: { enabled: false, intervalMs: 1000 },
        swarmKeyFile: testSwarmKeyFile(),
      },
    })
    const agent = await Agent.start(config, silentLogger)
    try {
      assert.ok(!existsSync(join(dataDir, 'murmur.sock')), 'no admin socket')
      assert.deepEqual(
        ['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => process.listenerCount(s)),
        signals,
        'no signal handler added',
      )
      await agent.state.kvSet('k', 'v')
      assert.equal(agent.state.kvGet('k'), 'v')
      const methods = agent.adminMethods()
      assert.ok('info' in methods && 'kv.set' in methods && !('reload' in methods), 'reload needs its runner')
    } finally {
      await agent.stop({ leave: false })
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
