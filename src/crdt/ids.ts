// Record ids encode the CRDT type, so two records of different types can never share an id.
// Components cannot contain NUL, so the NUL separator makes ids unambiguous.
import { nameProblem } from './limits.js'

export type RecordType = 'lww' | 'set' | 'counter'

export type ParsedId =
  | { t: 'lww'; key: string }
  | { t: 'set'; name: string; element: string }
  | { t: 'counter'; name: string }

export const kvId = (key: string): string => `k\u0000${key}`
export const setId = (name: string, element: string): string => `s\u0000${name}\u0000${element}`
export const counterId = (name: string): string => `c\u0000${name}`

/** Splits and validates an id; undefined when it is not a well-formed id of any type. */
export function parseId(id: string): ParsedId | undefined {
  const parts = id.split('\u0000')
  if (parts.some((p, i) => i > 0 && nameProblem(p) !== undefined)) return undefined
  const [tag, a, b] = parts
  if (a === undefined) return undefined
  if (tag === 'k' && parts.length === 2) return { t: 'lww', key: a }
  if (tag === 'c' && parts.length === 2) return { t: 'counter', name: a }
  if (tag === 's' && parts.length === 3 && b !== undefined) return { t: 'set', name: a, element: b }
  return undefined
}
