import assert from 'node:assert/strict'
import { fakeSigner, signUpdate } from '../../../src/membership/claims.js'
import type { AliveClaim, Packet } from '../../../src/membership/messages.js'
import { activeViewSize } from '../../../src/membership/overlay.js'
import { Swim } from '../../../src/membership/swim.js'
import { ViewAdmission } from '../../../src/membership/view-admission.js'
import { FakeClock } from '../../../src/util/clock.js'
import { peerIds } from './swim-net.js'

const PROBE_MS = 1000

function setup(connected: number[], eligible = (_s: number) => true) {
  const links = new Set(connected)
  const admission = new ViewAdmission(
    {
      connected: (s) => links.has(s),
      connectedSlots: () => links,
      eligible,
      random: () => 0.5,
    },
    PROBE_MS,
  )
  return { links, admission }
}

describe('view admission', () => {
  it('admits connected members at once; the others after their wait, connected ones standing in meanwhile', () => {
    const { admission } = setup([9])
    const drawn = [1, 2, 3]
    // 1, 2, 3 cost a dial: the connected 9 stands in, and only one (the view has room for three).
    assert.deepEqual(admission.effective(drawn, 0), [9])
    // random() = 0.5: each waits one probe period; then a push-pull with each is due.
    assert.deepEqual(admission.effective(drawn, 999), [9])
    assert.deepEqual(admission.takeAdmitted(), [])
    assert.deepEqual(admission.effective(drawn, 1000), [1, 2, 3])
    assert.deepEqual(admission.takeAdmitted(), [1, 2, 3])
    assert.deepEqual(admission.takeAdmitted(), [])
  })

  it('a draw that changes before the wait ends costs nothing; an admitted member stays while drawn', () => {
    const { links, admission } = setup([])
    assert.deepEqual(admission.effective([1, 2], 0), [])
    // 2 leaves the draw before its wait ends, 4 comes in and waits from now.
    assert.deepEqual(admission.effective([1, 4], 500), [])
    assert.deepEqual(admission.effective([1, 4], 1000), [1])
    assert.deepEqual(admission.effective([1, 4], 1500), [1, 4])
    assert.deepEqual(admission.takeAdmitted(), [1, 4], 'never 2')
    // A connection that comes up admits at once, and admitted members stay when it goes.
    links.add(5)
    assert.deepEqual(admission.effective([1, 4, 5], 3001), [1, 4, 5])
    assert.deepEqual(admission.takeAdmitted(), [], 'a connected member exchanges already')
    links.delete(5)
    assert.deepEqual(admission.effective([1, 4, 5], 9000), [1, 4, 5])
    // Out of the draw and back: it waits again unless connected.
    admission.effective([1, 4], 9001)
    assert.deepEqual(admission.effective([1, 4, 5], 9002), [1, 4])
  })

  it('stand-ins are only members that may be in a view', () => {
    const { admission } = setup([7, 8], (s) => s !== 7)
    assert.deepEqual(admission.effective([1, 2], 0), [8])
  })

  it('a joiner probes and gossips through its seed until its drawn view is dialled, then pulls from each new neighbour', async () => {
    const ids = await peerIds(12)
    const [self, seed] = [ids[0]!, ids[1]!]
    const clock = new FakeClock()
    const sent: Array<[string, Packet]> = []
    const swim = new Swim({
      self: { id: self, name: 'self', incarnation: 1 },
      signer: fakeSigner(self),
      verifier: { verify: () => true },
      send: (to, p) => sent.push([to, p]),
      clock,
      random: () => 0.5,
      links: { connected: (id) => id === seed, connectedPeers: () => [seed] },
    })
    swim.seed(
      ids
        .slice(1)
        .map((id, i) =>
          signUpdate<AliveClaim>(fakeSigner(id), {
            type: 'alive',
            id,
            incarnation: 1,
            name: `m${i}`,
            tags: {},
            addrs: [],
          }),
        ),
    )
    const first = swim.activeView()
    assert.ok(first.length >= 1 && first.every((id) => id === seed), `only the seed at first: ${first}`)
    for (let t = 0; t < 1600; t += 100) {
      clock.advance(100)
      swim.tick()
    }
    const view = swim.activeView()
    assert.equal(view.length, activeViewSize(12))
    const pulled = new Set(sent.filter(([, p]) => p.type === 'sync-digest').map(([to]) => to))
    for (const id of view) if (id !== seed) assert.ok(pulled.has(id), `a push-pull with new neighbour ${id}`)
  })
})
