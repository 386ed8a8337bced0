// Smoke test of the benchmark harness (bench/): a tiny bare-gossipsub baseline with real peer processes
// on 127.0.0.1 produces numeric figures, the ratio lines can be computed from them, and every peer
// process it started is gone afterwards; the in-process heal part (bench/heal.ts) runs at a tiny size.
// It checks that the harness works, not how fast anything is.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { GOSSIPSUB_SMOKE, runGossipsubBaseline } from '../../bench/gossipsub-baseline.js'
import { HEAL_SMOKE, runHealBench } from '../../bench/heal.js'
import { stopAllPeers } from '../../bench/peer-proc.js'
import { ratio, ratioLines } from '../../bench/ratios.js'
import type { Figure } from '../../bench/util.js'
import { waitFor } from '../helpers/wait.js'

/** Pids of this process's live children (Linux /proc; empty elsewhere). Zombies do not count. */
function childPids(): number[] {
  if (process.platform !== 'linux') return []
  const out: number[] = []
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (rest[0] !== 'Z' && Number(rest[1]) === process.pid) out.push(Number(d))
    } catch {
      // the process ended while we looked
    }
  }
  return out
}

describe('benchmark harness (smoke)', function () {
  this.timeout(30_000)

  after(async () => {
    await stopAllPeers()
  })

  it('a tiny bare-gossipsub baseline gives numeric figures and stops its peers', async () => {
    const before = new Set(childPids())
    const { figures, bulk } = await runGossipsubBaseline(GOSSIPSUB_SMOKE)

    const timed = figures.filter((f): f is Figure & { ms: number } => f.ms !== undefined)
    const p50 = timed.find((f) => /one message -> on every peer, p50/.test(f.name))
    const p99 = timed.find((f) => /one message -> on every peer, p99/.test(f.name))
    assert.ok(p50 && p99, `latency figures missing: ${figures.map((f) => f.name).join('; ')}`)
    for (const f of [p50, p99]) assert.ok(Number.isFinite(f.ms) && f.ms >= 0, `${f.name}: ${f.ms}`)
    assert.ok(p99.ms >= p50.ms)

    assert.equal(bulk.length, GOSSIPSUB_SMOKE.bulk.length)
    for (const b of bulk) {
      assert.ok(Number.isFinite(b.ms) && b.ms > 0, `bulk of ${b.messages} did not complete: ${b.received}`)
      assert.deepEqual(b.received, b.expected)
    }
    for (const f of figures) assert.ok(f.value.length > 0 && f.value !== 'failed', f.name)

    // The ratio machinery on these figures: a figure against itself is 1, and a murmur-named figure
    // paired with a baseline one gives a line.
    assert.equal(ratio(p50, p50), 1)
    const lines = ratioLines(figures, [{ murmur: { name: p99.name }, baseline: { name: p50.name } }])
    assert.equal(lines.length, 1)
    assert.match(lines[0]!, /= \d/)

    // Every peer process the run started has exited (polled, not slept).
    await waitFor(() => childPids().every((p) => before.has(p)), {
      timeoutMs: 5000,
      what: 'baseline peers to exit',
    })
  })

  it('the heal part at a tiny size heals both ways and gives a bytes ratio', async () => {
    const figures = await runHealBench(HEAL_SMOKE)
    assert.equal(figures.length, 3)
    for (const f of figures.slice(0, 2)) {
      assert.ok(Number.isFinite(f.ms) && f.ms! > 0, `${f.name}: ${f.ms}`)
      assert.match(f.detail ?? '', /digests equal after: yes/)
    }
    assert.match(figures[2]!.value, /^\d+\.\d\dx$/)
  })
})
