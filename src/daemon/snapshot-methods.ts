// `snapshot.save`: the agent copies its store's replicated entries, through one LevelDB iterator,
// into a file at the absolute path the client gives (written atomically, mode 0600).
import type { MethodRegistry } from '../admin/methods.js'
import { implement } from '../api/index.js'
import type { SnapshotHeader } from '../state/snapshot-format.js'
import { saveSnapshot } from '../state/snapshot.js'
import type { Store } from '../state/store.js'

export function snapshotMethods(store: Store, self: () => Omit<SnapshotHeader, 'createdAt'>): MethodRegistry {
  return {
    'snapshot.save': implement('snapshot.save', (p) =>
      saveSnapshot(store, p.path, { ...self(), createdAt: Date.now() }),
    ),
  }
}
