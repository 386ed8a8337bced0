// An in-memory bidirectional frame channel, for tests and for wiring two replicas in one process.
import type { FrameChannel } from './session.js'

class FrameQueue implements AsyncIterable<Uint8Array> {
  private readonly items: Uint8Array[] = []
  private waiter: ((r: IteratorResult<Uint8Array>) => void) | undefined
  private ended = false

  push(frame: Uint8Array): void {
    if (this.ended) throw new Error('channel is closed')
    if (this.waiter !== undefined) {
      const w = this.waiter
      this.waiter = undefined
      w({ value: frame, done: false })
    } else this.items.push(frame)
  }

  end(): void {
    this.ended = true
    const w = this.waiter
    this.waiter = undefined
    w?.({ value: undefined, done: true })
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => {
        const item = this.items.shift()
        if (item !== undefined) return Promise.resolve({ value: item, done: false })
        if (this.ended) return Promise.resolve({ value: undefined, done: true })
        return new Promise((resolve) => {
          this.waiter = resolve
        })
      },
    }
  }
}

export interface MemoryChannel extends FrameChannel {
  /** Ends the peer's incoming stream, as closing a real stream would. */
  close(): void
}

/** Two connected ends: what one sends, the other receives, in order. */
export function memoryDuplexPair(): [MemoryChannel, MemoryChannel] {
  const aToB = new FrameQueue()
  const bToA = new FrameQueue()
  const a: MemoryChannel = { send: async (f) => aToB.push(f), frames: bToA, close: () => aToB.end() }
  const b: MemoryChannel = { send: async (f) => bToA.push(f), frames: aToB, close: () => bToA.end() }
  return [a, b]
}
