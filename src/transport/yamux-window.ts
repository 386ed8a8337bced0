// Yamux flow control without a window update per frame. @chainsafe/libp2p-yamux 8 answers every
// data frame it receives with a WindowUpdate frame, so each small membership packet costs two
// frames, two noise messages and two socket writes. The yamux spec leaves the timing to the
// receiver; hashicorp/yamux and rust-yamux send an update once half the window is used. This
// does the same: it skips the update while more than half the receive window is still free,
// and leaves every other case (stream opening flags, paused streams, window growth) to yamux.
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'

interface WindowFields {
  state: StreamState
  recvWindow: number
  recvWindowCapacity: number
}

let installed = false

/** Installs the half-window rule on every yamux stream of this process (idempotent). */
export function installLazyWindowUpdates(): void {
  if (installed) return
  installed = true
  const proto = YamuxStream.prototype as unknown as { sendWindowUpdate: (this: WindowFields) => void }
  const original = proto.sendWindowUpdate
  if (typeof original !== 'function') return // a yamux without this method: leave it as it is
  proto.sendWindowUpdate = function (this: WindowFields): void {
    const plain =
      this.state !== StreamState.Init &&
      this.state !== StreamState.SYNReceived &&
      this.state !== StreamState.Paused
    if (plain && this.recvWindowCapacity * 2 > this.recvWindow) return
    original.call(this)
  }
}
