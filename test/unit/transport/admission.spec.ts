// Admission before authentication, on a fake clock: per-host and global caps on pending connections,
// slots freed when a connection proves the key, closes or expires, and the sizes chosen hold for a
// flood from a few addresses and for a fleet joining over loopback.
import assert from 'node:assert/strict'
import {
  Admission,
  hostKey,
  PENDING_GLOBAL,
  PENDING_PER_HOST,
  PREAUTH_DEADLINE_MS,
  type Ticket,
} from '../../../src/transport/admission.js'
import { FakeClock } from '../../../src/util/clock.js'

function admitOk(a: Admission, host: string, expires = false): Ticket {
  const t = a.admit(host, expires)
  assert.ok(typeof t !== 'string', `${host} refused (${t})`)
  return t
}

describe('admission', () => {
  it('refuses past the per-host cap, and other hosts still get in', () => {
    const a = new Admission()
    for (let i = 0; i < PENDING_PER_HOST; i++) admitOk(a, '10.0.0.1')
    assert.equal(a.admit('10.0.0.1'), 'host')
    assert.equal(a.admit('10.0.0.1'), 'host')
    admitOk(a, '10.0.0.2')
    const s = a.stats()
    assert.equal(s.pending, PENDING_PER_HOST + 1)
    assert.equal(s.pendingHosts, 2)
    assert.equal(s.maxPendingFromOneHost, PENDING_PER_HOST)
    assert.equal(s.refusedHost, 2)
    assert.equal(s.refusedGlobal, 0)
  })

  it('refuses past the global cap; a freed slot is taken again', () => {
    const a = new Admission({ perHost: 4, global: 10 })
    const held: Ticket[] = []
    for (let i = 0; i < 10; i++) held.push(admitOk(a, `10.0.0.${i}`))
    assert.equal(a.admit('10.0.0.99'), 'global')
    held[3]!.release('proven')
    admitOk(a, '10.0.0.99')
    assert.equal(a.admit('10.0.0.98'), 'global')
    assert.equal(a.stats().refusedGlobal, 2)
  })

  it('counts each outcome once, however often a ticket is released', () => {
    const a = new Admission()
    const t1 = admitOk(a, 'h')
    const t2 = admitOk(a, 'h')
    const t3 = admitOk(a, 'h')
    t1.release('proven')
    t1.release('closed')
    t2.release('closed')
    t3.release('expired')
    t3.release('proven')
    const s = a.stats()
    assert.deepEqual(
      [s.pending, s.pendingHosts, s.admitted, s.proven, s.closedUnproven, s.expired],
      [0, 0, 3, 1, 1, 1],
    )
    assert.equal(a.pendingFrom('h'), 0)
  })

  it('expires self-expiring tickets at the deadline, in order; others are left to their own layer', () => {
    const clock = new FakeClock()
    const a = new Admission({}, clock)
    assert.equal(a.nextDeadline(), undefined)
    const t0 = clock.now()
    const early = admitOk(a, 'x', true)
    const layered = admitOk(a, 'x', false)
    clock.advance(500)
    const late = admitOk(a, 'y', true)
    assert.equal(a.nextDeadline(), t0 + PREAUTH_DEADLINE_MS)

    clock.advance(PREAUTH_DEADLINE_MS - 501)
    assert.deepEqual(a.expireDue(), [])
    clock.advance(1)
    assert.deepEqual(a.expireDue(), [early])
    assert.equal(early.released, 'expired')
    assert.equal(layered.released, undefined, 'the protector enforces its deadline, not the admission')
    assert.equal(a.nextDeadline(), t0 + 500 + PREAUTH_DEADLINE_MS)

    late.release('proven')
    clock.advance(10_000)
    assert.deepEqual(a.expireDue(), [])
    assert.equal(a.nextDeadline(), undefined)
    const s = a.stats()
    assert.deepEqual([s.pending, s.expired, s.proven], [1, 1, 1])
  })

  it('refuses limits that are not positive integers', () => {
    assert.throws(() => new Admission({ perHost: 0 }), RangeError)
    assert.throws(() => new Admission({ deadlineMs: 1.5 }), RangeError)
  })

  it('keys sources: IPv4 as is, IPv4-mapped as IPv4, IPv6 by /64', () => {
    assert.equal(hostKey('10.1.2.3'), '10.1.2.3')
    assert.equal(hostKey('::ffff:10.1.2.3'), '10.1.2.3')
    assert.equal(hostKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64')
    assert.equal(hostKey('2001:0DB8:0001:0002:ffff:1:2:3'), '2001:db8:1:2::/64')
    assert.equal(hostKey('2001:db8::1'), '2001:db8:0:0::/64')
    assert.equal(hostKey('::1'), '0:0:0:0::/64')
    assert.equal(hostKey('fe80::1%eth0'), 'fe80:0:0:0::/64')
  })

  // The sizes, played on the fake clock: what a flood from a few addresses leaves to members.
  it('during a flood from four addresses holding every slot they can, a member still gets in', () => {
    const clock = new FakeClock()
    const a = new Admission({}, clock)
    const flooders = ['10.9.0.1', '10.9.0.2', '10.9.0.3', '10.9.0.4']
    // Each outsider reconnects as soon as a slot frees, and never proves the key (expired at 2 s).
    for (let ms = 0; ms < 10_000; ms += 10) {
      clock.advance(10)
      a.expireDue()
      for (const f of flooders) while (typeof a.admit(f, true) !== 'string');
      const member = a.admit('10.0.0.7', true)
      assert.ok(typeof member !== 'string', `member refused at ${ms} ms (${member})`)
      member.release('proven')
    }
    const s = a.stats()
    assert.equal(s.pending, flooders.length * PENDING_PER_HOST)
    assert.ok(s.pending < PENDING_GLOBAL)
    // The bound as documented: a fifth address holding its share fills the global cap.
    while (typeof a.admit('10.9.0.5', true) !== 'string');
    assert.equal(a.admit('10.0.0.7', true), 'global')
  })

  it('60 agents on one machine joining one seed at once all get in, retrying refusals with backoff', () => {
    const clock = new FakeClock()
    const a = new Admission({}, clock)
    // Proving the key takes a round trip plus the seed's event loop: 20 ms here, a busy seed.
    const proveMs = 20
    type Joiner = { at: number; attempt: number; ticket?: Ticket; provesAt?: number; in?: number }
    let seed = 7
    const rand = () => {
      seed = (seed * 1103515245 + 12345) >>> 0
      return seed / 2 ** 32
    }
    const joiners: Joiner[] = Array.from({ length: 60 }, () => ({ at: 0, attempt: 0 }))
    for (let now = 0; now <= 5000 && joiners.some((j) => j.in === undefined); now++) {
      clock.set(1_700_000_000_000 + now)
      for (const j of joiners) {
        if (j.ticket && j.provesAt === now) {
          j.ticket.release('proven')
          j.in = now
          j.ticket = undefined
        }
      }
      for (const j of joiners) {
        if (j.in !== undefined || j.ticket || j.at !== now) continue
        const t = a.admit('127.0.0.1')
        if (typeof t === 'string') {
          // A refusal is a fast close: retry after 100 ms x 2^attempt, with jitter.
          j.attempt++
          j.at = now + Math.round(100 * 2 ** Math.min(j.attempt - 1, 4) * (0.5 + rand()))
        } else {
          j.ticket = t
          j.provesAt = now + proveMs
        }
      }
    }
    const done = joiners.map((j) => j.in)
    assert.ok(
      done.every((t) => t !== undefined),
      `joined: ${done.filter((t) => t !== undefined).length} of 60`,
    )
    const last = Math.max(...(done as number[]))
    assert.ok(last < 1000, `last joiner in at ${last} ms`)
    assert.equal(a.stats().expired, 0)
  })
})
