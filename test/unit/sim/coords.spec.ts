// Network coordinates in the simulator (#31): the real Swim over four regions (30-150 ms apart,
// 1-5 ms within one), each member moving its coordinate with the round trips of its own probes.
import assert from 'node:assert/strict'
import { coordsRun, DEFAULT_COORDS } from '../../../sim/coords-run.js'
import { packetSize, swimNode } from '../../../sim/swim-node.js'

describe('sim: network coordinates over a latency matrix of regions', () => {
  it('after 10 virtual minutes most pairs (>= 80%) are estimated within 25% of their round trip', () => {
    const r = coordsRun({ ...DEFAULT_COORDS, nodes: 40, seed: 1 }, { factory: swimNode, sizeOf: packetSize })
    const end = r.checkpoints.at(-1)!
    assert.equal(end.atS, 600)
    assert.equal(end.pairs, (40 * 39) / 2)
    assert.ok(end.within25 >= 0.8, `${(100 * end.within25).toFixed(1)}% of pairs within 25%`)
    assert.ok(end.interWithin25 >= 0.95, `across regions ${(100 * end.interWithin25).toFixed(1)}%`)
    assert.ok(end.median < 0.05, `median error ${end.median}`)
    // It improves with time, and the run replays from its seed.
    const first = r.checkpoints[0]!
    assert.ok(end.within25 > first.within25)
    const again = coordsRun(
      { ...DEFAULT_COORDS, nodes: 40, seed: 1, seconds: first.atS, checkpointsS: [] },
      { factory: swimNode, sizeOf: packetSize },
    )
    assert.deepEqual(again.checkpoints[0], first)
  })
})
