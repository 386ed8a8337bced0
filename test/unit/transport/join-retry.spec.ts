// Joins retried while alone: backoff with jitter, until a member is reached; status for info.
import assert from 'node:assert/strict'
import { type JoinResult, JoinRetry } from '../../../src/transport/join-retry.js'
import { FakeClock } from '../../../src/util/clock.js'
import type { Logger } from '../../../src/util/log.js'

/** Timers on the fake clock: run() fires those due. */
class Timers {
  private seq = 0
  readonly pending = new Map<number, { at: number; fn: () => void }>()
  constructor(private readonly clock: FakeClock) {}
  set = (fn: () => void, ms: number): unknown => {
    const id = ++this.seq
    this.pending.set(id, { at: this.clock.now() + ms, fn })
    return id
  }
  clear = (id: unknown): void => {
    this.pending.delete(id as number)
  }
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms)
    for (const [id, t] of [...this.pending]) {
      if (t.at > this.clock.now()) continue
      this.pending.delete(id)
      t.fn()
    }
    for (let i = 0; i < 5; i++) await Promise.resolve()
  }
}

function logger(lines: Array<{ msg: string; fields?: Record<string, unknown> }>): Logger {
  const l: Logger = {
    debug: () => {},
    info: (msg, fields) => lines.push({ msg, fields }),
    warn: (msg, fields) => lines.push({ msg, fields }),
    error: (msg, fields) => lines.push({ msg, fields }),
    child: () => l,
  }
  return l
}

function setup(answers: JoinResult[]) {
  const clock = new FakeClock(0)
  const timers = new Timers(clock)
  const lines: Array<{ msg: string; fields?: Record<string, unknown> }> = []
  const attempts: number[] = []
  let alone = true
  const retry = new JoinRetry({
    attempt: async () => {
      attempts.push(clock.now())
      const r = answers.shift() ?? { reached: 1, failed: [] }
      if (r.reached > 0) alone = false
      return r
    },
    alone: () => alone,
    clock,
    logger: logger(lines),
    random: () => 0.5,
    setTimer: timers.set,
    clearTimer: timers.clear,
  })
  return { retry, timers, lines, attempts, setAlone: (a: boolean) => (alone = a) }
}

const timeout = (addr: string): JoinResult => ({
  reached: 0,
  failed: [{ addr, error: 'no answer within the dial timeout (5 s)' }],
})

describe('join retries while alone', () => {
  const seed = '/ip4/10.0.0.1/tcp/7946'

  it('retries with doubling backoff until a member is reached, then stops', async () => {
    const { retry, timers, lines, attempts } = setup([timeout(seed), timeout(seed), timeout(seed)])
    retry.add([seed])
    retry.poke()
    await timers.advance(0)
    assert.deepEqual(attempts, [0])
    assert.equal(retry.status().retrying, true)
    assert.equal(retry.status().failures, 1)
    assert.match(retry.status().lastError!, /dial timeout/)
    assert.equal(retry.status().nextAttemptAt, 1000, 'base 500 ms x 2, jitter at its middle')
    await timers.advance(1000)
    await timers.advance(2000)
    await timers.advance(4000)
    assert.deepEqual(attempts, [0, 1000, 3000, 7000])
    assert.deepEqual(retry.status(), {
      addrs: [seed],
      retrying: false,
      failures: 0,
      lastError: null,
      lastAttemptAt: 3000,
      nextAttemptAt: null,
    })
    assert.ok(
      lines.some((l) => l.msg === 'join failed; retrying while alone' && l.fields?.retryInMs === 2000),
    )
    assert.ok(lines.some((l) => l.msg === 'joined the mesh on a retry'))
    await timers.advance(60_000)
    assert.equal(attempts.length, 4, 'no attempts once it has a member')
  })

  it('waits at most 60 s between attempts', async () => {
    const fails = Array.from({ length: 12 }, () => timeout(seed))
    const { retry, timers, attempts } = setup(fails)
    retry.add([seed])
    retry.poke()
    for (let i = 0; i < 12; i++) await timers.advance(60_000)
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!)
    assert.ok(gaps.every((g) => g <= 60_000))
    assert.equal(gaps.at(-1), 60_000)
  })

  it('does nothing while not alone, and starts again when alone', async () => {
    const { retry, timers, attempts, setAlone } = setup([timeout(seed)])
    retry.add([seed])
    setAlone(false)
    retry.poke()
    await timers.advance(10_000)
    assert.deepEqual(attempts, [])
    setAlone(true)
    retry.poke()
    await timers.advance(0)
    assert.deepEqual(attempts, [10_000])
  })

  it('takes over an admin join that reached nobody', async () => {
    const { retry, timers, attempts, lines } = setup([])
    retry.add([seed])
    retry.failed(timeout(seed))
    assert.equal(retry.status().retrying, true)
    assert.ok(lines.some((l) => l.msg === 'join failed; retrying while alone'))
    await timers.advance(1000)
    assert.deepEqual(attempts, [1000])
    assert.equal(retry.status().retrying, false)
  })

  it('remembers at most 16 addresses, the most recent', () => {
    const { retry } = setup([])
    for (let i = 0; i < 20; i++) retry.add([`/ip4/10.0.0.${i}/tcp/1`])
    retry.add(['/ip4/10.0.0.5/tcp/1'])
    const { addrs } = retry.status()
    assert.equal(addrs.length, 16)
    assert.equal(addrs.at(-1), '/ip4/10.0.0.5/tcp/1')
    assert.equal(addrs[0], '/ip4/10.0.0.4/tcp/1')
  })

  it('stops for good', async () => {
    const { retry, timers, attempts } = setup([timeout(seed)])
    retry.add([seed])
    retry.poke()
    await timers.advance(0)
    retry.stop()
    await timers.advance(60_000)
    assert.deepEqual(attempts, [0])
  })
})
