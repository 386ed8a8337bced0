// Yamux with the half-window rule: small frames get no window update each, bulk transfers still
// get credit in time and finish.
import assert from 'node:assert/strict'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Stream } from '@libp2p/interface'
import { multiaddrConnectionPair } from '@libp2p/utils'
import '../../../src/polyfill.js'
import { installLazyWindowUpdates } from '../../../src/transport/yamux-window.js'
import { waitFor } from '../../helpers/wait.js'

/** Two muxers over an in-memory connection; counts the bytes the receiving side sends back. */
async function pair(): Promise<{ sender: Stream; receiver: Promise<Stream>; backBytes: () => number }> {
  const [a, b] = multiaddrConnectionPair()
  let back = 0
  const send = b.send.bind(b)
  b.send = (d) => {
    back += d.byteLength
    return send(d)
  }
  const muxA = yamux({ enableKeepAlive: false })().createStreamMuxer(a)
  const muxB = yamux({ enableKeepAlive: false })().createStreamMuxer(b)
  const receiver = new Promise<Stream>((resolve) =>
    muxB.addEventListener('stream', (evt) => resolve(evt.detail), { once: true }),
  )
  const sender = await muxA.createStream()
  return { sender, receiver, backBytes: () => back }
}

describe('yamux window updates', function () {
  this.timeout(30_000)
  before(() => installLazyWindowUpdates())

  it('answers 200 small frames without a window update each', async () => {
    const { sender, receiver, backBytes } = await pair()
    sender.send(new Uint8Array(40))
    const r = await receiver
    const before = backBytes()
    // One frame at a time, each delivered before the next is sent, as membership packets go.
    for (let i = 1; i < 200; i++) {
      const arrived = new Promise((res) => r.addEventListener('message', res, { once: true }))
      sender.send(new Uint8Array(40))
      await arrived
    }
    // Unpatched yamux sends a 12-byte WindowUpdate per data frame: about 2,400 bytes here.
    assert.ok(backBytes() - before < 12 * 10, `receiver sent ${backBytes() - before} bytes back`)
  })

  it('still grants credit for a transfer many times the window', async () => {
    const { sender, receiver } = await pair()
    const total = 8 * 1024 * 1024
    const chunk = new Uint8Array(16 * 1024)
    sender.send(chunk)
    const r = await receiver
    let got = 0
    r.addEventListener('message', (evt) => {
      got += evt.data.byteLength
    })
    for (let sent = chunk.length; sent < total; sent += chunk.length) {
      if (!sender.send(chunk))
        await new Promise((res) => sender.addEventListener('drain', res, { once: true }))
    }
    await waitFor(() => got === total || undefined, { what: `${total} bytes through`, timeoutMs: 20_000 })
  })
})
