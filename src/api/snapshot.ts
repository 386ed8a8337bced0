// `snapshot.save`: the agent writes a consistent copy of its replicated state to a file
// (docs/storage.md, "Snapshots"). Restore needs no agent: it works on a stopped one's data directory.
import { z } from 'zod'
import { method } from './spec.js'

export interface SnapshotSaveResult {
  /** The file written (absolute). */
  path: string
  bytes: number
  /** Entries copied: records plus version-vector, collected-floor and retired entries. */
  entries: number
  records: number
  origins: number
  sha256: string
  storeFormat: number
}

// Bounds and absoluteness are checked by the handler (checkSnapshotPath), which names them.
export const snapshotSave = method<SnapshotSaveResult>()(z.object({ path: z.string() }).strict())
