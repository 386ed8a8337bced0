// The query response service on an in-memory net: signed responses reach the origin's collector,
// forged, misdirected and stray ones do not, and a peer over its budget is refused.
import assert from 'node:assert/strict'
import { QueryCollector, type QueryResponse } from '../../../src/events/query.js'
import { encodeResponse, responseBody } from '../../../src/events/query-wire.js'
import { type QueryService, queryService } from '../../../src/gossip/query-service.js'
import { ed25519Signer, ed25519Verifier } from '../../../src/membership/claims.js'
import { waitFor } from '../../helpers/wait.js'
import { FakeNet, type FakeNode } from './fake-net.js'

const ID = '0123456789abcdef'

function service(node: FakeNode, collector?: QueryCollector): QueryService {
  const signer = ed25519Signer(node.privateKey)
  const verifier = ed25519Verifier()
  return queryService({
    selfId: node.id,
    sign: (b) => signer.sign(b),
    verify: (p, b, s) => verifier.verify(p, b, s),
    isOpen: (id) => collector?.isOpen(id) ?? false,
    onResponse: (r) => collector?.receive(r) ?? 'unknown-query',
  })(node.components())
}

describe('query service', () => {
  let net: FakeNet
  let origin: FakeNode
  let member: FakeNode
  let stranger: FakeNode
  let collector: QueryCollector
  let services: QueryService[]
  let got: QueryResponse[]

  beforeEach(async () => {
    net = new FakeNet()
    ;[origin, member, stranger] = [await net.node(), await net.node(), await net.node()]
    collector = new QueryCollector({ clock: net.clock, isMember: (id) => id !== stranger.id })
    services = [service(origin, collector), service(member), service(stranger)]
    for (const s of services) await s.start()
    got = []
  })
  afterEach(async () => {
    collector.close()
    for (const s of services) await s.stop()
  })

  it("delivers a member's signed ack and answer to the origin's open query", async () => {
    const done = collector.collect(ID, 5000, (r) => got.push(r))
    const [o, m] = services as [QueryService, QueryService]
    assert.ok(await m.respond(origin.id, 'ack', ID, new Uint8Array(0)))
    assert.ok(await m.respond(origin.id, 'answer', ID, new TextEncoder().encode('up é\n')))
    await waitFor(() => got.length === 2, { what: 'two responses' })
    assert.deepEqual(got, [
      { kind: 'ack', id: ID, from: member.id },
      { kind: 'answer', id: ID, from: member.id, payload: 'up é\n' },
    ])
    // The same again: one of each per member.
    await m.respond(origin.id, 'answer', ID, new TextEncoder().encode('again'))
    await waitFor(() => collector.counts.duplicate === 1, { what: 'the duplicate' })
    net.clock.advance(5000)
    assert.deepEqual(await done, { id: ID, acks: 1, answers: 1 })
    assert.equal(o.counts.received, 3)
  })

  it('drops responses to no open query, from strangers, forged, or signed for another origin', async () => {
    void collector.collect(ID, 5000, (r) => got.push(r))
    const [o, m, s] = services as [QueryService, QueryService, QueryService]
    await m.respond(origin.id, 'ack', 'fedcba9876543210', new Uint8Array(0))
    await s.respond(origin.id, 'ack', ID, new Uint8Array(0))
    await waitFor(() => o.counts.received === 2, { what: 'two frames' })
    assert.equal(collector.counts.nonMember, 1)

    /** An empty ack from the member, signed by `signer` over a response to `to`. */
    const ack = (signer: { sign(b: Uint8Array): Uint8Array }, to: string) =>
      encodeResponse({
        kind: 'ack',
        id: ID,
        payload: new Uint8Array(0),
        sig: signer.sign(responseBody('ack', ID, to, member.id, new Uint8Array(0))),
      })
    // Signed by the stranger, sent by the member: the signature is not the sender's.
    assert.equal(o.handle(member.id, ack(ed25519Signer(stranger.privateKey), origin.id)), 'forged')
    // The member's own signature, but of a response to another origin (a replay).
    assert.equal(o.handle(member.id, ack(ed25519Signer(member.privateKey), stranger.id)), 'forged')
    assert.equal(o.handle(member.id, Uint8Array.of(1, 2, 3)), 'malformed')
    assert.equal(got.length, 0)
    assert.equal(o.counts.forged, 2)
  })

  it("refuses a peer's streams past its budget, and takes them again later", async () => {
    void collector.collect(ID, 60_000, () => {})
    const m = services[1]!
    const results = await Promise.all(
      Array.from({ length: 30 }, () => m.respond(origin.id, 'ack', ID, new Uint8Array(0))),
    )
    assert.ok(results.length === 30)
    await waitFor(() => services[0]!.counts.overBudget + services[0]!.counts.received === 30, {
      what: 'every stream handled',
    })
    assert.equal(services[0]!.counts.received, 20, 'the burst')
    assert.equal(services[0]!.counts.overBudget, 10)
    net.clock.advance(1000)
    await m.respond(origin.id, 'ack', ID, new Uint8Array(0))
    await waitFor(() => services[0]!.counts.received === 21, { what: 'one more after a second' })
  })

  it('a response to an unreachable origin fails quietly', async () => {
    origin.unreachable = true
    assert.equal(await services[1]!.respond(origin.id, 'ack', ID, new Uint8Array(0)), false)
    assert.equal(services[1]!.counts.sendFailed, 1)
  })
})
