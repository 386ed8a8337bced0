// A network coordinate on the membership wire (v3, on acks): a byte holding the dimension count
// (0: no coordinate), then the vector, height, error and adjustment as big-endian float32 seconds.
// float32 is plenty for round trips of microseconds to seconds and halves the bytes on each ack.
// Decoding is strict: the one dimension count we use, every value finite and in range.

import { InvalidInputError } from '../errors.js'
import { COORD_DEFAULTS, type Coordinate } from './coords.js'
import { MAX_COORD_SECONDS } from './limits.js'

const DIM = COORD_DEFAULTS.dimensionality
/** Bytes after the dimension byte. */
export const COORD_BODY_BYTES = 4 * (DIM + 3)

function fail(message: string): never {
  throw new InvalidInputError(`membership wire: coordinate ${message}`)
}

function check(x: number, min: number, max: number, what: string): number {
  const f = Math.fround(x)
  if (typeof x !== 'number' || !Number.isFinite(f) || f < min || f > max)
    fail(`${what} not a finite number in ${min}..${max}`)
  return f
}

/** The coordinate as sent (each value rounded to float32), checked as the decoder checks it. */
function wireValues(c: Coordinate): number[] {
  if (typeof c !== 'object' || c === null || !Array.isArray(c.vec)) fail('is not an object with a vec')
  if (c.vec.length !== DIM) fail(`has ${c.vec.length} dimensions, not ${DIM}`)
  const m = MAX_COORD_SECONDS
  return [
    ...c.vec.map((x) => check(x, -m, m, 'component')),
    check(c.height, 0, m, 'height'),
    check(c.error, 0, COORD_DEFAULTS.errorMax, 'error'),
    check(c.adjustment, -m, m, 'adjustment'),
  ]
}

/** Bytes of an optional coordinate on the wire, validating it. */
export function coordSize(c: Coordinate | undefined): number {
  if (c === undefined) return 1
  wireValues(c)
  return 1 + COORD_BODY_BYTES
}

/** Could this coordinate be sent as it is? */
export function fitsWire(c: Coordinate): boolean {
  try {
    wireValues(c)
    return true
  } catch {
    return false
  }
}

/** Writes an optional coordinate at `at` of `out` (sized by coordSize); returns the next position. */
export function writeCoord(out: Uint8Array, at: number, c: Coordinate | undefined): number {
  if (c === undefined) {
    out[at] = 0
    return at + 1
  }
  const view = new DataView(out.buffer, out.byteOffset + at, 1 + COORD_BODY_BYTES)
  view.setUint8(0, DIM)
  const values = wireValues(c)
  for (let i = 0; i < values.length; i++) view.setFloat32(1 + 4 * i, values[i]!)
  return at + 1 + COORD_BODY_BYTES
}

/** Reads the body of a coordinate (after its dimension byte) from `b` at `at`. */
export function readCoordBody(b: Uint8Array, at: number): Coordinate {
  const view = new DataView(b.buffer, b.byteOffset + at, COORD_BODY_BYTES)
  const m = MAX_COORD_SECONDS
  const v = (i: number, min: number, max: number, what: string): number => {
    const x = view.getFloat32(4 * i)
    if (!(x >= min && x <= max)) fail(`${what} not a finite number in ${min}..${max}`)
    return x
  }
  const vec: number[] = []
  for (let i = 0; i < DIM; i++) vec.push(v(i, -m, m, 'component'))
  return {
    vec,
    height: v(DIM, 0, m, 'height'),
    error: v(DIM + 1, 0, COORD_DEFAULTS.errorMax, 'error'),
    adjustment: v(DIM + 2, -m, m, 'adjustment'),
  }
}

/** The dimension byte a coordinate on the wire starts with. */
export const COORD_DIMENSION_BYTE = DIM
