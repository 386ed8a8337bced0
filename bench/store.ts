// The store's size under overwrites: 1,000,000 writes to the same 1,000 keys through a replica and
// the durable store, written as the committer does (records, vv entries, next seq; one batch per
// 1,000 writes). LevelDB's compaction must keep the directory bounded by the live state.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type CrdtRecord, Replica } from '../src/crdt/index.js'
import { recordPut, seqPut, versionPut } from '../src/state/schema.js'
import { STORE_DIR, Store } from '../src/state/store.js'
import { systemClock } from '../src/util/clock.js'
import { type Figure, fmtBytes, fmtMs, fmtRate, int, log, now } from './util.js'

/** A file LevelDB compacts away between the listing and its stat counts as gone. */
const dirBytes = (dir: string): number =>
  readdirSync(dir).reduce((sum, f) => sum + (statSync(join(dir, f), { throwIfNoEntry: false })?.size ?? 0), 0)

export async function runStoreBench(writes = 1_000_000, keys = 1_000): Promise<Figure[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'murmur-bench-store-'))
  try {
    const replica = new Replica('12D3KooWBenchStoreOriginBenchStoreOriginBenchStore', systemClock)
    const store = await Store.open(dataDir)
    // As the committer does: every record the replica changes, once per batch however often.
    const changed = new Map<string, CrdtRecord>()
    replica.onRecord = (id, record) => changed.set(id, record)
    const sizes: string[] = []
    const t0 = now()
    for (let done = 0; done < writes; ) {
      const ops = []
      for (let k = 0; k < 1_000 && done < writes; k++, done++) {
        const key = `key/${done % keys}`
        replica.kvSet(key, { n: done })
      }
      replica.seal()
      for (const [id, record] of changed) ops.push(recordPut(id, record))
      changed.clear()
      for (const [o, s] of replica.takeVersionChanges()) ops.push(versionPut(o, s))
      ops.push(seqPut(replica.nextSeq))
      await store.write(ops, { sync: false, gathered: true })
      if (done % (writes / 4) === 0) {
        sizes.push(`${int(done)}: ${fmtBytes(dirBytes(join(dataDir, STORE_DIR)))}`)
        log(`store: ${int(done)} overwrites`)
      }
    }
    const ms = now() - t0
    await store.close()
    const reopened = await Store.open(dataDir)
    const state = await reopened.readReplicaState()
    await reopened.close()
    const size = dirBytes(join(dataDir, STORE_DIR))
    return [
      {
        section: 'store',
        name: `store size after ${int(writes)} overwrites of ${int(keys)} keys`,
        value: fmtBytes(size),
        detail: `after each quarter: ${sizes.join(', ')}; ${fmtRate((writes / ms) * 1000)} unsynced writes (${fmtMs(ms)} in all); reopens with ${int(state.records.length)} records`,
      },
    ]
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}
