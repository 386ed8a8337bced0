import assert from 'node:assert/strict'
import { InvalidInputError, TooLargeError } from '../../../src/errors.js'
import {
  EVENT_WIRE_VERSION,
  encodeEvent,
  MAX_EVENT_PAYLOAD_BYTES,
  type UserEvent,
  UserEvents,
} from '../../../src/events/user-events.js'
import { FakeClock } from '../../../src/util/clock.js'

const MAX_AGE = 60_000
const DRIFT = 5_000

/** An agent's events with what it broadcast and what it delivered locally. */
function agent(id: string, clock: FakeClock, maxRemembered?: number) {
  const sent: Uint8Array[] = []
  const got: UserEvent[] = []
  const events = new UserEvents({
    selfId: id,
    clock,
    maxDriftMs: DRIFT,
    maxAgeMs: MAX_AGE,
    maxRemembered,
    broadcast: async (b) => {
      sent.push(b)
      return 1
    },
  })
  events.subscribe(undefined, (e) => got.push(e))
  return { events, sent, got }
}

const raw = (body: unknown, version = EVENT_WIRE_VERSION) =>
  Buffer.concat([Uint8Array.of(version), Buffer.from(JSON.stringify(body))])

describe('user events', () => {
  it('reach a receiver once, with their author, and their sender too', async () => {
    const clock = new FakeClock(1_000_000)
    const a = agent('A', clock)
    const b = agent('B', clock)
    await a.events.publish('deploy', 'v1.2')
    assert.deepEqual(
      a.got.map((e) => [e.name, e.payload, e.origin]),
      [['deploy', 'v1.2', 'A']],
    )
    assert.equal(b.events.receive(a.sent[0]!, 'A'), 'accept')
    assert.equal(b.events.receive(a.sent[0]!, 'A'), 'ignore', 'a second copy')
    assert.deepEqual(b.got, a.got)
    // The same bytes claimed by another author are another event (gossipsub signs the author).
    assert.equal(b.events.receive(a.sent[0]!, 'C'), 'accept')
    assert.equal(b.got[1]!.origin, 'C')
  })

  it('refuses a replay once the event is too old, and one dated too far ahead', async () => {
    const clock = new FakeClock(1_000_000)
    const a = agent('A', clock)
    const b = agent('B', clock)
    await a.events.publish('tick')
    assert.equal(b.events.receive(a.sent[0]!, 'A'), 'accept')
    clock.advance(MAX_AGE + 1)
    await a.events.publish('tock') // forgets what is too old
    assert.equal(b.events.receive(a.sent[1]!, 'A'), 'accept')
    assert.equal(b.events.remembered, 1, 'the old one is forgotten')
    assert.equal(b.events.receive(a.sent[0]!, 'A'), 'ignore', 'and its replay refused as stale')
    const ahead = raw({ id: '00112233aabbccdd', name: 'x', payload: '', ts: clock.now() + DRIFT + 1 })
    assert.equal(b.events.receive(ahead, 'A'), 'ignore')
    assert.deepEqual(
      b.got.map((e) => e.name),
      ['tick', 'tock'],
    )
    assert.equal(b.events.counts.stale, 2)
  })

  it('rejects malformed events, which costs their sender', () => {
    const clock = new FakeClock(1_000_000)
    const b = agent('B', clock)
    const ok = { id: '00112233aabbccdd', name: 'deploy', payload: 'x', ts: clock.now() }
    for (const bad of [
      raw(ok, 2),
      Uint8Array.of(EVENT_WIRE_VERSION, 0x7b),
      new Uint8Array(0),
      raw({ ...ok, extra: 1 }),
      raw({ ...ok, id: 'short' }),
      raw({ ...ok, name: '' }),
      raw({ ...ok, name: '-leading-dash' }),
      raw({ ...ok, name: 'n'.repeat(129) }),
      raw({ ...ok, payload: 'p'.repeat(MAX_EVENT_PAYLOAD_BYTES + 1) }),
      raw({ ...ok, ts: -1 }),
      raw({ ...ok, ts: 1.5 }),
    ]) {
      assert.equal(b.events.receive(bad, 'A'), 'reject', Buffer.from(bad).toString().slice(0, 60))
    }
    assert.equal(b.got.length, 0)
    assert.equal(b.events.receive(raw(ok), 'A'), 'accept')
  })

  it('checks what it publishes: the name, and the payload limit of 8 KiB', async () => {
    const a = agent('A', new FakeClock(1))
    await assert.rejects(a.events.publish('bad name'), InvalidInputError)
    await assert.rejects(a.events.publish('big', 'p'.repeat(MAX_EVENT_PAYLOAD_BYTES + 1)), TooLargeError)
    await a.events.publish('fits', 'é'.repeat(MAX_EVENT_PAYLOAD_BYTES / 2))
    assert.equal(a.sent.length, 1)
  })

  it('remembers a bounded number of events, and delivers by name to who asks', async () => {
    const clock = new FakeClock(1_000_000)
    const b = agent('B', clock, 100)
    const deploys: UserEvent[] = []
    b.events.subscribe('deploy', (e) => deploys.push(e))
    for (let i = 0; i < 1000; i++) {
      const e = {
        id: i.toString(16).padStart(16, '0'),
        name: i % 10 === 0 ? 'deploy' : 'other',
        payload: '',
        ts: clock.now(),
      }
      assert.equal(b.events.receive(encodeEvent(e), 'A'), 'accept')
    }
    assert.ok(b.events.remembered <= 100, `${b.events.remembered} remembered`)
    assert.equal(b.got.length, 1000)
    assert.equal(deploys.length, 100)
  })

  it("only members author events: a stranger's are ignored, not delivered and not forwarded", async () => {
    const clock = new FakeClock(1_000_000)
    const members = new Set(['A', 'B'])
    const got: UserEvent[] = []
    const events = new UserEvents({
      selfId: 'A',
      clock,
      maxDriftMs: DRIFT,
      isMember: (id) => members.has(id),
      broadcast: async () => 1,
    })
    events.subscribe(undefined, (e) => got.push(e))
    const body = (id: string) => encodeEvent({ id, name: 'deploy', payload: '', ts: clock.now() })
    for (let i = 0; i < 40; i++)
      assert.equal(events.receive(body(`${i}`.padStart(16, '0')), `throwaway-${i}`), 'ignore')
    assert.equal(events.receive(body('00000000000000ff'), 'B'), 'accept')
    assert.deepEqual(
      got.map((e) => e.origin),
      ['B'],
    )
    assert.equal(events.counts.nonMember, 40)
    assert.equal(events.remembered, 1, "a stranger's events take no room in the exactly-once memory")
  })
})
