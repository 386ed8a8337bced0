// A 3/2 partition: both sides detect the split, keep serving reads and writes (including conflicting
// ones), and after heal the five agents converge to the CRDT answers: LWW, add-wins set, summed counter.
import assert from 'node:assert/strict'
import { waitFor } from '../helpers/wait.js'
import type { LabMesh } from '../lab/mesh.js'
import { labSuite } from './suite.js'

const A = [1, 2, 3]
const B = [4, 5]
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('lab scenario: 3/2 partition and heal', function () {
  this.timeout(150_000)
  const ctx = labSuite(`mlp${process.pid % 10_000}`, 5)

  async function kvGet(mesh: LabMesh, i: number, key: string): Promise<unknown> {
    return (await mesh.call<{ value: unknown }>(i, 'kv.get', { key })).value
  }
  const setMembers = async (mesh: LabMesh, i: number, name: string) =>
    (await mesh.call<{ elements: string[] }>(i, 'set.members', { name })).elements.slice().sort()
  const counter = async (mesh: LabMesh, i: number, name: string) =>
    (await mesh.call<{ value: number }>(i, 'counter.get', { name })).value

  it('both sides detect the split and stay writable; heal converges to the CRDT answers', async () => {
    const mesh = await ctx.startMesh({ mdns: true })
    await mesh.waitConverged({ timeoutMs: 30_000 })

    // Common history before the split
    await mesh.call(1, 'kv.set', { key: 'k', value: 'base' })
    await mesh.call(1, 'set.add', { name: 'fruits', elements: ['apple', 'pear'] })
    await mesh.call(2, 'counter.incr', { name: 'hits', amount: 1 })
    let total = 1
    await mesh.waitConverged({ timeoutMs: 20_000 })

    await ctx.lab.partition(A, B)
    const tSplit = Date.now()

    // Each side sees the other side go suspect, then dead. Poll often enough to catch the suspect window.
    const seen = new Map<string, Set<string>>() // 'observer>target' -> statuses seen
    const sideOf = (i: number) => (A.includes(i) ? A : B)
    await waitFor(
      async () => {
        let done = true
        for (const i of mesh.indexes) {
          const view = await mesh.view(i)
          for (const j of mesh.indexes) {
            if (sideOf(j) === sideOf(i)) {
              assert.equal(view[`h${j}`], 'alive', `h${i} should keep h${j} (same side) alive`)
              continue
            }
            const key = `h${i}>h${j}`
            const s = view[`h${j}`] ?? 'missing'
            seen.set(key, (seen.get(key) ?? new Set()).add(s))
            if (s !== 'dead') done = false
          }
        }
        return done
      },
      { timeoutMs: 20_000, intervalMs: 100, what: 'each side to mark the other dead' },
    )
    console.log(
      `      split detected: every agent marks the other side dead ${Date.now() - tSplit} ms after the split`,
    )
    const noSuspect = [...seen].filter(([, s]) => !s.has('suspect')).map(([k]) => k)
    assert.deepEqual(noSuspect, [], `pairs never seen as suspect before dead: ${noSuspect}`)

    // Conflicting writes: k on A first, then on B (B's HLC is later, B wins); k2 the other way round
    await mesh.call(1, 'kv.set', { key: 'k', value: 'from-A' })
    await mesh.call(5, 'kv.set', { key: 'k2', value: 'from-B' })
    await sleep(30)
    await mesh.call(4, 'kv.set', { key: 'k', value: 'from-B' })
    await mesh.call(2, 'kv.set', { key: 'k2', value: 'from-A' })
    await mesh.call(3, 'kv.set', { key: 'only-A', value: 3 })
    await mesh.call(5, 'kv.set', { key: 'only-B', value: 5 })
    // Sets: A removes apple while B re-adds it (add wins); both remove pear; each adds its own fruit
    await mesh.call(2, 'set.rm', { name: 'fruits', elements: ['apple', 'pear'] })
    await mesh.call(4, 'set.add', { name: 'fruits', elements: ['apple', 'mango'] })
    await mesh.call(5, 'set.rm', { name: 'fruits', elements: ['pear'] })
    await mesh.call(3, 'set.add', { name: 'fruits', elements: ['kiwi'] })
    // Counters on every agent of both sides
    const incs: Array<[number, number]> = [
      [1, 5],
      [2, 7],
      [3, 11],
      [4, 13],
      [5, 17],
      [4, 2],
    ]
    for (const [i, amount] of incs) {
      await mesh.call(i, 'counter.incr', { name: 'hits', amount })
      total += amount
    }
    await mesh.call(5, 'counter.decr', { name: 'hits', amount: 3 })
    total -= 3

    // Reads work on each side and show that side's view
    const sideA = await mesh.waitConverged({ hosts: A, alive: false, timeoutMs: 20_000 })
    const sideB = await mesh.waitConverged({ hosts: B, alive: false, timeoutMs: 20_000 })
    assert.notEqual(sideA.digest, sideB.digest)
    for (const i of A) {
      assert.equal(await kvGet(mesh, i, 'k'), 'from-A')
      assert.deepEqual(await setMembers(mesh, i, 'fruits'), ['kiwi'])
      assert.equal(await counter(mesh, i, 'hits'), 1 + 5 + 7 + 11)
    }
    for (const i of B) {
      assert.equal(await kvGet(mesh, i, 'k'), 'from-B')
      assert.deepEqual(await setMembers(mesh, i, 'fruits'), ['apple', 'mango'])
      assert.equal(await counter(mesh, i, 'hits'), 1 + 13 + 17 + 2 - 3)
    }

    await ctx.lab.heal()
    const healedAt = new Date().toISOString()
    const c = await mesh.waitConverged({ timeoutMs: 60_000 })
    console.log(
      `      heal (${healedAt}) -> convergence: ${c.ms} ms (one digest ${c.digest.slice(0, 12)} after ${c.digestMs} ms, 5 alive everywhere after ${c.aliveMs} ms)`,
    )

    for (const i of mesh.indexes) {
      assert.equal(await kvGet(mesh, i, 'k'), 'from-B', `h${i}: k (LWW, B wrote last)`)
      assert.equal(await kvGet(mesh, i, 'k2'), 'from-A', `h${i}: k2 (LWW, A wrote last)`)
      assert.equal(await kvGet(mesh, i, 'only-A'), 3)
      assert.equal(await kvGet(mesh, i, 'only-B'), 5)
      assert.deepEqual(
        await setMembers(mesh, i, 'fruits'),
        ['apple', 'kiwi', 'mango'],
        `h${i}: fruits (add wins)`,
      )
      assert.equal(await counter(mesh, i, 'hits'), total, `h${i}: hits`)
    }
  })
})
