// Why a join failed, in one line, whatever libp2p rejected with: never "[object Event]".
import assert from 'node:assert/strict'
import { SwarmKeyRefusedError } from '../../../src/errors.js'
import { errorText, KEY_REFUSED } from '../../../src/transport/dialer.js'

describe('dial error text', () => {
  it('names a bare Event instead of printing [object Event]', () => {
    assert.equal(errorText(new Event('error')), 'the connection failed (error event)')
    assert.equal(errorText(new Event('abort')), 'the connection failed (abort event)')
  })

  it('says what an Error or an object with a message says, and a timeout in plain words', () => {
    assert.equal(errorText(new Error('refused')), 'refused')
    assert.equal(errorText(new TypeError('bad')), 'TypeError: bad')
    assert.equal(errorText({ message: 'from a plain object' }), 'from a plain object')
    assert.equal(
      errorText(Object.assign(new Error('x'), { name: 'TimeoutError' })),
      'no answer within the dial timeout (5 s)',
    )
    assert.equal(errorText('text'), 'text')
  })

  it('says the peer refused our swarm key, naming our key file, instead of EncryptionFailedError', () => {
    const upgrade = (message: string) => Object.assign(new Error(message), { name: 'EncryptionFailedError' })
    const refused = upgrade(new SwarmKeyRefusedError('/ip4/127.0.0.1/tcp/7001').message)
    assert.equal(
      errorText(refused, '/tmp/b/swarm.key'),
      'the peer refused our swarm key (it holds a different key, or none): every agent of a mesh needs a copy of the same key file (ours: /tmp/b/swarm.key)',
    )
    assert.ok(errorText(refused, '/k').startsWith(KEY_REFUSED))
    // An open agent has no private-mesh layer: the private peer resets it as the upgrade starts.
    assert.match(
      errorText(upgrade('read ECONNRESET'), null),
      /^the peer refused our swarm key: this agent runs an open mesh/,
    )
    // Or its nonce reaches our noise first, read as a frame length.
    assert.match(
      errorText(upgrade('Message length too long - 9535 > 1024'), null),
      /^the peer refused our swarm key: this agent runs an open mesh/,
    )
    assert.equal(errorText(upgrade('read ECONNRESET'), '/k'), 'EncryptionFailedError: read ECONNRESET')
  })
})
