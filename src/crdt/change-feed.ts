// Who is told about visible changes: watchers by key or name prefix (the admin socket's `watch`).
// Local writes, gossip and sync sessions all feed the same one.
import type { Change } from './changes.js'

type Watcher = { prefix: string | undefined; cb: (change: Change) => void }

export class ChangeFeed {
  private readonly watchers = new Set<Watcher>()

  /** Calls `cb` for every change whose key/name starts with `prefix`; returns an unsubscribe. */
  watch(prefix: string | undefined, cb: (change: Change) => void): () => void {
    const w: Watcher = { prefix, cb }
    this.watchers.add(w)
    return () => {
      this.watchers.delete(w)
    }
  }

  emit(changes: readonly Change[]): void {
    if (changes.length === 0 || this.watchers.size === 0) return
    for (const c of changes) {
      const name = c.kind === 'kv' ? c.key : c.name
      for (const w of this.watchers) if (w.prefix === undefined || name.startsWith(w.prefix)) w.cb(c)
    }
  }
}
