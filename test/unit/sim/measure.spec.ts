import assert from 'node:assert/strict'
import type { MemberEvent } from '../../../src/membership/types.js'
import { type ClusterView, Observer } from '../../../sim/measure.js'
import { CRASHED, RUNNING } from '../../../sim/states.js'

function view(n: number): ClusterView & { now: number; live: number } {
  const index = new Map<string, number>()
  for (let i = 0; i < n; i++) index.set(`m${i}`, i)
  return { state: new Uint8Array(n).fill(RUNNING), index, live: n, now: 0 }
}

const ev = (type: MemberEvent['type'], id: string): MemberEvent => ({
  type,
  member: { id, name: '', status: 'alive', incarnation: 1, tags: {}, addrs: [], lastSeen: 0, statusSince: 0 },
})

describe('sim: measurements', () => {
  it('99.99% of 10,000 live nodes is 9,999; 100% waits for the last one', () => {
    const c = view(10_001)
    const o = new Observer(c)
    const w = o.watch('join', 0)
    for (let i = 1; i < 10_000; i++) {
      c.now = i
      o.event(i, ev('join', 'm0'))
    }
    assert.equal(w.spread.t50, 5000)
    assert.equal(w.spread.t9999, 9999)
    assert.equal(w.spread.t100, null)
    c.now = 20_000
    o.event(10_000, ev('join', 'm0'))
    assert.equal(w.spread.t100, 20_000)
  })

  it('ignores other members, other event types and repeats', () => {
    const c = view(3)
    const o = new Observer(c)
    const w = o.watch('leave', 0)
    o.event(1, ev('join', 'm0'))
    o.event(1, ev('leave', 'm2'))
    o.event(1, ev('leave', 'm0'))
    o.event(1, ev('leave', 'm0'))
    assert.equal(w.count, 1)
    assert.equal(w.spread.t100, null)
  })

  it('a node that stops no longer counts, and may complete the watch', () => {
    const c = view(4)
    c.state[0] = CRASHED
    c.live = 3
    const o = new Observer(c)
    const w = o.watch('dead', 0)
    o.event(1, ev('dead', 'm0'))
    o.event(2, ev('dead', 'm0'))
    assert.equal(w.spread.t100, null)
    c.state[3] = CRASHED
    c.live = 2
    c.now = 7
    o.lost(3)
    assert.equal(w.spread.t100, 7)
  })

  it("counts 'dead' about a running member as false, about a crashed one not", () => {
    const c = view(3)
    c.state[2] = CRASHED
    const o = new Observer(c)
    o.event(0, ev('dead', 'm1'))
    o.event(0, ev('dead', 'm1'))
    o.event(0, ev('dead', 'm2'))
    o.event(0, ev('suspect', 'm1'))
    assert.equal(o.falseDeaths, 2)
    assert.deepEqual([...o.falselyDead], [[1, 2]])
    assert.equal(o.suspicions, 1)
  })
})
