import assert from 'node:assert/strict'
import { backoffDelay } from '../../../src/util/backoff.js'
import {
  advertisedAddrs,
  isRelayed,
  NO_NAT,
  relayOf,
  reservationListens,
} from '../../../src/transport/nat.js'

const RELAY = '12D3KooWG2yckZEr12LaEh9XWWYJeLUydNHmmAwkZ4XZdLHijxzh'
const SELF = '12D3KooWSvcyYKhhQsqub5LgwjeuBudyRAkpSQQseb9ZRe3a69jn'

describe('across NATs (pure parts)', () => {
  it('asks for one reservation per relay to hold, none when publicly reachable', () => {
    const nat = { ...NO_NAT, reachability: 'auto' as const, reservations: 2 }
    assert.deepEqual(reservationListens(nat), ['/p2p-circuit', '/p2p-circuit'])
    assert.deepEqual(reservationListens({ ...nat, reachability: 'public' }), [])
    assert.deepEqual(reservationListens({ ...nat, reservations: 0 }), [])
  })

  it('reads the relay out of a relayed address, and tells relayed from direct', () => {
    const relayed = `/ip4/10.231.0.11/tcp/7946/p2p/${RELAY}/p2p-circuit/p2p/${SELF}`
    assert.equal(relayOf(relayed), RELAY)
    assert.ok(isRelayed(relayed))
    assert.ok(!isRelayed(`/ip4/10.231.0.11/tcp/7946/p2p/${RELAY}`))
    assert.equal(relayOf('/p2p-circuit'), undefined)
  })

  it('backs off joins and dials exponentially, capped, with jitter of ±50 %', () => {
    const mid = () => 0.5
    assert.deepEqual(
      [1, 2, 3, 4].map((f) => backoffDelay(f, 1000, 60_000, mid)),
      [2000, 4000, 8000, 16_000],
    )
    assert.equal(backoffDelay(10, 1000, 60_000, mid), 60_000, 'capped')
    assert.equal(backoffDelay(1000, 1000, 60_000, mid), 60_000, 'no overflow however many failures')
    assert.equal(
      backoffDelay(1, 1000, 60_000, () => 0),
      1000,
    )
    assert.equal(
      backoffDelay(1, 1000, 60_000, () => 0.999),
      2998,
    )
  })
})

describe('advertised addresses', () => {
  const relayed = `/ip4/10.231.0.11/tcp/7946/p2p/${RELAY}/p2p-circuit/p2p/${SELF}`

  it('puts direct addresses first, public before private, relayed ones last', () => {
    assert.deepEqual(advertisedAddrs([relayed, '/ip4/192.168.1.10/tcp/7946', '/ip4/8.8.4.4/tcp/7946']), [
      '/ip4/8.8.4.4/tcp/7946',
      '/ip4/192.168.1.10/tcp/7946',
      relayed,
    ])
  })

  it('drops loopback unless the agent has nothing else', () => {
    assert.deepEqual(advertisedAddrs(['/ip4/127.0.0.1/tcp/7946', '/ip4/192.168.1.10/tcp/7946']), [
      '/ip4/192.168.1.10/tcp/7946',
    ])
    assert.deepEqual(advertisedAddrs(['/ip4/127.0.0.1/tcp/7946', relayed]), [relayed])
    assert.deepEqual(advertisedAddrs(['/ip4/127.0.0.1/tcp/7946']), ['/ip4/127.0.0.1/tcp/7946'])
    assert.deepEqual(advertisedAddrs([]), [])
  })
})
