import assert from 'node:assert/strict'
import { connectionKind, reachableAddr } from '../../../src/daemon/member-view.js'

const advertised = ['/ip4/127.0.0.1/tcp/7946', '/ip4/10.0.0.2/tcp/7946', '/ip4/192.168.1.5/tcp/7946']

describe('the address shown for a member', () => {
  it('is the advertised address on the host an open connection reaches', () => {
    // Inbound: the remote port is the member's ephemeral one, so its listening address is shown.
    assert.equal(
      reachableAddr(advertised, [{ addr: '/ip4/192.168.1.5/tcp/51234', outbound: false }]),
      '/ip4/192.168.1.5/tcp/7946',
    )
    // Outbound to an address it does not advertise (a port forward, a NAT): the one we dialled.
    assert.equal(
      reachableAddr(advertised, [{ addr: '/ip4/10.1.2.3/tcp/4001', outbound: true }]),
      '/ip4/10.1.2.3/tcp/4001',
    )
  })

  it('says whether the connection is direct, relayed or none', () => {
    const relayed = { addr: '/ip4/10.9.9.9/tcp/1/p2p/QmRelay/p2p-circuit', outbound: true }
    const direct = { addr: '/ip4/10.0.0.2/tcp/7946', outbound: true }
    assert.equal(connectionKind([]), 'none')
    assert.equal(connectionKind([relayed]), 'relayed')
    assert.equal(connectionKind([relayed, direct]), 'direct')
  })

  it('without a direct connection, is the first advertised address that is not loopback', () => {
    assert.equal(reachableAddr(advertised, []), '/ip4/10.0.0.2/tcp/7946')
    const relayed = [{ addr: '/ip4/10.9.9.9/tcp/1/p2p/QmRelay/p2p-circuit', outbound: true }]
    assert.equal(reachableAddr(advertised, relayed), '/ip4/10.0.0.2/tcp/7946')
    assert.equal(reachableAddr(['/ip4/127.0.0.1/tcp/7946'], []), '/ip4/127.0.0.1/tcp/7946', 'all on one host')
    assert.equal(reachableAddr([], []), null)
  })
})
