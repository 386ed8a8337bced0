// Tags set at run time (`murmur tags set/del`) last: they are kept in the store as an overlay on
// the config file's tags, as Serf keeps its tags file. The rule, on every start and reload:
// the member's tags are the config file's, then the overlay's sets (a run-time value wins over
// the file's), minus the overlay's deletions (a key deleted at run time stays deleted, even if the
// file still has it). `murmur tags reset` drops the overlay: the file's tags alone again.

export interface TagOverlay {
  set: Record<string, string>
  del: string[]
}

export const EMPTY_OVERLAY: TagOverlay = { set: {}, del: [] }

/** The tags a member runs with: `config`, then the overlay's sets, minus its deletions. */
export function effectiveTags(config: Record<string, string>, overlay: TagOverlay): Record<string, string> {
  const out: Record<string, string> = { ...config, ...overlay.set }
  for (const k of overlay.del) delete out[k]
  return out
}

/** The overlay after `murmur tags set` (set) and `murmur tags del` (del). */
export function updateOverlay(
  overlay: TagOverlay,
  set: Record<string, string>,
  del: readonly string[],
): TagOverlay {
  const next: Record<string, string> = { ...overlay.set, ...set }
  const deleted = new Set(overlay.del.filter((k) => !(k in set)))
  for (const k of del) {
    delete next[k]
    deleted.add(k)
  }
  return { set: next, del: [...deleted].sort() }
}

/** The changes that take a member from `current` to `wanted` tags. */
export function tagDiff(
  current: Record<string, string>,
  wanted: Record<string, string>,
): { set: Record<string, string>; del: string[] } {
  const set: Record<string, string> = {}
  for (const [k, v] of Object.entries(wanted)) if (current[k] !== v) set[k] = v
  return { set, del: Object.keys(current).filter((k) => !(k in wanted)) }
}

/** Keys whose value (or absence) comes from the overlay rather than the file: what reload reports. */
export function overriddenKeys(config: Record<string, string>, overlay: TagOverlay): string[] {
  const keys = new Set<string>()
  for (const [k, v] of Object.entries(overlay.set)) if (config[k] !== v) keys.add(k)
  for (const k of overlay.del) if (k in config) keys.add(k)
  return [...keys].sort()
}

/** A stored overlay, checked: anything malformed reads as no overlay (the file's tags win). */
export function parseOverlay(v: unknown): TagOverlay {
  if (typeof v !== 'object' || v === null) return EMPTY_OVERLAY
  const o = v as { set?: unknown; del?: unknown }
  const set: Record<string, string> = {}
  if (typeof o.set === 'object' && o.set !== null && !Array.isArray(o.set)) {
    for (const [k, val] of Object.entries(o.set)) if (typeof val === 'string') set[k] = val
  }
  const del = Array.isArray(o.del) ? o.del.filter((k): k is string => typeof k === 'string') : []
  return { set, del }
}
