// A small simulation of the real Swim (seconds of wall time): convergence at 1,000 nodes, per-node
// traffic bounded and flat in N, and the same seed giving the same run.

import assert from 'node:assert/strict'
import { DEFAULT_RUN, type RunResult, type RunSpec, run } from '../../../sim/scenario.js'
import { packetSize, swimNode } from '../../../sim/swim-node.js'
import { COORD_BODY_BYTES } from '../../../src/membership/coord-wire.js'
import { DEFAULT_SWIM_OPTIONS as O } from '../../../src/membership/swim-options.js'

const impl = { factory: swimNode, sizeOf: packetSize }
// Join at 7 s, leave at 8 s, crash at 9 s (virtual), then up to the crash deadline.
const timeline = { warmupS: 2, idleS: 5, gapS: 1 }
const CRASH_AT_S = timeline.warmupS + timeline.idleS + 2 * timeline.gapS

/** Lifeguard's shortest suspicion (enough confirmations), ms: mult * log10 N probe periods. */
const minSuspicionMs = (n: number): number => O.suspicionMult * Math.max(1, Math.log10(n)) * O.probeIntervalMs
/**
 * Crash to dead everywhere: a neighbour's probe fails within a few periods, independent failed
 * probes confirm the suspicion so it lasts about the shortest timeout, then gossip. Twice that,
 * plus 10 s: without confirmations (the longest timeout, 6x) it fails.
 */
const crashDeadlineMs = (n: number): number => 2 * minSuspicionMs(n) + 10_000

const spec = (nodes: number, extra: Partial<RunSpec> = {}): RunSpec => ({
  ...DEFAULT_RUN,
  ...timeline,
  nodes,
  seed: 1,
  seconds: Math.ceil(CRASH_AT_S + crashDeadlineMs(nodes) / 1000),
  ...extra,
})

/**
 * Per node per second, from the protocol: one ping sent and, on average, one answered per probe
 * period; push-pull and gossip rounds add a little.
 */
const IDLE_MSGS = (2 * 1000) / O.probeIntervalMs + 0.5
/** Each change leaves a node at most retransmitMult * ceil(log10(N + 1)) times, ~3 per packet. */
const busyMsgs = (r: RunResult, changes: number): number => {
  const limit = O.retransmitMult * Math.ceil(Math.log10(r.nodes + 2))
  const window = r.seconds - timeline.warmupS - timeline.idleS
  return IDLE_MSGS + (changes * limit) / window
}
/** An idle probe packet carries no updates: a few bytes of header, and on an ack a coordinate. */
const IDLE_BYTES_PER_MSG = 16 + 1 + COORD_BODY_BYTES
/** A change is at most ~250 bytes signed and sent `limit` times; the joiner's push-pull adds one table. */
const busyBytes = (r: RunResult, changes: number): number => {
  const limit = O.retransmitMult * Math.ceil(Math.log10(r.nodes + 2))
  const window = r.seconds - timeline.warmupS - timeline.idleS
  return busyMsgs(r, changes) * IDLE_BYTES_PER_MSG + (changes * limit * 250 + 2 * 250 * r.nodes) / window
}
// join (alive), leave, crash (suspect + dead), and the refutations a suspicion may cause.
const CHANGES = 6

describe('sim: real Swim on a virtual clock', function () {
  this.timeout(300_000)
  let big: RunResult
  let small: RunResult

  before(() => {
    big = run(spec(1000), impl)
    small = run(spec(100), impl)
  })

  it('1,000 nodes: every live node learns of a join, a leave and a crash before the deadline', () => {
    assert.ok(big.join?.t100 !== null && big.join!.t100 <= 5000, `join ${JSON.stringify(big.join)}`)
    assert.ok(big.leave?.t100 !== null && big.leave!.t100 <= 5000, `leave ${JSON.stringify(big.leave)}`)
    const deadline = crashDeadlineMs(1000)
    assert.ok(
      big.crash?.t100 !== null && big.crash!.t100 <= deadline,
      `crash ${JSON.stringify(big.crash)} > ${deadline}`,
    )
    assert.equal(big.falseDeaths, 0)
    assert.equal(big.viewMin, big.live, 'every live node holds every live member')
  })

  it('per-node traffic is within the protocol bound, idle and during the events', () => {
    for (const r of [small, big]) {
      assert.ok(r.idle.msgs > 1 && r.idle.msgs <= IDLE_MSGS, `N=${r.nodes} idle msgs ${r.idle.msgs}`)
      assert.ok(r.idle.bytes <= r.idle.msgs * IDLE_BYTES_PER_MSG, `N=${r.nodes} idle bytes ${r.idle.bytes}`)
      assert.ok(r.busy.msgs <= busyMsgs(r, CHANGES), `N=${r.nodes} busy msgs ${r.busy.msgs}`)
      assert.ok(r.busy.bytes <= busyBytes(r, CHANGES), `N=${r.nodes} busy bytes ${r.busy.bytes}`)
    }
  })

  it('per-node traffic at 1,000 nodes is at most 1.5x that at 100', () => {
    assert.ok(big.idle.msgs <= 1.5 * small.idle.msgs, `idle msgs ${big.idle.msgs} vs ${small.idle.msgs}`)
    assert.ok(big.busy.msgs <= 1.5 * small.busy.msgs, `busy msgs ${big.busy.msgs} vs ${small.busy.msgs}`)
    assert.ok(big.idle.bytes <= 1.5 * small.idle.bytes, `idle bytes ${big.idle.bytes} vs ${small.idle.bytes}`)
  })

  it('the same seed gives the same run, under loss too; another seed another run', () => {
    const lossy = spec(100, { loss: 0.1, seconds: 20 })
    const strip = (r: RunResult) => ({ ...r, setupMs: 0, wallMs: 0, cpuMs: 0 })
    const a = strip(run(lossy, impl))
    assert.deepEqual(strip(run(lossy, impl)), a)
    assert.notDeepEqual(strip(run({ ...lossy, seed: 2 }, impl)), a)
  })
})
