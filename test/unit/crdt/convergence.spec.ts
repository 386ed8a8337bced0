// Random operations on 2-5 replicas, gossip with reordering, duplicates and drops (through the
// codec), then anti-entropy: every replica must end with the same digest and the same reads.
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  type Delta,
  decodeMessage,
  encodeDeltaFrames,
  type LwwRecord,
  Replica,
} from '../../../src/crdt/index.js'
import { compareLww, mergeRecords } from '../../../src/crdt/records.js'
import { FakeClock } from '../../../src/util/clock.js'
import { ORIGINS, prng, readAll, syncPair } from './helpers.js'

const KEYS = ['x', 'y', 'z']
const NAMES = ['s1', 's2']
const ELEMENTS = ['a', 'b', 'c']

const opArb = fc.record({
  r: fc.nat(4),
  kind: fc.constantFrom('set', 'del', 'add', 'rm', 'inc'),
  i: fc.nat(2),
  j: fc.nat(2),
  amount: fc.integer({ min: -5, max: 5 }),
})
type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never

function perform(r: Replica, op: Op): Delta[] {
  switch (op.kind) {
    case 'set':
      return r.kvSet(KEYS[op.i]!, op.amount).deltas
    case 'del':
      return r.kvDel(KEYS[op.i]!).deltas
    case 'add':
      return r.setAdd(NAMES[op.i % 2]!, [ELEMENTS[op.j]!]).deltas
    case 'rm':
      return r.setRemove(NAMES[op.i % 2]!, [ELEMENTS[op.j]!]).deltas
    default:
      return r.counterAdd(NAMES[op.i % 2]!, op.amount).deltas
  }
}

/** vv safety: every write a replica's vv claims must be dominated by that replica's record. */
function checkVvInvariant(replicas: Replica[], writes: Delta[]): void {
  for (const r of replicas) {
    const vv = r.versionVector()
    const records = new Map(r.entries())
    for (const w of writes) {
      if (w.dot.seq > (vv[w.dot.origin] ?? 0)) continue
      const have = records.get(w.id)
      assert.ok(have !== undefined && mergeRecords(have, w.record) === have, `${r.selfId} vv claims ${w.id}`)
    }
  }
}

function scenario(n: number, ops: Op[], seed: number): void {
  const rand = prng(seed)
  const clock = new FakeClock() // shared and rarely advanced: many equal HLCs, ties broken by origin
  const replicas = ORIGINS.slice(0, n).map((id) => new Replica(id, clock))
  const inflight: Array<{ to: number; frame: Uint8Array }> = []
  const writes: Delta[] = []
  let counterTotal = 0
  const deliverSome = (max: number) => {
    for (let k = 0; k < max && inflight.length > 0; k++) {
      const [msg] = inflight.splice(Math.floor(rand() * inflight.length), 1)
      const decoded = decodeMessage(msg!.frame)
      if (decoded.type === 'delta') for (const d of decoded.deltas) replicas[msg!.to]!.applyDelta(d)
    }
  }
  for (const op of ops) {
    if (rand() < 0.3) clock.advance(1)
    const from = op.r % n
    const deltas = perform(replicas[from]!, op)
    if (op.kind === 'inc' && deltas.length > 0) counterTotal += op.amount
    writes.push(...deltas)
    for (const frame of encodeDeltaFrames(deltas)) {
      for (let to = 0; to < n; to++) {
        if (to === from || rand() < 0.25) continue // dropped
        inflight.push({ to, frame })
        if (rand() < 0.2) inflight.push({ to, frame }) // duplicated
      }
    }
    deliverSome(Math.floor(rand() * 4))
  }
  deliverSome(inflight.length)
  checkVvInvariant(replicas, writes)
  for (let k = 0; k < n; k++) {
    const a = Math.floor(rand() * n)
    const b = Math.floor(rand() * n)
    if (a !== b) syncPair(replicas[a]!, replicas[b]!)
  }
  checkVvInvariant(replicas, writes)
  // A chain there and back guarantees every state reached every replica.
  for (let i = 0; i + 1 < n; i++) syncPair(replicas[i]!, replicas[i + 1]!)
  for (let i = n - 1; i > 0; i--) syncPair(replicas[i - 1]!, replicas[i]!)

  const first = replicas[0]!
  for (const r of replicas) {
    assert.equal(r.digest(), first.digest())
    assert.equal(readAll(r, NAMES, NAMES), readAll(first, NAMES, NAMES))
    for (const other of replicas) assert.equal(r.diffFor(other.versionVector()).length, 0)
  }
  checkVvInvariant(replicas, writes)
  // Oracles: counters sum every increment; each key holds the greatest (hlc, origin) write.
  assert.equal(first.counterGet('s1') + first.counterGet('s2'), counterTotal)
  for (const key of KEYS) {
    const ws = writes.filter((w) => w.id === `k\u0000${key}`).map((w) => w.record as LwwRecord)
    const win = ws.reduce<LwwRecord | undefined>(
      (m, w) => (m === undefined || compareLww(w, m) > 0 ? w : m),
      undefined,
    )
    assert.deepEqual(first.kvGet(key), win?.value ?? undefined)
  }
}

describe('convergence', () => {
  it('random ops, lossy reordered gossip, then anti-entropy: all replicas equal', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 5 }), fc.array(opArb, { maxLength: 40 }), fc.integer(), scenario),
      { numRuns: 150 },
    )
  })

  it('concurrent add/remove races resolve add-wins on every replica', () => {
    const clock = new FakeClock()
    const [a, b, c] = ['A', 'B', 'C'].map((id) => new Replica(id, clock)) as [Replica, Replica, Replica]
    a.setAdd('s', ['e'])
    syncPair(a, b)
    syncPair(b, c)
    b.setRemove('s', ['e'])
    c.setRemove('s', ['e'])
    a.setAdd('s', ['e'])
    syncPair(b, c)
    syncPair(c, a)
    syncPair(a, b)
    for (const r of [a, b, c]) assert.deepEqual(r.setMembers('s'), ['e'])
    assert.equal(a.digest(), c.digest())
  })
})
