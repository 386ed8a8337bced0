// mDNS discovery between agents in separate network namespaces on the lab bridge: no join addresses.
import assert from 'node:assert/strict'
import { labSuite } from './suite.js'

describe('lab scenario: mDNS discovery', function () {
  this.timeout(90_000)

  for (const n of [2, 5]) {
    describe(`${n} agents`, () => {
      const ctx = labSuite(`mls${n}${process.pid % 10_000}`, n)

      it(`every agent lists ${n} alive members found by mDNS alone`, async () => {
        const t0 = Date.now()
        const mesh = await ctx.startMesh({ mdns: true })
        const tReady = Date.now()
        const { aliveMs } = await mesh.waitConverged({ timeoutMs: 30_000 })
        console.log(
          `      ${n} agents up in ${tReady - t0} ms; all list ${n} alive ${aliveMs} ms later (mDNS only, no join addresses)`,
        )
        for (const i of mesh.indexes) {
          const view = await mesh.view(i)
          const alive = Object.entries(view)
            .filter(([, s]) => s === 'alive')
            .map(([name]) => name)
            .sort()
          const want = mesh.indexes.map((k) => `h${k}`).sort()
          assert.deepEqual(alive, want, `h${i} sees ${JSON.stringify(view)}`)
        }
      })
    })
  }
})
