// Queries without a network: the request as it travels, the filter and how a member matches itself
// (within a time budget, whatever the pattern), and the origin's collector with its bounds.
import assert from 'node:assert/strict'
import {
  compileFilter,
  decodeQueryRequest,
  encodeQueryRequest,
  MAX_QUERY_PAYLOAD_BYTES,
  matchesMember,
  QueryCollector,
  type QueryRequest,
  type QueryResponse,
} from '../../../src/events/query.js'
import { FakeTimers } from '../../helpers/fake-timers.js'

const req = (over: Partial<QueryRequest> = {}): QueryRequest => ({
  id: '0123456789abcdef',
  name: 'uptime',
  payload: 'hi',
  timeoutMs: 5000,
  ...over,
})

describe('queries: requests', () => {
  it('round-trip, filters included', () => {
    const q = req({ node: 'web-.*', tags: { role: 'db|cache' } })
    assert.deepEqual(decodeQueryRequest(encodeQueryRequest(q)), q)
    assert.deepEqual(decodeQueryRequest(encodeQueryRequest(req())), req())
  })

  it('refuse anything else with INVALID_INPUT', () => {
    const bad: unknown[] = [
      'not json',
      '[]',
      { ...req(), v: 2 },
      { ...req(), id: 'xyz' },
      { ...req(), name: '-bad' },
      { ...req(), timeoutMs: 10 },
      { ...req(), timeoutMs: 10 ** 9 },
      { ...req(), timeoutMs: 1.5 },
      { ...req(), node: 'x'.repeat(257) },
      { ...req(), tags: { '': 'x' } },
      { ...req(), payload: 'x'.repeat(MAX_QUERY_PAYLOAD_BYTES + 1) },
      { ...req(), extra: 1 },
    ]
    for (const b of bad) {
      const text = typeof b === 'string' ? b : JSON.stringify({ v: 1, ...(b as object) })
      assert.throws(() => decodeQueryRequest(text), { code: 'INVALID_INPUT' }, text.slice(0, 80))
    }
  })

  it('a payload over its limit, or a request over an event, is TOO_LARGE', () => {
    assert.throws(() => encodeQueryRequest(req({ payload: 'é'.repeat(MAX_QUERY_PAYLOAD_BYTES / 2 + 1) })), {
      code: 'TOO_LARGE',
    })
    const tags = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`tag-${i}`, 'x'.repeat(250)]))
    assert.throws(() => encodeQueryRequest(req({ tags })), { code: 'TOO_LARGE' })
  })
})

describe('queries: filters', () => {
  const web1 = { name: 'web-1', tags: { role: 'web', zone: 'eu' } }

  it('match the whole name and every tag named; a member without the tag does not match', () => {
    const m = (node?: string, tags?: Record<string, string>) =>
      matchesMember(compileFilter({ node, tags }), web1)
    assert.equal(m(), true)
    assert.equal(m('web-.*'), true)
    assert.equal(m('web'), false, 'anchored: the whole name')
    assert.equal(m(undefined, { role: 'web', zone: 'eu|us' }), true)
    assert.equal(m(undefined, { role: 'web', zone: 'us' }), false, 'all must hold')
    assert.equal(m(undefined, { rack: '.*' }), false)
    assert.equal(m('web-1', { role: 'we' }), false)
  })

  it('a pattern that does not compile, or is too long, is INVALID_INPUT naming it', () => {
    assert.throws(
      () => compileFilter({ node: '(' }),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'INVALID_INPUT')
        assert.match(e.message, /node pattern '\('/)
        return true
      },
    )
    assert.throws(() => compileFilter({ tags: { role: '[' } }), /tag 'role'/)
    assert.throws(() => compileFilter({ node: 'a'.repeat(257) }), { code: 'INVALID_INPUT' })
  })

  it('a catastrophic pattern from a peer gives up within its budget: no match', () => {
    const victim = { name: 'a'.repeat(40), tags: { t: `${'a'.repeat(500)}!` } }
    const t0 = Date.now()
    assert.equal(matchesMember(compileFilter({ tags: { t: '(a+)+' } }), victim, 30), 'timeout')
    assert.equal(matchesMember(compileFilter({ node: '(a|aa)+b' }), victim, 30), 'timeout')
    assert.ok(Date.now() - t0 < 2000, `${Date.now() - t0} ms`)
    // And matching works as before afterwards.
    assert.equal(matchesMember(compileFilter({ node: 'a+' }), victim), true)
  })
})

describe('queries: the collector', () => {
  const members = new Set(['A', 'B', 'C'])
  const make = (maxOpen?: number) => {
    const clock = new FakeTimers()
    return { clock, col: new QueryCollector({ clock, isMember: (id) => members.has(id), maxOpen }) }
  }
  const ack = (id: string, from: string): QueryResponse => ({ kind: 'ack', id, from })
  const answer = (id: string, from: string, payload = 'x'): QueryResponse => ({
    kind: 'answer',
    id,
    from,
    payload,
  })

  it('takes one ack and one answer per member, only from members, only while open', async () => {
    const { clock, col } = make()
    const got: QueryResponse[] = []
    const done = col.collect('q1', 1000, (r) => got.push(r))
    assert.equal(col.receive(ack('q1', 'A')), 'accepted')
    assert.equal(col.receive(ack('q1', 'A')), 'duplicate')
    assert.equal(col.receive(answer('q1', 'A')), 'accepted')
    assert.equal(col.receive(answer('q1', 'A', 'again')), 'duplicate')
    assert.equal(col.receive(answer('q1', 'B')), 'accepted', 'an answer without an ack counts')
    assert.equal(col.receive(ack('q1', 'Z')), 'non-member')
    assert.equal(col.receive(ack('q2', 'C')), 'unknown-query')
    assert.equal(got.length, 3)
    clock.advance(999)
    assert.ok(col.isOpen('q1'))
    clock.advance(1)
    assert.deepEqual(await done, { id: 'q1', acks: 1, answers: 2 })
    assert.equal(col.isOpen('q1'), false)
    assert.equal(col.receive(ack('q1', 'C')), 'unknown-query', 'after the deadline')
    assert.equal(clock.pending, 0)
  })

  it('bounds the queries open at once; cancel and close end them with what they have', async () => {
    const { col } = make(2)
    const one = col.collect('q1', 60_000, () => {})
    const two = col.collect('q2', 60_000, () => {})
    assert.throws(() => col.collect('q3', 1000, () => {}), { code: 'TOO_LARGE' })
    assert.throws(() => col.collect('q1', 1000, () => {}), { code: 'INVALID_INPUT' })
    col.receive(ack('q1', 'B'))
    col.cancel('q1')
    assert.deepEqual(await one, { id: 'q1', acks: 1, answers: 0 })
    col.close()
    assert.deepEqual(await two, { id: 'q2', acks: 0, answers: 0 })
  })

  it('a listener that throws does not break the collector', async () => {
    const { clock, col } = make()
    const done = col.collect('q1', 10, () => {
      throw new Error('boom')
    })
    assert.equal(col.receive(ack('q1', 'A')), 'accepted')
    clock.advance(10)
    assert.equal((await done).acks, 1)
  })
})
