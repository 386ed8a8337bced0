// Two connections to one peer from simultaneous dials: both ends close the same one.
import assert from 'node:assert/strict'
import type { Connection, PeerId } from '@libp2p/interface'
import {
  type ConnInfo,
  DuplicateConnections,
  duplicatesToClose,
} from '../../../src/gossip/duplicate-connections.js'
import type { Logger } from '../../../src/util/log.js'

const c = (id: string, direction: ConnInfo['direction'], more: Partial<ConnInfo> = {}): ConnInfo => ({
  id,
  direction,
  limited: false,
  open: true,
  ...more,
})

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, child: () => quiet }

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

  it('closes the loser when the second connection opens, then tells gossipsub the peer is still there', async () => {
    const events = new EventTarget()
    const peer = { toString: () => 'b' } as PeerId
    const closed: string[] = []
    const reattached: string[] = []
    const conn = (id: string, direction: 'inbound' | 'outbound'): Connection =>
      ({
        id,
        direction,
        remotePeer: peer,
        status: 'open',
        limits: undefined,
        close: async () => {
          closed.push(id)
        },
        abort: () => {},
      }) as unknown as Connection
    const conns = [conn('x', 'outbound')]
    const svc = new DuplicateConnections({
      selfId: 'a',
      events,
      getConnections: () => conns,
      reattach: (_p, kept) => reattached.push(kept.id),
      logger: quiet,
    })
    svc.start()
    events.dispatchEvent(new CustomEvent('connection:open', { detail: conns[0] }))
    assert.deepEqual(closed, [])
    conns.push(conn('y', 'inbound'))
    events.dispatchEvent(new CustomEvent('connection:open', { detail: conns[1] }))
    await new Promise((r) => setImmediate(r))
    assert.deepEqual(closed, ['y'])
    assert.deepEqual(reattached, ['x'])
    assert.equal(svc.count, 1)
    svc.stop()
  })
})
