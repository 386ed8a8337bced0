import assert from 'node:assert/strict'
import { Replica } from '../../../src/crdt/index.js'
import { FakeClock } from '../../../src/util/clock.js'

describe('LWW registers carry only the winning dot', () => {
  it('do not grow with the number of writers, and diffFor drops the loser', () => {
    const clock = new FakeClock()
    const hub = new Replica('hub', clock)
    for (let i = 0; i < 200; i++) {
      const w = new Replica(`w${i}`, clock)
      clock.advance(1)
      for (const d of w.kvSet('k', i).deltas) hub.applyDelta(d)
    }
    const [[, record]] = [...hub.entries()] as unknown as [[string, { dots: Record<string, number> }]]
    assert.deepEqual(record.dots, { w199: 1 })
    assert.equal(hub.kvGet('k'), 199)
    // A peer that has the winner needs nothing, whatever losers it missed.
    assert.deepEqual(hub.diffFor({ w199: 1 }), [])
    assert.equal(hub.diffFor({ w3: 1 }).length, 1)
  })
})
