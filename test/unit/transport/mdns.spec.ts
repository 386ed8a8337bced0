// robustMdns re-announces peers that mDNS keeps seeing while we are not connected to them (issue #8).
// No sockets: the service is never started, 'peer' events are injected as @libp2p/mdns would emit them.
import assert from 'node:assert/strict'
import type { NetworkInterfaceInfo } from 'node:os'
import '../../../src/polyfill.js'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerDiscovery, PeerId, PeerInfo } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { ipv4Key, robustMdns } from '../../../src/transport/mdns.js'
import { createLogger } from '../../../src/util/log.js'

const silent = createLogger('test', { level: 'error', write: () => {} })

function fakeLibp2pLog() {
  const log = Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false })
  return { forComponent: () => log }
}

async function setup() {
  let clock = 1_000_000
  const connected = new Set<string>()
  const announced: PeerInfo[] = []
  const components = {
    logger: fakeLibp2pLog(),
    addressManager: { getAddresses: () => [] },
    connectionManager: { getConnections: (id: PeerId) => (connected.has(id.toString()) ? [{}] : []) },
    events: {
      safeDispatchEvent: (type: string, init: { detail: PeerInfo }) => {
        if (type === 'peer:discovery') announced.push(init.detail)
        return true
      },
    },
  }
  const factory = robustMdns({
    intervalMs: 5000,
    serviceTag: '_t._udp.local',
    logger: silent,
    now: () => clock,
  })
  const svc = factory(components as unknown as Parameters<typeof factory>[0]) as PeerDiscovery
  const peer: PeerInfo = {
    id: peerIdFromPrivateKey(await generateKeyPair('Ed25519')),
    multiaddrs: [multiaddr('/ip4/10.231.0.12/tcp/7946')],
  }
  const seen: PeerInfo[] = []
  svc.addEventListener('peer', (evt) => seen.push(evt.detail))
  return {
    svc,
    peer,
    seen,
    announced,
    connected,
    tick: (ms: number) => {
      clock += ms
    },
    sighting: () => svc.safeDispatchEvent('peer', { detail: peer }),
  }
}

describe('robustMdns', () => {
  it('passes mDNS sightings on to libp2p and re-announces an unconnected peer with backoff', async () => {
    const t = await setup()
    t.sighting()
    assert.equal(t.seen.length, 1, "libp2p's own 'peer' listener still gets every sighting")
    assert.equal(t.announced.length, 1, 'first sighting announced as peer:discovery')
    assert.equal(t.announced[0]?.id.toString(), t.peer.id.toString())
    t.sighting()
    t.tick(500)
    t.sighting()
    assert.equal(t.announced.length, 1, 'not again within the first second')
    t.tick(600)
    t.sighting()
    assert.equal(t.announced.length, 2, 'again after 1 s: a lost event or a failed dial is repaired')
    t.tick(1500)
    t.sighting()
    assert.equal(t.announced.length, 2, 'then the gap doubles (2 s)')
    t.tick(600)
    t.sighting()
    assert.equal(t.announced.length, 3)
    for (let k = 0; k < 20; k++) {
      t.tick(30_000)
      t.sighting()
    }
    assert.equal(t.announced.length, 23, 'capped at one per 30 s')
  })

  it('stays quiet while connected and starts from 1 s again after a disconnect', async () => {
    const t = await setup()
    t.sighting()
    t.tick(1000)
    t.sighting()
    t.tick(2000)
    t.sighting()
    assert.equal(t.announced.length, 3)
    t.connected.add(t.peer.id.toString())
    for (let k = 0; k < 5; k++) {
      t.tick(10_000)
      t.sighting()
    }
    assert.equal(t.announced.length, 3, 'no announcements for a connected peer')
    t.connected.clear()
    t.sighting()
    t.tick(1000)
    t.sighting()
    assert.equal(t.announced.length, 5, 'backoff was reset by the connection')
  })

  it('keys interfaces by their IPv4 addresses only, order-independent', () => {
    const lo: NetworkInterfaceInfo = {
      address: '127.0.0.1',
      netmask: '255.0.0.0',
      family: 'IPv4',
      mac: '',
      internal: true,
      cidr: null,
    }
    const eth: NetworkInterfaceInfo = { ...lo, address: '10.231.0.12', internal: false }
    const v6: NetworkInterfaceInfo = { ...lo, address: 'fe80::1', family: 'IPv6', scopeid: 2 }
    assert.equal(ipv4Key({ lo: [lo] }), 'lo=127.0.0.1')
    assert.equal(ipv4Key({ eth0: [v6, eth], lo: [lo] }), ipv4Key({ lo: [lo], eth0: [eth] }))
    assert.notEqual(ipv4Key({ lo: [lo] }), ipv4Key({ lo: [lo], eth0: [eth] }))
  })
})
