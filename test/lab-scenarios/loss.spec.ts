// 20% packet loss and 50 ms +- 20 ms delay on every link: 1,000 writes spread over five agents
// all converge.
import assert from 'node:assert/strict'
import { bounded } from '../lab/mesh.js'
import { labSuite } from './suite.js'

const WRITES = 1000

describe('lab scenario: 20% packet loss', function () {
  this.timeout(180_000)
  const ctx = labSuite(`mll${process.pid % 10_000}`, 5)

  it(`${WRITES} writes spread over five agents converge under loss`, async () => {
    // Real netem gets loss, delay and jitter on every host's egress. Without it (this kernel has
    // no sch_netem), loss comes from a BPF filter and delay from a userspace relay in front of
    // every agent, which delays each connection's bytes 50 +- 20 ms each way.
    const probe = await ctx.lab
      .netem(1, { lossPct: 20, delayMs: 50, jitterMs: 20 })
      .catch(() => 'no-netem' as const)
    if (probe !== 'no-netem') await ctx.lab.clearNetem(1)
    const relayDelay = probe === 'no-netem' ? { delayMs: 50, jitterMs: 20 } : undefined
    const mesh = await ctx.startMesh({ mdns: true, relayDelay })
    await mesh.waitConverged({ timeoutMs: 30_000 })
    let kind: string = probe
    for (const i of mesh.indexes) {
      kind = relayDelay
        ? await ctx.lab.netem(i, { lossPct: 20 })
        : await ctx.lab.netem(i, { lossPct: 20, delayMs: 50, jitterMs: 20 })
    }
    console.log(
      relayDelay
        ? `      shaping: 20% loss via ${kind} on every host's egress; 50+-20 ms delay via a userspace relay (no netem in this kernel)`
        : `      shaping: ${kind} (20% loss, 50+-20 ms) on every host's egress`,
    )

    const expected = new Map<string, string>()
    const tasks = Array.from({ length: WRITES }, (_, n) => {
      const i = mesh.indexes[n % mesh.indexes.length]!
      const key = `loss/${String(n).padStart(4, '0')}`
      const value = `v${n}@h${i}`
      expected.set(key, value)
      return () => mesh.call(i, 'kv.set', { key, value })
    })
    const t0 = Date.now()
    await bounded(25, tasks)
    const tAcked = Date.now()
    const { ms } = await mesh.waitConverged({ alive: false, timeoutMs: 120_000, intervalMs: 500 })
    console.log(
      `      ${WRITES} writes acknowledged in ${tAcked - t0} ms; one digest on all five ${ms} ms after the last ack (${Date.now() - t0} ms after the first write)`,
    )

    for (const i of mesh.indexes) {
      const { entries } = await mesh.call<{ entries: Array<{ key: string; value: unknown }> }>(i, 'kv.list', {
        prefix: 'loss/',
      })
      const got = new Map(entries.map((e) => [e.key, e.value]))
      assert.equal(got.size, WRITES, `h${i} has ${got.size} of ${WRITES} keys`)
      const wrong = [...expected].filter(([k, v]) => got.get(k) !== v).map(([k]) => k)
      assert.deepEqual(wrong.slice(0, 10), [], `h${i}: ${wrong.length} keys with the wrong value`)
    }
    for (const i of mesh.indexes) await ctx.lab.clearNetem(i)
  })
})
