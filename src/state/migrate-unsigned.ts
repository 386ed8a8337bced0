// Store format 1 held records without signatures. Our own part of each is signed again and kept;
// every other origin's part is dropped, and so is its vv entry, so anti-entropy brings it back
// from its origin's peers, signed. One atomic batch, then the current format.
import type { WriteSigner } from '../crdt/signing.js'
import type { Logger } from '../util/log.js'
import { resigner } from './resign.js'
import {
  formatPut,
  LEGACY_VV_KEY,
  RECORD_PREFIX,
  recordDel,
  recordPut,
  STORE_FORMAT_VERSION,
  versionPut,
} from './schema.js'
import type { Store, StoreOp } from './store.js'

export async function migrateUnsignedStore(
  store: Store,
  selfId: string,
  signer: WriteSigner,
  logger: Logger,
): Promise<void> {
  const ops: StoreOp[] = []
  const resign = resigner(selfId, signer)
  let kept = 0
  let dropped = 0
  for await (const [id, raw] of store.scan<Record<string, unknown>>(RECORD_PREFIX)) {
    ops.push(recordDel(id))
    const own = resign(id, raw)
    if (own === undefined) {
      dropped++
      continue
    }
    kept++
    ops.push(recordPut(id, own))
  }
  const vv = (await store.get<Record<string, number>>(LEGACY_VV_KEY)) ?? {}
  const selfSeen = vv[selfId]
  if (selfSeen !== undefined) ops.push(versionPut(selfId, selfSeen))
  ops.push({ type: 'del', key: LEGACY_VV_KEY }, formatPut())
  await store.write(ops, { sync: true })
  store.format = STORE_FORMAT_VERSION
  logger.warn(
    `store migrated to format ${STORE_FORMAT_VERSION} (signed writes): own records signed again, others dropped`,
    { kept, dropped, why: 'records of other origins come back by anti-entropy, signed by their origins' },
  )
}
