import assert from 'node:assert/strict'
import { surplusIdleMs, surplusPeers } from '../../../src/gossip/surplus-connections.js'

describe('surplus connections', () => {
  const view = new Set(['v1', 'v2'])
  const now = 100_000

  it('closes peers outside the view that were silent past the idle time, idlest first', () => {
    const last = new Map([
      ['v1', 0],
      ['v2', 0],
      ['quiet-old', 1_000],
      ['quiet', 50_000],
      ['talking', 95_000],
    ])
    const connected = ['v1', 'v2', 'quiet', 'talking', 'quiet-old']
    assert.deepEqual(surplusPeers(connected, view, last, now, 30_000), ['quiet-old', 'quiet'])
  })

  it('a connected peer never heard from counts as idle since time 0', () => {
    assert.deepEqual(surplusPeers(['v1', 'v2', 'x'], view, new Map(), now, 30_000), ['x'])
  })

  it('keeps as many connections as the view has members, even idle ones', () => {
    const last = new Map<string, number>()
    // The view is not connected yet: the two links we have are all the mesh we reach.
    assert.deepEqual(surplusPeers(['a', 'b'], view, last, now, 30_000), [])
    assert.deepEqual(surplusPeers(['a', 'b', 'c'], view, last, now, 30_000).length, 1)
  })

  it('the idle time spans four probe rounds of the view, at least 10 s', () => {
    assert.equal(surplusIdleMs(7, 1000), 28_000)
    assert.equal(surplusIdleMs(2, 400), 10_000)
  })
})
