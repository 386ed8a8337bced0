// The store's write path, in process: a write resolves only after a LevelDB batch with sync
// (fsync) that contains it has completed, and concurrent writes share batches (group commit).
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { Store } from '../../src/state/store.js'

describe('durability: store write path', () => {
  let dir: string
  let store: Store | undefined
  const realBatch = ClassicLevel.prototype.batch
  const ownBatch = Object.hasOwn(ClassicLevel.prototype, 'batch')

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'murmur-store-'))
  })

  afterEach(async () => {
    if (ownBatch) ClassicLevel.prototype.batch = realBatch
    else delete (ClassicLevel.prototype as { batch?: unknown }).batch
    await store?.close()
    store = undefined
    rmSync(dir, { recursive: true, force: true })
  })

  it('acknowledges a write only after a synced batch holding it; concurrent writes share batches', async () => {
    store = await Store.open(dir)
    const events: string[] = []
    const batches: Array<{ keys: string[]; sync: boolean }> = []
    // Observe every batch LevelDB is asked for: its keys, its sync flag, and when it completes.
    type Chained = {
      put(k: string, v: unknown): unknown
      write(o?: { sync?: boolean }): Promise<void>
    }
    ClassicLevel.prototype.batch = function (this: ClassicLevel<string, string>) {
      const chained = (realBatch as () => Chained).apply(this)
      const keys: string[] = []
      const put = chained.put.bind(chained)
      chained.put = (k, v) => {
        keys.push(k)
        return put(k, v)
      }
      const write = chained.write.bind(chained)
      chained.write = (options) => {
        const n = batches.push({ keys, sync: options?.sync === true })
        return write(options).then(() => {
          events.push(`synced ${n - 1}`)
        })
      }
      return chained
    } as unknown as typeof realBatch

    const writes = Array.from({ length: 200 }, (_, i) =>
      store!.write([{ type: 'put', key: `rec:k${i}`, value: { i } }]).then(() => {
        const batch = batches.findIndex((b) => b.keys.includes(`rec:k${i}`))
        events.push(`ack ${i} in ${batch}`)
      }),
    )
    await Promise.all(writes)

    assert.ok(
      batches.every((b) => b.sync),
      'every batch is written with sync: true',
    )
    assert.ok(batches.length <= 3, `200 concurrent writes took ${batches.length} batches`)
    for (let i = 0; i < 200; i++) {
      const ack = events.findIndex((e) => e.startsWith(`ack ${i} in `))
      const batch = Number(events[ack]?.split(' in ')[1])
      const synced = events.indexOf(`synced ${batch}`)
      assert.ok(synced >= 0 && synced < ack, `write ${i} acknowledged after its batch ${batch} was synced`)
    }
    await store.close()
    store = undefined

    // And they are there after reopening.
    store = await Store.open(dir)
    let n = 0
    for await (const _ of store.scan('rec:')) n++
    assert.equal(n, 200)
  })

  it('a failed batch rejects its writers', async () => {
    store = await Store.open(dir)
    ClassicLevel.prototype.batch = function (this: ClassicLevel<string, string>) {
      const chained = (realBatch as () => { write(): Promise<void> }).apply(this)
      chained.write = () => Promise.reject(new Error('disk on fire'))
      return chained
    } as unknown as typeof realBatch
    await assert.rejects(store.write([{ type: 'put', key: 'rec:x', value: 1 }]), /disk on fire/)
  })
})
