// Overwrites do not grow the store: one key per record, replaced in place, and LevelDB compacts.
//
// The bound: the store sets LevelDB's write buffer to 1 MiB (WRITE_BUFFER_BYTES), so the
// write-ahead log is flushed to a table every ~1 MiB; at most two logs exist (one being flushed),
// ~2.2 MiB. Tables hold the live data (50 records of ~1.7 KB = ~85 KB), at worst in a dozen level-0
// tables plus level 1 before compaction merges them: < 1 MiB. MANIFEST and LOG add kilobytes.
// So 4 MiB has margin, while the loop writes ~7.5 MB of values (more with the records around them): a store that kept old versions would fail.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { STORE_DIR, WRITE_BUFFER_BYTES } from '../../src/state/store.js'
import { TestAgent } from '../helpers/agents.js'
import { connect, dirBytes, disposeAll } from './helpers.js'

const KEYS = 50
const WRITES = 5000
const WRITERS = 16
const BOUND = 4 * 1024 * 1024
const VALUE = 'v'.repeat(1500)

describe('durability: store size under overwrites', function () {
  this.timeout(120_000)
  const agents: TestAgent[] = []

  afterEach(async function () {
    await disposeAll(agents.splice(0), this.currentTest?.state === 'failed')
  })

  it(`${WRITES} overwrites of ${KEYS} keys keep state.db under 4 MiB; deletes keep one tombstone per key`, async () => {
    assert.equal(WRITE_BUFFER_BYTES, 1024 * 1024, 'the bound above assumes a 1 MiB write buffer')
    const agent = new TestAgent({ name: 'sizer' })
    agents.push(agent)
    agent.start()
    await agent.ready()
    const db = join(agent.dataDir, STORE_DIR)
    let largest = 0
    const sample = () => {
      largest = Math.max(largest, dirBytes(db))
    }
    const sampler = setInterval(sample, 50)
    const c = await connect(agent, 30_000)
    let written = 0
    let next = 0
    try {
      await Promise.all(
        Array.from({ length: WRITERS }, async () => {
          for (let n = next++; n < WRITES; n = next++) {
            const value = `${VALUE}${n}`
            await c.call('kv.set', { key: `key-${n % KEYS}`, value })
            written += value.length
          }
        }),
      )
      sample()
      assert.ok(written > 1.5 * BOUND, `the loop wrote ${written} bytes of values, more than the bound`)
      assert.ok(largest < BOUND, `state.db reached ${largest} bytes (bound ${BOUND})`)

      const { state } = (await c.call('info', {})) as { state: { keys: number; records: number } }
      assert.equal(state.keys, KEYS)
      assert.equal(state.records, KEYS)

      // Deleting keeps exactly one tombstone record per key, in place of the value.
      for (let k = 0; k < KEYS; k++) await c.call('kv.del', { key: `key-${k}` })
      const after = (await c.call('info', {})) as {
        state: { keys: number; records: number; tombstones: number }
      }
      assert.deepEqual(
        { keys: after.state.keys, records: after.state.records, tombstones: after.state.tombstones },
        { keys: 0, records: KEYS, tombstones: KEYS },
      )
    } finally {
      clearInterval(sampler)
      c.close()
    }

    // And it stays bounded across a restart (LevelDB turns the log into a table on open).
    agent.kill('SIGTERM')
    assert.equal(await agent.waitExit(), 0)
    agent.start()
    const info = await agent.ready()
    assert.equal(info.state?.keys, 0)
    const size = dirBytes(db)
    assert.ok(size < BOUND, `state.db is ${size} bytes after a restart`)
  })
})
