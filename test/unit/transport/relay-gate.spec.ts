// Relay reservations only for members: a member is admitted at once, a peer whose claim is still
// on its way waits for it, a stranger is refused after the wait, and waits are bounded.
import assert from 'node:assert/strict'
import { RelayGate } from '../../../src/transport/relay-gate.js'

describe('the relay gate', () => {
  it('admits a member at once and refuses a stranger after the wait', async () => {
    const members = new Set(['m'])
    const refused: string[] = []
    const gate = new RelayGate({ waitMs: 50, onRefused: (p) => refused.push(p) })
    gate.attach((id) => members.has(id))
    assert.equal(await gate.deny('m'), false)
    const t0 = Date.now()
    assert.equal(await gate.deny('stranger'), true)
    assert.ok(Date.now() - t0 >= 45, 'the stranger waited for a claim that never came')
    assert.deepEqual(refused, ['stranger'])
  })

  it('admits a peer that becomes a member while its request waits', async () => {
    const members = new Set<string>()
    const gate = new RelayGate({ waitMs: 10_000 })
    gate.attach((id) => members.has(id))
    const answer = gate.deny('joiner')
    gate.notify('joiner') // not a member yet: still waiting
    members.add('joiner')
    gate.notify('joiner')
    assert.equal(await answer, false)
  })

  it('refuses at once past the bound on waiting requests, and everyone before membership exists', async () => {
    const gate = new RelayGate({ waitMs: 10_000, maxWaiting: 2 })
    assert.equal(await new RelayGate({ waitMs: 1 }).deny('anyone'), true)
    const members = new Set<string>()
    gate.attach((id) => members.has(id))
    const waiting = [gate.deny('a'), gate.deny('b')]
    assert.equal(await gate.deny('c'), true, 'a third stranger is refused without a wait')
    members.add('a')
    members.add('b')
    gate.notify('a')
    gate.notify('b')
    assert.deepEqual(await Promise.all(waiting), [false, false])
  })
})
