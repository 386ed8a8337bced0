// kill -9 at random points while a client writes through the admin socket: after every restart,
// each acknowledged write is there. Three writers run at once (kv, set, counter), so their writes
// share fsyncs (group commit); each writer is sequential, so at most one write of each kind is in
// flight when the agent dies, and that one may or may not have reached the disk.
// CRASH_ROUNDS=50 npm run build && npx mocha --no-config --timeout 60000 dist/test/durability/crash.spec.js
import assert from 'node:assert/strict'
import { TestAgent } from '../helpers/agents.js'
import { type AdminClient, connect, disposeAll } from './helpers.js'

const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 8)
const SET = 'crash-set'
const COUNTER = 'crash-counter'

/** What the client knows: acknowledged writes, and the ones in flight at the last kill. */
class Model {
  readonly kv = new Map<string, number>()
  readonly elements = new Set<string>()
  counter = 0 // exact value observed after the last restart, plus acknowledged increments since
  inFlightKv: [string, number] | undefined
  inFlightElement: string | undefined
  inFlightIncr = 0
  acked = 0

  /** Checks the restarted agent against the model, then folds in what the in-flight writes did. */
  async verify(c: AdminClient, round: number): Promise<void> {
    const { entries } = (await c.call('kv.list', {})) as { entries: Array<{ key: string; value: unknown }> }
    const present = new Map(entries.map((e) => [e.key, e.value]))
    for (const [key, value] of this.kv) {
      assert.ok(present.has(key), `round ${round}: acknowledged key ${key} is missing after kill -9`)
      assert.equal(present.get(key), value, `round ${round}: value of ${key}`)
    }
    for (const [key, value] of present) {
      if (this.kv.has(key)) continue
      assert.deepEqual([key, value], this.inFlightKv, `round ${round}: unexpected key ${key}`)
      this.kv.set(key, value as number) // the in-flight write made it to disk
    }

    const { elements } = (await c.call('set.members', { name: SET })) as { elements: string[] }
    const members = new Set(elements)
    for (const e of this.elements)
      assert.ok(members.has(e), `round ${round}: acknowledged element ${e} is missing`)
    for (const e of members) {
      if (this.elements.has(e)) continue
      assert.equal(e, this.inFlightElement, `round ${round}: unexpected element ${e}`)
      this.elements.add(e)
    }

    const { value } = (await c.call('counter.get', { name: COUNTER })) as { value: number }
    assert.ok(
      value >= this.counter && value <= this.counter + this.inFlightIncr,
      `round ${round}: counter ${value} not within [${this.counter}, ${this.counter + this.inFlightIncr}]`,
    )
    this.counter = value
    this.inFlightKv = undefined
    this.inFlightElement = undefined
    this.inFlightIncr = 0
  }

  /** Three sequential writers until the connection dies; records acknowledgements. */
  writers(c: AdminClient, round: number): Promise<unknown> {
    const until = async (step: (i: number) => Promise<void>) => {
      for (let i = 0; ; i++) {
        try {
          await step(i)
        } catch {
          return // the agent was killed: this write's fate is unknown
        }
      }
    }
    return Promise.all([
      until(async (i) => {
        const key = `r${round}-k${i}`
        this.inFlightKv = [key, i]
        await c.call('kv.set', { key, value: i })
        this.kv.set(key, i)
        this.inFlightKv = undefined
        this.acked++
      }),
      until(async (i) => {
        const element = `r${round}-e${i}`
        this.inFlightElement = element
        await c.call('set.add', { name: SET, elements: [element] })
        this.elements.add(element)
        this.inFlightElement = undefined
        this.acked++
      }),
      until(async () => {
        this.inFlightIncr = 1
        await c.call('counter.incr', { name: COUNTER, amount: 1 })
        this.counter++
        this.inFlightIncr = 0
        this.acked++
      }),
    ])
  }
}

describe('durability: kill -9 during writes', function () {
  this.timeout(60_000 + ROUNDS * 15_000)
  const agents: TestAgent[] = []

  afterEach(async function () {
    await disposeAll(agents.splice(0), this.currentTest?.state === 'failed')
  })

  it(`keeps every acknowledged write through ${ROUNDS} kills at random points`, async () => {
    const agent = new TestAgent({ name: 'crash' })
    agents.push(agent)
    const model = new Model()
    for (let round = 0; round <= ROUNDS; round++) {
      agent.start()
      await agent.ready()
      const c = await connect(agent)
      try {
        await model.verify(c, round)
        if (round === ROUNDS) break
        const delay = 100 + Math.floor(Math.random() * 500)
        const kill = setTimeout(() => agent.kill('SIGKILL'), delay)
        await model.writers(c, round)
        clearTimeout(kill)
        assert.equal(await agent.waitExit(), 128, 'the agent died of SIGKILL')
      } finally {
        c.close()
      }
    }
    // Each round writes for 100-600 ms; a run that acknowledged next to nothing proves nothing.
    assert.ok(model.acked >= ROUNDS * 10, `only ${model.acked} writes were acknowledged`)
    assert.ok(model.counter > 0 && model.kv.size > 0 && model.elements.size > 0)
  })
})
