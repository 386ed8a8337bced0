// The parts of a set record, one per origin (its add, its dot and signature, and the removal of
// its add). A part whose add was removed, or that only removed, no longer counts: it is collected
// like a whole tombstone, part by part (docs/state-and-sync.md, "Tombstones").
import { type SetRecord, seqOf } from './records.js'

/** Origins of `r` whose part holds no live add: its add was removed, or it only removed. */
export function deadOrigins(r: SetRecord): string[] {
  return Object.keys(r.dots).filter((o) => (seqOf(r.adds, o) ?? 0) <= (seqOf(r.removed, o) ?? 0))
}

/**
 * `r` without the parts of the origins `drop` selects (each origin's add, dot, signature and the
 * removal of its add: what is left keeps every signature valid); `r` itself when none goes.
 */
export function withoutOrigins(r: SetRecord, drop: (origin: string) => boolean): SetRecord {
  const gone = Object.keys(r.dots).filter(drop)
  if (gone.length === 0) return r
  const omit = <V>(m: Readonly<Record<string, V>>): Record<string, V> => {
    const out = { ...m }
    for (const o of gone) delete out[o]
    return out
  }
  return {
    t: 'set',
    adds: omit(r.adds),
    removed: omit(r.removed),
    dots: omit(r.dots),
    sigs: omit(r.sigs),
    rsigs: omit(r.rsigs),
  }
}
