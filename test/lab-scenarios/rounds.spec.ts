// Repeated random partition/heal rounds with random writes; every acknowledged write is checked
// against a model after each heal. LAB_ROUNDS (default 10) and LAB_SEED make runs repeatable.
import assert from 'node:assert/strict'
import { prng } from '../helpers/prng.js'
import type { LabMesh } from '../lab/mesh.js'
import { labSuite } from './suite.js'

const ROUNDS = Number(process.env.LAB_ROUNDS ?? 10)
const SEED = Number(process.env.LAB_SEED ?? Math.floor(Math.random() * 2 ** 31))
const HOSTS = [1, 2, 3, 4, 5]

interface Row {
  round: number
  split: string
  writes: number
  holdMs: number
  ms: number | string
}

type Op =
  | { kind: 'kv'; key: string; value: string }
  | { kind: 'incr'; amount: number }
  | { kind: 'add'; element: string }

describe('lab scenario: random partition/heal rounds', function () {
  this.timeout(60_000 + ROUNDS * 45_000)
  const ctx = labSuite(`mlr${process.pid % 10_000}`, HOSTS.length)
  const rows: Row[] = []

  after(() => {
    if (rows.length === 0) return
    console.log(`      seed ${SEED} (replay: LAB_SEED=${SEED} LAB_ROUNDS=${ROUNDS})`)
    console.log('      round  split              writes  hold ms  ms to converge')
    for (const r of rows) {
      console.log(
        `      ${String(r.round).padStart(5)}  ${r.split.padEnd(17)}  ${String(r.writes).padStart(6)}  ${String(r.holdMs).padStart(7)}  ${r.ms}`,
      )
    }
    const ok = rows.map((r) => r.ms).filter((m): m is number => typeof m === 'number')
    if (ok.length > 0) {
      const sorted = [...ok].sort((a, b) => a - b)
      console.log(
        `      convergence ms: min ${sorted[0]} median ${sorted[Math.floor(sorted.length / 2)]} max ${sorted[sorted.length - 1]}`,
      )
    }
  })

  it(`${ROUNDS} rounds: random split, random writes, heal, every acknowledged write survives`, async () => {
    const rand = prng(SEED)
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!
    const mesh: LabMesh = await ctx.startMesh({ mdns: true })
    await mesh.waitConverged({ timeoutMs: 30_000 })

    // The model: what was acknowledged
    const kv = new Map<string, string>()
    const elements = new Set<string>()
    let total = 0
    let serial = 0

    for (let round = 1; round <= ROUNDS; round++) {
      // Random split into 2 (sometimes 3) non-empty groups
      const order = [...HOSTS].sort(() => rand() - 0.5)
      const nGroups = rand() < 0.25 ? 3 : 2
      const cuts =
        nGroups === 2
          ? [1 + Math.floor(rand() * 4)]
          : [1 + Math.floor(rand() * 2), 3 + Math.floor(rand() * 2)]
      const groups: number[][] = []
      let from = 0
      for (const c of [...cuts, HOSTS.length]) {
        groups.push(order.slice(from, c).sort((a, b) => a - b))
        from = c
      }
      const split = groups.map((g) => g.join(',')).join(' | ')
      const row: Row = { round, split, writes: 0, holdMs: 0, ms: 'FAILED' }
      rows.push(row)
      await ctx.lab.partition(...groups)

      // Random writes, sequential per agent (so an agent's last ack is its latest HLC), agents in parallel.
      // Keys overwritten more than once belong to one agent: own/hI/J.
      const nWrites = 20 + Math.floor(rand() * 21)
      const queues = new Map<number, Op[]>(HOSTS.map((i) => [i, []]))
      for (let n = 0; n < nWrites; n++) {
        const i = pick(HOSTS)
        const r = rand()
        const tag = `r${round}.${serial++}@h${i}`
        const op: Op =
          r < 0.45
            ? { kind: 'kv', key: `new/${tag}`, value: tag }
            : r < 0.75
              ? { kind: 'kv', key: `own/h${i}/${Math.floor(rand() * 3)}`, value: tag }
              : r < 0.9
                ? { kind: 'incr', amount: 1 + Math.floor(rand() * 10) }
                : { kind: 'add', element: tag }
        queues.get(i)!.push(op)
      }
      await Promise.all(
        [...queues].map(async ([i, ops]) => {
          for (const op of ops) {
            if (op.kind === 'kv') {
              await mesh.call(i, 'kv.set', { key: op.key, value: op.value })
              kv.set(op.key, op.value)
            } else if (op.kind === 'incr') {
              await mesh.call(i, 'counter.incr', { name: 'cnt', amount: op.amount })
              total += op.amount
            } else {
              await mesh.call(i, 'set.add', { name: 'seen', elements: [op.element] })
              elements.add(op.element)
            }
            row.writes++
          }
        }),
      )

      // Hold the split a random while: sometimes short of suspicion, sometimes past dead
      row.holdMs = Math.floor(rand() * 3000)
      await new Promise((r) => setTimeout(r, row.holdMs))

      await ctx.lab.heal()
      const c = await mesh.waitConverged({ timeoutMs: 60_000 })
      row.ms = c.ms
      console.log(
        `      round ${round}: split ${split}, ${row.writes} writes, hold ${row.holdMs} ms -> converged in ${c.ms} ms (digest ${c.digestMs}, alive ${c.aliveMs})`,
      )

      // Every acknowledged write, as the model says (digests are equal, so one reader suffices for kv)
      const reader = pick(HOSTS)
      const { entries } = await mesh.call<{ entries: Array<{ key: string; value: unknown }> }>(
        reader,
        'kv.list',
        {},
      )
      const got = new Map(entries.map((e) => [e.key, e.value]))
      const bad = [...kv]
        .filter(([k, v]) => got.get(k) !== v)
        .map(([k, v]) => `${k}: want ${v} got ${got.get(k)}`)
      assert.deepEqual(bad.slice(0, 10), [], `round ${round}: ${bad.length} keys differ on h${reader}`)
      assert.equal(got.size, kv.size, `round ${round}: h${reader} has keys nobody wrote`)
      for (const i of HOSTS) {
        const { value } = await mesh.call<{ value: number }>(i, 'counter.get', { name: 'cnt' })
        assert.equal(value, total, `round ${round}: counter on h${i}`)
      }
      const { elements: seen } = await mesh.call<{ elements: string[] }>(reader, 'set.members', {
        name: 'seen',
      })
      assert.deepEqual([...seen].sort(), [...elements].sort(), `round ${round}: set on h${reader}`)
    }
  })
})
