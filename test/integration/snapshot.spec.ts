// `murmur snapshot save|restore` with real agents: a snapshot of one agent, restored into a fresh
// data directory, is served to a mesh that never saw its writer, and the mesh converges.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { disposeAgents, type Info, loopbackAddr, runCli, TestAgent } from '../helpers/agents.js'
import { waitFor } from '../helpers/wait.js'
import { AdminClient } from '../../src/admin/client.js'

/** One admin call without a CLI process (the CLI is tested on the snapshot commands themselves). */
async function call<T>(agent: TestAgent, method: string, params: unknown): Promise<T> {
  const c = await AdminClient.connect(agent.socket)
  try {
    return await c.call<T>(method, params)
  } finally {
    c.close()
  }
}

async function converged(agents: TestAgent[]): Promise<string | undefined> {
  const digests = await Promise.all(agents.map(async (a) => (await a.info()).state?.digest))
  return digests.every((d) => d !== undefined && d === digests[0]) ? digests[0] : undefined
}

describe('snapshots (agents on loopback)', function () {
  this.timeout(60_000)
  let agents: TestAgent[] = []

  afterEach(async function () {
    await disposeAgents(agents.splice(0), this.currentTest?.state === 'failed')
  })

  it("a restored agent serves the snapshot's records to a mesh that never saw them", async () => {
    const a = new TestAgent({ name: 'a' }).start()
    const b = new TestAgent({ name: 'b' }).start()
    agents = [a, b]
    await Promise.all([a.ready(), b.ready()])
    await call(a, 'kv.set', { key: 'from-a', value: 'kept' })
    await call(a, 'set.add', { name: 'team', elements: ['alice'] })
    await call(a, 'counter.incr', { name: 'visits', amount: 3 })
    await call(b, 'kv.set', { key: 'from-b', value: 2 })
    const aDigest = (await a.info()).state!.digest

    const file = join(a.dataDir, '..', `snap-${process.pid}-${Date.now()}.bin`)
    const saved = await a.json<{ path: string; records: number }>(['snapshot', 'save', file])
    assert.equal(saved.path, file)
    assert.equal(saved.records, 3)
    const busy = await runCli(['snapshot', 'restore', file, '--data-dir', a.dataDir, '--force'])
    assert.equal(busy.code, 1)
    assert.match(busy.stderr, /running/)
    await a.dispose()

    const c = new TestAgent({ name: 'c' })
    agents.push(c)
    const restored = await runCli(['snapshot', 'restore', file, '--data-dir', c.dataDir, '--json'])
    assert.equal(restored.code, 0, restored.stderr)
    assert.equal(JSON.parse(restored.stdout).records, 3)
    const again = await runCli(['snapshot', 'restore', file, '--data-dir', c.dataDir])
    assert.equal(again.code, 1)
    assert.match(again.stderr, /--force/)

    c.start()
    const cInfo: Info = await c.ready()
    assert.equal(cInfo.state!.digest, aDigest, 'c starts with exactly what a had')
    await call(c, 'join', { addrs: [loopbackAddr(await b.info())] })
    const digest = await waitFor(() => converged([b, c]), { what: 'b and c to agree', timeoutMs: 20_000 })
    assert.notEqual(digest, aDigest)
    for (const x of [b, c]) {
      assert.deepEqual(await call(x, 'kv.get', { key: 'from-a' }), { value: 'kept' })
      assert.deepEqual(await call(x, 'kv.get', { key: 'from-b' }), { value: 2 })
      assert.deepEqual(await call(x, 'set.members', { name: 'team' }), { elements: ['alice'] })
      assert.deepEqual(await call(x, 'counter.get', { name: 'visits' }), { value: 3 })
    }
    const held = await call<{ state: { heldBack: { forged: number } } }>(b, 'info', {})
    assert.equal(held.state.heldBack.forged, 0, 'b accepted the signatures')
  })
})
