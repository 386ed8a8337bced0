import assert from 'node:assert/strict'
import { createLogger } from '../../../src/util/log.js'
import { LogHub } from '../../../src/util/log-hub.js'

describe('log hub (the agent sink behind murmur monitor)', () => {
  it('writes the configured level out and hands each listener its own level, lower included', () => {
    const out: string[] = []
    const hub = new LogHub('warn', (l) => out.push(l))
    const log = createLogger('t', hub)
    const debug: string[] = []
    const errors: string[] = []
    log.info('before anyone listens')
    const off = hub.subscribe('debug', (l) => debug.push(l))
    hub.subscribe('error', (l) => errors.push(l))
    assert.equal(hub.level, 'debug')
    log.debug('d')
    log.warn('w')
    log.error('e')
    const msgs = (ls: string[]) => ls.map((l) => (JSON.parse(l) as { msg: string }).msg)
    assert.deepEqual(msgs(out), ['w', 'e'], 'stderr keeps the configured level')
    assert.deepEqual(msgs(debug), ['d', 'w', 'e'])
    assert.deepEqual(msgs(errors), ['e'])
    off()
    assert.equal(hub.level, 'warn', 'lines below every level are not built again')
    hub.setLevel('debug')
    log.debug('d2')
    assert.deepEqual(msgs(out), ['w', 'e', 'd2'])
  })

  it('does not hand listeners what is logged while they are handed a line', () => {
    const out: string[] = []
    const hub = new LogHub('info', (l) => out.push(l))
    const log = createLogger('t', hub)
    let calls = 0
    hub.subscribe('info', () => {
      calls++
      log.warn('a listener failed') // e.g. its connection dropped: this must not loop
      throw new Error('boom')
    })
    log.info('x')
    assert.equal(calls, 1)
    assert.equal(out.length, 2, 'both lines reached stderr')
  })
})
