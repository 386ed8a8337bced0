// The admission gate on in-memory connections: refusals past the caps, slots freed on close and on
// proof, and in open mode (no private-mesh layer) the gate's own deadline.
import assert from 'node:assert/strict'
import type { MultiaddrConnection } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddrConnectionPair } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { type AdmissionEvent, AdmissionGate, sourceOf } from '../../../src/transport/admission-gate.js'
import { Admission } from '../../../src/transport/admission.js'
import { waitFor } from '../../helpers/wait.js'

const PEER = peerIdFromString('12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA')

function inbound(ip: string, port: number): MultiaddrConnection {
  const [, conn] = multiaddrConnectionPair({ inbound: { remoteAddr: multiaddr(`/ip4/${ip}/tcp/${port}`) } })
  return conn
}

describe('admission gate', () => {
  it('refuses past the per-host cap and reports it; closing frees the slot', () => {
    const events: AdmissionEvent[] = []
    const gate = new AdmissionGate(new Admission({ perHost: 2, global: 10 }), {
      enforceDeadline: false,
      onEvent: (e) => events.push(e),
    })
    const g = gate.gater()
    const a = inbound('10.0.0.5', 1)
    const b = inbound('10.0.0.5', 2)
    assert.equal(g.denyInboundConnection!(a), false)
    assert.equal(g.denyInboundConnection!(b), false)
    assert.equal(g.denyInboundConnection!(inbound('10.0.0.5', 3)), true)
    assert.deepEqual(
      events.map((e) => [e.kind, e.reason, e.host]),
      [['refused', 'host', '10.0.0.5']],
    )
    a.abort(new Error('gone'))
    assert.equal(g.denyInboundConnection!(inbound('10.0.0.5', 4)), false)
    gate.proven(b)
    const s = gate.stats()
    assert.deepEqual([s.pending, s.proven, s.closedUnproven, s.refusedHost], [1, 1, 1, 1])
  })

  it('open mode: closes a connection that has not authenticated by the deadline, counted once', async () => {
    const events: AdmissionEvent[] = []
    const gate = new AdmissionGate(new Admission({ deadlineMs: 50 }), {
      enforceDeadline: true,
      onEvent: (e) => events.push(e),
    })
    const g = gate.gater()
    const silent = inbound('10.0.0.6', 1)
    const member = inbound('10.0.0.7', 1)
    assert.equal(g.denyInboundConnection!(silent), false)
    assert.equal(g.denyInboundConnection!(member), false)
    // noise proved the member's peer id: its slot is free and the deadline no longer applies
    assert.equal(await g.denyInboundEncryptedConnection!(PEER, member), false)
    await waitFor(() => silent.status === 'aborted', {
      what: 'the silent connection to be closed',
      timeoutMs: 2000,
    })
    assert.equal(member.status, 'open')
    assert.deepEqual(
      events.map((e) => [e.kind, e.host]),
      [['expired', '10.0.0.6']],
    )
    const s = gate.stats()
    assert.deepEqual([s.pending, s.expired, s.proven, s.closedUnproven], [0, 1, 1, 0])
    gate.stop()
  })

  it('the peer filter still decides once the peer id is known', async () => {
    const gate = new AdmissionGate(new Admission(), { enforceDeadline: false })
    const g = gate.gater({ denyInboundEncryptedConnection: () => true })
    const c = inbound('10.0.0.8', 1)
    assert.equal(g.denyInboundConnection!(c), false)
    assert.equal(await g.denyInboundEncryptedConnection!(PEER, c), true)
    assert.equal(gate.stats().pending, 0)
  })

  it('counts relayed connections under their relay, IPv6 by /64', () => {
    assert.equal(sourceOf(multiaddr('/ip4/10.0.0.1/tcp/7946')), '10.0.0.1')
    assert.equal(sourceOf(multiaddr('/ip6/2001:db8:1:2::9/tcp/7946')), '2001:db8:1:2::/64')
    assert.equal(
      sourceOf(multiaddr(`/ip4/10.0.0.2/tcp/7946/p2p/${PEER}/p2p-circuit/p2p/${PEER}`)),
      'relay 10.0.0.2',
    )
  })
})
