/** Keeps the last `capacity` bytes of a stream, so a chatty daemon can't eat memory. */
export class Ring {
  private chunks: Buffer[] = []
  private size = 0

  constructor(private readonly capacity = 64 * 1024) {}

  push(chunk: Buffer | string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    this.chunks.push(buf)
    this.size += buf.length
    while (this.size > this.capacity && this.chunks.length > 1) {
      this.size -= this.chunks.shift()?.length ?? 0
    }
  }

  text(): string {
    const all = Buffer.concat(this.chunks)
    return all.subarray(Math.max(0, all.length - this.capacity)).toString('utf8')
  }
}
