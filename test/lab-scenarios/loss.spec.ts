// 20% packet loss on every link (plus 50 ms +- 20 ms delay where the kernel has netem): 1,000 writes
// spread over five agents all converge.
import assert from 'node:assert/strict'
import { bounded } from '../lab/mesh.js'
import { labSuite } from './suite.js'

const WRITES = 1000

describe('lab scenario: 20% packet loss', function () {
  this.timeout(180_000)
  const ctx = labSuite(`mll${process.pid % 10_000}`, 5)

  it(`${WRITES} writes spread over five agents converge under loss`, async () => {
    const mesh = await ctx.startMesh({ mdns: true })
    await mesh.waitConverged({ timeoutMs: 30_000 })

    // Probe once: real netem gets delay too; the BPF fallback only does loss
    let kind = await ctx.lab
      .netem(1, { lossPct: 20, delayMs: 50, jitterMs: 20 })
      .catch(() => 'no-netem' as const)
    if (kind === 'no-netem') {
      console.log(
        '      delay/jitter not applied: this kernel lacks netem (sch_netem); 20% loss only, via BPF',
      )
      for (const i of mesh.indexes) kind = await ctx.lab.netem(i, { lossPct: 20 })
    } else {
      for (const i of mesh.indexes.slice(1))
        await ctx.lab.netem(i, { lossPct: 20, delayMs: 50, jitterMs: 20 })
    }
    console.log(`      shaping: ${kind}, egress of every host (so 20% on every path)`)

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
