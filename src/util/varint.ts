/** Bytes of `n` (a non-negative integer) as an unsigned LEB128 / protobuf varint. */
export function varintSize(n: number): number {
  let size = 1
  while (n >= 128) {
    n = Math.floor(n / 128)
    size++
  }
  return size
}
