// Two connections to one peer from simultaneous dials: both ends close the same one.
import assert from 'node:assert/strict'
import {
  type ConnInfo,
  duplicateConnections,
  duplicatesToClose,
} from '../../../src/gossip/duplicate-connections.js'
import { waitFor } from '../../helpers/wait.js'
import { FakeNet } from './fake-net.js'

const c = (id: string, direction: ConnInfo['direction'], more: Partial<ConnInfo> = {}): ConnInfo => ({
  id,
  direction,
  limited: false,
  open: true,
  ...more,
})

describe('duplicate connections', () => {
  it('both ends keep the connection the smaller peer id dialled', () => {
    // a < b. Connection x was dialled by a, y by b: a sees x outbound, b sees x inbound.
    assert.deepEqual(duplicatesToClose('a', 'b', [c('x', 'outbound'), c('y', 'inbound')]), ['y'])
    assert.deepEqual(duplicatesToClose('b', 'a', [c('y', 'outbound'), c('x', 'inbound')]), ['y'])
    assert.deepEqual(
      duplicatesToClose('a', 'b', [c('y', 'inbound'), c('x', 'outbound')]),
      ['y'],
      'whatever the order',
    )
  })

  it('leaves single, relayed and closing connections alone', () => {
    assert.deepEqual(duplicatesToClose('a', 'b', [c('x', 'outbound')]), [])
    assert.deepEqual(
      duplicatesToClose('a', 'b', [c('x', 'inbound'), c('r', 'outbound', { limited: true })]),
      [],
    )
    assert.deepEqual(
      duplicatesToClose('a', 'b', [c('x', 'inbound'), c('y', 'outbound', { open: false })]),
      [],
    )
  })

  it('of two dialled the same way (a redial), keeps the first', () => {
    assert.deepEqual(duplicatesToClose('b', 'a', [c('x', 'outbound'), c('y', 'outbound')]), ['y'])
  })

  it('when both dial at once, both ends close the same connection and tell gossipsub the peer is still there', async () => {
    const net = new FakeNet()
    const [x, y] = [await net.node(), await net.node()]
    const [small, large] = x.id < y.id ? [x, y] : [y, x]
    const svcs = [small, large].map((n) => duplicateConnections()(n.components()))
    for (const s of svcs) s.start()
    try {
      const [keptAtSmall, keptAtLarge] = net.connect(small, large)
      assert.equal(small.connectionsTo(large.id).length, 1, 'a single connection is no duplicate')
      net.connect(large, small)
      await waitFor(
        () => small.connectionsTo(large.id).length === 1 && large.connectionsTo(small.id).length === 1,
        {
          timeoutMs: 5000,
          intervalMs: 5,
          what: 'one connection left',
        },
      )
      assert.deepEqual(small.connectionsTo(large.id), [keptAtSmall], 'the one the smaller id dialled')
      assert.deepEqual(large.connectionsTo(small.id), [keptAtLarge])
      await waitFor(() => small.reattached.length > 0 && large.reattached.length > 0, {
        timeoutMs: 5000,
        intervalMs: 5,
      })
      assert.deepEqual(small.reattached, [large.id])
      assert.deepEqual(large.reattached, [small.id])
      assert.deepEqual(
        svcs.map((s) => s.count),
        [1, 1],
      )
    } finally {
      for (const s of svcs) s.stop()
    }
  })
})
