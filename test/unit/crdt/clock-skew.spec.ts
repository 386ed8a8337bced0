import assert from 'node:assert/strict'
import { ClockSkew, SKEW_WINDOW_MS } from '../../../src/crdt/clock-skew.js'

describe('clock skew from fresh writes', () => {
  it('reports the peers furthest ahead and behind, and forgets old readings', () => {
    const s = new ClockSkew()
    assert.deepEqual(s.summary(0), { peers: 0, ahead: null, behind: null })
    s.record('A', 10_500, 10_000) // A writes at its 10.5 s, we receive at our 10 s: 500 ms ahead
    s.record('B', 7_000, 10_000)
    s.record('C', 10_020, 10_000)
    assert.deepEqual(s.summary(10_000), {
      peers: 3,
      ahead: { peer: 'A', ms: 500 },
      behind: { peer: 'B', ms: 3000 },
    })
    s.record('A', 20_000, 20_000) // A's clock fixed: its latest reading counts
    assert.deepEqual(s.summary(20_000).ahead, { peer: 'C', ms: 20 })
    assert.deepEqual(s.summary(10_000 + SKEW_WINDOW_MS + 1), { peers: 1, ahead: null, behind: null })
  })
})
