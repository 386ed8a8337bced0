// Size and shape limits for replicated state. They are part of the wire contract: every peer
// enforces the same numbers, so a record one peer accepts is never rejected by another.
import { InvalidInputError, TooLargeError } from '../errors.js'

/** Max UTF-8 bytes of a key, set name, set element or counter name. */
export const MAX_NAME_BYTES = 512
/** Max UTF-8 bytes of a value's JSON encoding. */
export const MAX_VALUE_BYTES = 64 * 1024
/** Max nesting of arrays/objects inside a value (keeps recursion bounded). */
export const MAX_VALUE_DEPTH = 64
/** Max elements in one setAdd/setRemove call. */
export const MAX_ELEMENTS_PER_WRITE = 1024
/** Max distinct origins in one record's maps (dots, adds, removed, p, n). */
export const MAX_ORIGINS_PER_RECORD = 2048
/** Max origins a replica holds writes of, and in a version vector received from a peer. */
export const MAX_VV_ORIGINS = 65536
/** Out-of-order seqs remembered per origin before we give up and leave the gap to anti-entropy. */
export const MAX_PENDING_PER_ORIGIN = 1024
/**
 * A record stamped further than this ahead of the receiver's clock is held back (not merged);
 * anti-entropy offers it again once the receiver's clock has caught up.
 */
export const DEFAULT_MAX_FUTURE_MS = 60 * 1000
/** How long a tombstone is kept before it may be collected: every write should reach every live member sooner. */
export const DEFAULT_TOMBSTONE_HORIZON_MS = 24 * 60 * 60 * 1000

// Numeric bounds, far below 2^53 so that no increment can overflow and every sum stays exact. A
// value past one is refused where it enters (a peer, the disk); a local write that would pass
// one fails with TooLargeError instead of wrapping.
/** Default caps on the whole state (config limits.maxRecords, limits.maxStateBytes). */
export const DEFAULT_MAX_RECORDS = 2_000_000
export const DEFAULT_MAX_STATE_BYTES = 1024 * 1024 * 1024
/** No record's canonical entry is larger (64 KiB value, 2,048 dots and set or counter maps). */
export const MAX_ENTRY_BYTES = 1024 * 1024

/** Write sequence numbers of one origin (2^48: a million writes a second for nine years). */
export const MAX_SEQ = 2 ** 48
/** One origin's total of increments (or of decrements) of one counter: 2048 origins sum below 2^52. */
export const MAX_COUNTER_TOTAL = 2 ** 41
/** HLC wall time in ms (2^47: the year 6429). */
export const MAX_HLC_WALL = 2 ** 47
/** HLC logical counter; the clock moves to the next millisecond before reaching it. */
export const MAX_HLC_LOGICAL = 2 ** 31

/**
 * Origins are peer ids. They never start with '_' so that no origin can be '__proto__', and the
 * charset covers base58/base32/base64 peer id encodings.
 */
export const ORIGIN_RE = /^[A-Za-z0-9][A-Za-z0-9._:+/=-]{0,127}$/

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Why `s` is not a valid key/name/element, or undefined when it is. */
export function nameProblem(s: unknown): string | undefined {
  if (typeof s !== 'string') return 'must be a string'
  if (s.length === 0) return 'must not be empty'
  if (s.includes('\u0000')) return 'must not contain NUL'
  if (LONE_SURROGATE.test(s)) return 'must be well-formed Unicode'
  if (Buffer.byteLength(s, 'utf8') > MAX_NAME_BYTES) return `must be at most ${MAX_NAME_BYTES} bytes (UTF-8)`
  return undefined
}

/** Throws InvalidInputError (or TooLargeError for size) naming what was wrong. */
export function validateName(what: string, s: unknown): asserts s is string {
  const p = nameProblem(s)
  if (p === undefined) return
  if (p.startsWith('must be at most')) throw new TooLargeError(`${what} ${p}`)
  throw new InvalidInputError(`${what} ${p}`)
}

export function originProblem(s: unknown): string | undefined {
  if (typeof s !== 'string' || !ORIGIN_RE.test(s)) {
    return 'must be 1-128 chars of [A-Za-z0-9._:+/=-], starting with a letter or digit'
  }
  return undefined
}

/** Validates the element list of one set write. */
export function validateElements(elements: unknown): asserts elements is readonly string[] {
  if (!Array.isArray(elements)) throw new InvalidInputError('set elements must be an array of strings')
  if (elements.length > MAX_ELEMENTS_PER_WRITE) {
    throw new TooLargeError(`at most ${MAX_ELEMENTS_PER_WRITE} set elements per write`)
  }
  for (const el of elements) validateName('set element', el)
}
