import assert from 'node:assert/strict'
import { compareHlc, HybridClock } from '../../../src/crdt/index.js'
import { FakeClock } from '../../../src/util/clock.js'

describe('HybridClock', () => {
  it('is strictly increasing even when the wall clock stands still or goes back', () => {
    const clock = new FakeClock(1000)
    const h = new HybridClock(clock)
    const a = h.now()
    const b = h.now()
    clock.set(500)
    const c = h.now()
    clock.set(2000)
    const d = h.now()
    assert.deepEqual(
      [a, b, c],
      [
        { wall: 1000, logical: 0 },
        { wall: 1000, logical: 1 },
        { wall: 1000, logical: 2 },
      ],
    )
    assert.deepEqual(d, { wall: 2000, logical: 0 })
  })

  it('stamps local events after any observed remote time', () => {
    const clock = new FakeClock(1000)
    const h = new HybridClock(clock)
    assert.equal(h.observe({ wall: 5000, logical: 7 }), true)
    assert.ok(compareHlc(h.now(), { wall: 5000, logical: 7 }) > 0)
  })

  it('ignores remote times more than the drift limit ahead', () => {
    const clock = new FakeClock(1000)
    const h = new HybridClock(clock, 60_000)
    assert.equal(h.observe({ wall: 1000 + 60_001, logical: 0 }), false)
    assert.deepEqual(h.now(), { wall: 1000, logical: 0 })
  })

  it('orders by wall, then logical', () => {
    assert.equal(compareHlc({ wall: 1, logical: 9 }, { wall: 2, logical: 0 }), -1)
    assert.equal(compareHlc({ wall: 2, logical: 1 }, { wall: 2, logical: 0 }), 1)
    assert.equal(compareHlc({ wall: 2, logical: 1 }, { wall: 2, logical: 1 }), 0)
  })
})
