// Frames of protobuf messages: one version byte, then the message. Items of a repeated field are
// encoded once each and packed into as few frames as fit, so a frame's size is known before it is
// built and a whole state is never encoded at once.
import { InvalidInputError, TooLargeError } from '../errors.js'
import { varintSize } from '../util/varint.js'

/** What one item of `len` bytes adds to a repeated field numbered below 16: tag, length, bytes. */
export const fieldSize = (len: number): number => 1 + varintSize(len) + len

/** `version` then `body`; TooLargeError if it does not fit in maxBytes. */
export function frame(body: Uint8Array, maxBytes: number, version: number): Uint8Array {
  if (body.length + 1 > maxBytes)
    throw new TooLargeError(`frame of ${body.length + 1} bytes exceeds ${maxBytes}`)
  const out = new Uint8Array(body.length + 1)
  out[0] = version
  out.set(body, 1)
  return out
}

/** The body of one frame of `version`; InvalidInputError for anything else. */
export function readFrame(bytes: Uint8Array, maxBytes: number, version: number): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new InvalidInputError('frame must be bytes')
  if (bytes.length > maxBytes)
    throw new InvalidInputError(`frame of ${bytes.length} bytes exceeds ${maxBytes}`)
  if (bytes.length === 0) throw new InvalidInputError('empty frame')
  if (bytes[0] !== version) {
    throw new InvalidInputError(`unsupported format version ${bytes[0]} (this peer speaks ${version})`)
  }
  return bytes.subarray(1)
}

/**
 * Groups encoded items so that each group, as a repeated field, takes at most `room` bytes and
 * `maxItems` items. Lazy: one group is held at a time. Always yields at least one group, and
 * `last` is true on the final one only.
 */
export function* packItems<T extends Uint8Array>(
  items: Iterable<T>,
  room: number,
  maxItems: number,
): Generator<{ items: T[]; last: boolean }> {
  let held: T[] | undefined
  let cur: T[] = []
  let size = 0
  for (const item of items) {
    const n = fieldSize(item.length)
    if (n > room) throw new TooLargeError(`one item of ${n} bytes cannot fit in a frame`)
    if (cur.length > 0 && (size + n > room || cur.length >= maxItems)) {
      // The held group is known not to be last only now that another starts.
      if (held !== undefined) yield { items: held, last: false }
      held = cur
      cur = []
      size = 0
    }
    cur.push(item)
    size += n
  }
  if (held !== undefined) yield { items: held, last: false }
  yield { items: cur, last: true }
}

/** Items as the repeated length-delimited field `field` (below 16) of a message: the message body. */
export function repeatedField(field: number, items: readonly Uint8Array[]): Uint8Array {
  let size = 0
  for (const it of items) size += fieldSize(it.length)
  const out = new Uint8Array(size)
  let pos = 0
  for (const it of items) {
    out[pos++] = (field << 3) | 2
    let n = it.length
    while (n >= 0x80) {
      out[pos++] = (n & 0x7f) | 0x80
      n = Math.floor(n / 128)
    }
    out[pos++] = n
    out.set(it, pos)
    pos += it.length
  }
  return out
}
