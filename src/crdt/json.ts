// JSON values as stored in LWW records, and the canonical encoding that makes equal records hash
// equally on every peer (object keys sorted, no whitespace).
import { InvalidInputError, TooLargeError } from '../errors.js'
import { MAX_VALUE_BYTES, MAX_VALUE_DEPTH } from './limits.js'

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/** Why `v` is not plain JSON, or undefined. Depth is capped so hostile nesting cannot blow the stack. */
export function jsonProblem(v: unknown, depth = 0): string | undefined {
  if (depth > MAX_VALUE_DEPTH) return `value is nested deeper than ${MAX_VALUE_DEPTH} levels`
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return undefined
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : 'value numbers must be finite'
  if (Array.isArray(v)) {
    for (const x of v) {
      const p = jsonProblem(x, depth + 1)
      if (p !== undefined) return p
    }
    return undefined
  }
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v)
    if (proto !== Object.prototype && proto !== null) return 'value objects must be plain objects'
    for (const x of Object.values(v)) {
      const p = jsonProblem(x, depth + 1)
      if (p !== undefined) return p
    }
    return undefined
  }
  return `${typeof v} is not a JSON value`
}

/** Why `v` cannot be stored as a value (shape or size), or undefined. */
export function valueProblem(v: unknown): string | undefined {
  const p = jsonProblem(v)
  if (p !== undefined) return p
  if (Buffer.byteLength(JSON.stringify(v), 'utf8') > MAX_VALUE_BYTES) {
    return `value JSON encoding must be at most ${MAX_VALUE_BYTES} bytes`
  }
  return undefined
}

/** Validates a user value and returns a frozen private copy (callers may keep mutating theirs). */
export function normalizeValue(v: unknown): JsonValue {
  const p = valueProblem(v)
  if (p !== undefined) {
    throw p.includes('at most') ? new TooLargeError(p) : new InvalidInputError(p)
  }
  return deepFreeze(JSON.parse(JSON.stringify(v)) as JsonValue)
}

export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v)
    for (const x of Object.values(v)) deepFreeze(x)
  }
  return v
}

/** Deterministic JSON: sorted object keys. Input must already be valid JSON (depth-checked). */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v)
  // Concatenation rather than map/join: every record received is encoded so for the digest, and
  // the intermediate arrays were a quarter of the cost.
  if (Array.isArray(v)) {
    let s = '['
    for (let i = 0; i < v.length; i++) s += (i === 0 ? '' : ',') + canonicalJson(v[i])
    return `${s}]`
  }
  const obj = v as { [k: string]: unknown }
  const keys = Object.keys(obj)
  if (keys.length > 1) keys.sort()
  let s = '{'
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!
    s += `${i === 0 ? '' : ','}${JSON.stringify(k)}:${canonicalJson(obj[k])}`
  }
  return `${s}}`
}
