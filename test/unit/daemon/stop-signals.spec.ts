// Ctrl-C under npm delivers SIGINT twice: one graceful leave; a signal later still exits at once.
import assert from 'node:assert/strict'
import { SAME_STOP_MS, stopSignals } from '../../../src/daemon/stop-signals.js'

describe('stop signals', () => {
  it('the first leaves; another within the window is the same stop; one after it exits at once', () => {
    let t = 5_000
    const next = stopSignals(() => t)
    assert.equal(next(), 'leave')
    t += 3 // the terminal's SIGINT and npm's forwarded copy arrive together
    assert.equal(next(), 'ignore')
    t += SAME_STOP_MS - 10
    assert.equal(next(), 'ignore')
    t += 10
    assert.equal(next(), 'exit')
    assert.equal(next(), 'exit')
  })
})
