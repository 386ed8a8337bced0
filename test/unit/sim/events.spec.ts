import assert from 'node:assert/strict'
import { ACTION, EventQueue, PACKET, WAKE } from '../../../sim/events.js'
import { rng } from '../../../sim/rng.js'

describe('sim: event queue', () => {
  it('pops by time, then insertion order, and moves the clock', () => {
    const q = new EventQueue(100)
    q.push(105, PACKET, 1, 0, 'b')
    q.push(101, PACKET, 2, 0, 'a')
    q.push(105, ACTION, 3, 0, 'c')
    q.push(100, PACKET, 4, 0, 'first')
    const seen: unknown[] = []
    while (q.pop()) seen.push([q.time, q.payload])
    assert.deepEqual(seen, [
      [100, 'first'],
      [101, 'a'],
      [105, 'b'],
      [105, 'c'],
    ])
    assert.equal(q.now(), 105)
  })

  it('refuses an event in the past', () => {
    const q = new EventQueue(10)
    assert.throws(() => q.push(9, PACKET, 0), RangeError)
  })

  it('pops 20,000 interleaved random events in (time, insertion) order, reusing slots', () => {
    const q = new EventQueue(0)
    const random = rng(7)
    let id = 0
    let popped = 0
    let last: [number, number] = [-1, -1]
    const check = (): void => {
      const cur: [number, number] = [q.time, q.aux]
      assert.ok(cur[0] > last[0] || (cur[0] === last[0] && cur[1] > last[1]), `${cur} after ${last}`)
      last = cur
      popped++
    }
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 5000; i++) q.push(q.time + Math.floor(random() * 100), PACKET, 0, id++)
      for (let i = 0; i < 2500; i++) {
        assert.ok(q.pop())
        check()
      }
    }
    while (q.pop()) check()
    assert.equal(popped, 20_000)
  })

  describe('wake-ups', () => {
    const drain = (q: EventQueue): number[] => {
      const due: number[] = []
      while (q.pop()) if (q.kind === WAKE && q.due()) due.push(q.time)
      return due
    }

    it('fires once at the wanted time', () => {
      const q = new EventQueue(0)
      q.nodes(1)
      q.wake(0, 50)
      assert.deepEqual(drain(q), [50])
    })

    it('moving earlier fires at the new time only', () => {
      const q = new EventQueue(0)
      q.nodes(1)
      q.wake(0, 50)
      q.wake(0, 20)
      assert.deepEqual(drain(q), [20])
    })

    it('moving later adds no heap event and fires at the later time', () => {
      const q = new EventQueue(0)
      q.nodes(1)
      q.wake(0, 20)
      q.wake(0, 70)
      assert.equal(q.length, 1)
      assert.deepEqual(drain(q), [70])
    })

    it('Infinity and cancel: nothing fires', () => {
      const q = new EventQueue(0)
      q.nodes(2)
      q.wake(0, 20)
      q.wake(0, Number.POSITIVE_INFINITY)
      q.wake(1, 30)
      q.cancel(1)
      assert.deepEqual(drain(q), [])
    })

    it('a past time fires now', () => {
      const q = new EventQueue(100)
      q.nodes(1)
      q.wake(0, 40)
      assert.deepEqual(drain(q), [100])
    })

    it('keeps nodes apart', () => {
      const q = new EventQueue(0)
      q.nodes(3)
      q.wake(2, 30)
      q.wake(0, 10)
      q.wake(1, 20)
      const order: number[] = []
      while (q.pop()) if (q.due()) order.push(q.node)
      assert.deepEqual(order, [0, 1, 2])
    })
  })
})
