// Why a join failed, in one line, whatever libp2p rejected with: never "[object Event]".
import assert from 'node:assert/strict'
import { errorText } from '../../../src/transport/dialer.js'

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
})
