// The burst scenario at small N (under a second of wall time each): with a seed that spends 200 ms
// per new connection, today's policy leaves joiners alone for good and the fix converges; the
// host's CPU model runs a due timer before queued packets.

import assert from 'node:assert/strict'
import { type BurstResult, type BurstSpec, burst, DEFAULT_BURST, type Policy } from '../../../sim/burst.js'
import { DEFAULT_COSTS } from '../../../sim/cost.js'
import { packetSize, swimNode } from '../../../sim/swim-node.js'

const impl = { factory: swimNode, sizeOf: packetSize }

const spec = (policy: Policy, extra: Partial<BurstSpec> = {}): BurstSpec => ({
  ...DEFAULT_BURST,
  nodes: 30,
  seed: 1,
  seconds: 40,
  policy,
  ...extra,
  costs: { ...DEFAULT_COSTS, connMs: 200, ...extra.costs },
})

describe('sim: burst of joins on one seed, with connection costs', function () {
  this.timeout(60_000)
  let today: BurstResult
  let fix: BurstResult

  before(() => {
    today = burst(spec('today'), impl)
    fix = burst(spec('fix'), impl)
  })

  it("today's policy: joins whose dial timed out leave their nodes alone for good", () => {
    assert.equal(today.convergedS, null)
    assert.ok(today.firstJoinFailed >= 5, `failed joins ${today.firstJoinFailed}`)
    assert.equal(today.alone, today.firstJoinFailed, 'nothing retries them')
    assert.equal(today.joinDials, 29)
  })

  it('the fix: retried joins, deferred extra work and a pending cap converge', () => {
    assert.ok(fix.convergedS !== null && fix.convergedS <= 30, `converged ${fix.convergedS}`)
    assert.equal(fix.alone, 0)
    assert.equal(fix.falseDeaths, 0)
    assert.ok(fix.joinDials > 29, 'some joins were retried')
    assert.ok(fix.seedPeakWaitMs < 5000, `seed queue ${fix.seedPeakWaitMs} ms`)
  })

  it('with the measured costs and a core per node, 30 joins at once converge under either policy', () => {
    for (const p of ['today', 'fix'] as const) {
      const r = burst(spec(p, { costs: DEFAULT_COSTS }), impl)
      assert.ok(r.convergedS !== null && r.convergedS <= 10, `${p}: ${r.convergedS}`)
      assert.equal(r.alone, 0)
    }
  })

  it('on shared cores a loaded seed is still deterministic: the same seed gives the same run', () => {
    const s = spec('today', { nodes: 10, seconds: 10, costs: { ...DEFAULT_COSTS, cores: 2 } })
    const strip = (r: BurstResult) => ({ ...r, wallMs: 0 })
    assert.deepEqual(strip(burst(s, impl)), strip(burst(s, impl)))
  })
})
