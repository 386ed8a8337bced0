// Visible changes: what a subscriber sees when a write or merge alters a read result.
import type { ParsedId } from './ids.js'
import type { JsonValue } from './json.js'
import { canonicalJson } from './json.js'
import { type CrdtRecord, counterValue, seqOf, setPresent } from './records.js'

export type Change =
  | { kind: 'kv'; key: string; value: JsonValue | null; origin: string }
  | { kind: 'set'; name: string; element: string; present: boolean; origin: string }
  | { kind: 'counter'; name: string; value: number; origin: string }

/**
 * The writer a set or counter change comes from: the origin whose write (dot) `next` adds over
 * `prev`. A merge that brings several writers' writes at once names the first of them by peer id.
 */
export function changeOrigin(prev: CrdtRecord | undefined, next: CrdtRecord): string {
  const origins = Object.keys(next.dots).sort()
  const newer = origins.find((o) => prev === undefined || next.dots[o]! > (seqOf(prev.dots, o) ?? 0))
  return newer ?? origins[0] ?? ''
}

/** The change a reader would notice going from `prev` to `next`, or undefined if reads are equal. */
export function visibleChange(
  id: ParsedId,
  prev: CrdtRecord | undefined,
  next: CrdtRecord,
): Change | undefined {
  if (id.t === 'lww' && next.t === 'lww') {
    const before = prev?.t === 'lww' ? prev.value : null
    if (before === next.value || canonicalJson(before) === canonicalJson(next.value)) return undefined
    return { kind: 'kv', key: id.key, value: next.value, origin: next.origin }
  }
  if (id.t === 'set' && next.t === 'set') {
    const before = prev?.t === 'set' && setPresent(prev)
    const now = setPresent(next)
    if (before === now) return undefined
    return { kind: 'set', name: id.name, element: id.element, present: now, origin: changeOrigin(prev, next) }
  }
  if (id.t === 'counter' && next.t === 'counter') {
    const before = prev?.t === 'counter' ? counterValue(prev) : 0
    const now = counterValue(next)
    if (before === now) return undefined
    return { kind: 'counter', name: id.name, value: now, origin: changeOrigin(prev, next) }
  }
  return undefined
}
