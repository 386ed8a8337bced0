import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { MemberMessage } from '../../../src/membership/index.js'
import { alive, dead, leave, setup, suspect } from './helpers.js'

// Messages about one member 'm' that is already known (alive at incarnation 0), never about
// self: then precedence is a maximum over (incarnation, rank) and the order cannot matter.
// (A suspect about a still-unknown member is dropped, which is order dependent: excluded.)
const msgArb: fc.Arbitrary<MemberMessage> = fc
  .tuple(fc.constantFrom('alive', 'suspect', 'dead', 'leave'), fc.nat(4), fc.constantFrom('a', 'b'))
  .map(([kind, inc, from]) => {
    if (kind === 'alive') return alive('m', inc)
    if (kind === 'suspect') return suspect('m', inc, from)
    if (kind === 'dead') return dead('m', inc, from)
    return leave('m', inc)
  })

function finalState(msgs: MemberMessage[]): { status: string; incarnation: number } {
  const { ms } = setup()
  ms.receive(alive('m', 0), 'm')
  for (const msg of msgs) ms.receive(msg, msg.type === 'alive' || msg.type === 'leave' ? msg.id : msg.from)
  const m = ms.get('m')!
  return { status: m.status, incarnation: m.incarnation }
}

describe('membership: precedence property', () => {
  it('any permutation of the same messages ends in the same status and incarnation', () => {
    const scenario = fc
      .array(msgArb, { minLength: 1, maxLength: 8 })
      .chain((msgs) =>
        fc.tuple(
          fc.constant(msgs),
          fc.shuffledSubarray(msgs, { minLength: msgs.length, maxLength: msgs.length }),
        ),
      )
    fc.assert(
      fc.property(scenario, ([msgs, shuffled]) => {
        assert.deepEqual(finalState(shuffled), finalState(msgs))
        // Duplicates are no-ops: delivering everything twice changes nothing.
        assert.deepEqual(finalState([...msgs, ...shuffled]), finalState(msgs))
      }),
      { numRuns: 500 },
    )
  })
})
