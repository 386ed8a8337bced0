// A handler that falls behind drops from the origin with the most events queued: one member
// flooding the mesh within its rate limit cannot crowd out the events of the others.
import assert from 'node:assert/strict'
import { enqueueFair, type HandlerEvent } from '../../../src/daemon/handlers.js'

const ev = (origin: string, n: number): HandlerEvent => ({
  kind: 'user',
  subject: 'deploy',
  data: { name: 'deploy', payload: String(n), origin },
  env: {},
})

describe('a handler queue that overflows', () => {
  it("keeps the events of members that respect the limits, and drops the flooder's newest", () => {
    const queue: HandlerEvent[] = []
    const dropped: string[] = []
    for (let i = 0; i < 1000; i++) {
      const d = enqueueFair(queue, ev('flooder', i), 100)
      if (d !== undefined) dropped.push(d)
      if (i % 100 === 0) {
        const q = enqueueFair(queue, ev(`quiet-${i}`, i), 100)
        if (q !== undefined) dropped.push(q)
      }
    }
    assert.equal(queue.length, 100)
    const quiet = queue.filter((e) => e.data.origin !== 'flooder')
    assert.equal(quiet.length, 10, 'all ten quiet events are still queued')
    assert.ok(
      dropped.every((o) => o === 'flooder'),
      'only the flooder lost events',
    )
    // The flooder's oldest events are the ones kept, in order: it loses what it sent last.
    const kept = queue.filter((e) => e.data.origin === 'flooder').map((e) => Number(e.data.payload))
    assert.deepEqual(
      kept,
      kept.toSorted((a, b) => a - b),
    )
    assert.equal(kept[0], 0)
  })

  it('drops the newest event when every origin has its fair share', () => {
    const queue = [ev('a', 0), ev('b', 0)]
    assert.equal(enqueueFair(queue, ev('c', 0), 2), 'c')
    assert.deepEqual(
      queue.map((e) => e.data.origin),
      ['a', 'b'],
    )
    assert.equal(enqueueFair(queue, ev('a', 1), 3), undefined)
    assert.equal(queue.length, 3)
  })
})
