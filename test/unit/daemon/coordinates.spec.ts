// Network coordinates as admin clients see them: `members` shows each member's coordinate and the
// round trip estimated from this agent, `rtt` the estimate between two members.
import assert from 'node:assert/strict'
import type { CallContext } from '../../../src/admin/methods.js'
import type { MemberView, RttResult } from '../../../src/api/results.js'
import { type MeshHost, membershipMethods } from '../../../src/daemon/membership-methods.js'
import { type Coordinate, estimateRtt, newCoordinate } from '../../../src/membership/coords.js'
import type { Member } from '../../../src/membership/types.js'

const member = (id: string, name: string): Member => ({
  id,
  name,
  status: 'alive',
  incarnation: 1,
  tags: {},
  addrs: [],
  lastSeen: 0,
  statusSince: 0,
})
const at = (x: number, height = 0.0005): Coordinate => ({
  ...newCoordinate(),
  vec: [x, 0, 0, 0, 0, 0, 0, 0],
  height,
  error: 0.2,
})

function host(): MeshHost {
  const members = [
    member('p-self', 'me'),
    member('p-b', 'b'),
    member('p-c', 'c'),
    member('p-d1', 'd'),
    member('p-d2', 'd'),
  ]
  const coords = new Map([
    ['p-self', at(0)],
    ['p-b', at(0.01)],
    ['p-c', at(-0.04)],
  ])
  return {
    peerId: 'p-self',
    membership: {
      self: () => members[0]!,
      counts: () => ({ alive: members.length, suspect: 0, dead: 0, left: 0 }),
      list: () => members,
      coordinate: () => coords.get('p-self')!,
      coordinateOf: (id: string) => coords.get(id),
    },
    connections: () => [],
  } as unknown as MeshHost
}

const ctx = {} as CallContext
const call = async (method: string, params: unknown): Promise<unknown> => {
  const m = membershipMethods(host())[method]!
  return m.handler(m.params.parse(params), ctx)
}

describe('network coordinates over the admin API', () => {
  it('members: each coordinate as received and the estimated round trip from this agent, null without one', async () => {
    const { members } = (await call('members', {})) as { members: MemberView[] }
    const by = Object.fromEntries(members.map((m) => [m.id, m]))
    assert.equal(by['p-self']!.rttMs, null, 'none to itself')
    assert.deepEqual(by['p-self']!.coordinate, at(0))
    assert.deepEqual(by['p-b']!.coordinate, at(0.01))
    assert.equal(by['p-b']!.rttMs, 11, '10 ms apart plus both heights')
    assert.equal(by['p-d1']!.coordinate, null)
    assert.equal(by['p-d1']!.rttMs, null)
  })

  it('rtt: between two members, or to this agent; unknown member or coordinate NOT_FOUND, a shared name INVALID_INPUT', async () => {
    const toSelf = (await call('rtt', { a: 'c' })) as RttResult
    assert.deepEqual(toSelf, { a: { id: 'p-c', name: 'c' }, b: { id: 'p-self', name: 'me' }, rttMs: 41 })
    const pair = (await call('rtt', { a: 'b', b: 'p-c' })) as RttResult
    assert.equal(pair.rttMs, Math.round(estimateRtt(at(0.01), at(-0.04)) * 1e6) / 1000)
    await assert.rejects(call('rtt', { a: 'nobody' }), { code: 'NOT_FOUND' })
    await assert.rejects(call('rtt', { a: 'p-d1' }), { code: 'NOT_FOUND', message: /no coordinate/ })
    await assert.rejects(call('rtt', { a: 'b', b: 'd' }), { code: 'INVALID_INPUT' })
    assert.throws(() => membershipMethods(host()).rtt!.params.parse({ a: '' }))
    assert.throws(() => membershipMethods(host()).rtt!.params.parse({ a: 'b', c: 'x' }))
  })
})
