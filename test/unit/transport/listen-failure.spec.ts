// An address that cannot be listened on: one line naming it, the cause and the `listen` key.
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:net'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createNode, listenFailure } from '../../../src/transport/node.js'
import { createLogger } from '../../../src/util/log.js'

describe('listen failure', () => {
  it('turns a port in use into one line naming the address and the listen key', async () => {
    const held: Server = createServer()
    await new Promise<void>((r) => held.listen(0, '127.0.0.1', r))
    const port = (held.address() as { port: number }).port
    const addr = `/ip4/127.0.0.1/tcp/${port}`
    try {
      await assert.rejects(
        createNode({
          privateKey: await generateKeyPair('Ed25519'),
          listen: [addr],
          announce: [],
          bootstrap: [],
          mdns: { enabled: false, intervalMs: 1000 },
          swarmKeyFile: null,
          maxConnections: 10,
          maxMessageBytes: 1 << 20,
          topics: [],
          logger: createLogger('test', { level: 'error', write: () => {} }),
          nat: {
            reachability: 'public',
            autonat: false,
            reservations: 0,
            upnp: false,
            relay: {
              serve: 'off',
              maxReservations: 0,
              reservationTtlMs: 0,
              maxDurationMs: 0,
              maxDataBytes: 0,
            },
          },
        }),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, 'CONFIG_INVALID')
          assert.equal(
            err.message,
            `listen: cannot listen on ${addr}: the port is in use (another agent, or another program, holds it); choose another address in the config key "listen" or with --listen`,
          )
          assert.doesNotMatch(err.message, /\n|faultTolerance/)
          return true
        },
      )
    } finally {
      held.close()
    }
  })

  it('names every failed address and leaves other errors alone', () => {
    const err = Object.assign(
      new Error(
        'Some configured addresses failed to be listened on, you may need to ... NO_FATAL:\n\n' +
          '  /ip4/10.9.9.9/tcp/7946: Error: listen EADDRNOTAVAIL: address not available 10.9.9.9:7946\n      at x (node:net:1:1)\n\n' +
          '  /ip4/0.0.0.0/tcp/80: Error: listen EACCES: permission denied 0.0.0.0:80\n      at y (node:net:1:1)\n',
      ),
      { name: 'UnsupportedListenAddressesError' },
    )
    assert.equal(
      listenFailure(err)?.message,
      'listen: cannot listen on /ip4/10.9.9.9/tcp/7946: no network interface of this machine has that address; ' +
        '/ip4/0.0.0.0/tcp/80: permission denied (ports below 1024 need privileges); choose another address in the config key "listen" or with --listen',
    )
    assert.equal(listenFailure(new Error('other')), undefined)
  })
})
