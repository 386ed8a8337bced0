// The private-mesh protector: the XSalsa20 stream against the one-shot cipher, wire compatibility
// with @libp2p/pnet, bounded pieces, and errors that end one connection, not the process.
import assert from 'node:assert/strict'
import type { MessageStream } from '@libp2p/interface'
import { preSharedKey } from '@libp2p/pnet'
import { multiaddrConnectionPair } from '@libp2p/utils'
import { xsalsa20 } from '@noble/ciphers/salsa.js'
import fc from 'fast-check'
import { fingerprint, Keyring } from '../../../src/transport/keyring.js'
import { FIRST_PLAINTEXT, PSK_MAX_CHUNK_BYTES, pskProtector } from '../../../src/transport/psk-protector.js'
import { parseSwarmKey } from '../../../src/transport/swarm-key.js'
import { XSalsa20Stream } from '../../../src/transport/xsalsa20-stream.js'
import { waitFor } from '../../helpers/wait.js'

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1)
const KEY_FILE = new TextEncoder().encode(
  `/key/swarm/psk/1.0.0/\n/base16/\n${Buffer.from(KEY).toString('hex')}`,
)

function bytes(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n)
  let x = seed
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    b[i] = x >>> 24
  }
  return b
}

/** `n` bytes of a connection's traffic: like every libp2p peer's, it opens with multistream-select. */
function traffic(n: number, seed = 1): Uint8Array {
  const b = bytes(n, seed)
  b.set(FIRST_PLAINTEXT)
  return b
}

/** Collects what arrives on `s` as one byte array. */
function collect(s: MessageStream): { got: () => Uint8Array; total: () => number } {
  const parts: Uint8Array[] = []
  let total = 0
  s.addEventListener('message', (evt) => {
    const d = evt.data instanceof Uint8Array ? evt.data : evt.data.subarray()
    parts.push(Uint8Array.from(d))
    total += d.length
  })
  return { got: () => Buffer.concat(parts), total: () => total }
}

async function protectedPair(
  a = pskProtector({ key: KEY })(),
  b = pskProtector({ key: KEY })(),
): Promise<[MessageStream, MessageStream]> {
  const [outbound, inbound] = multiaddrConnectionPair()
  return Promise.all([a.protect(outbound), b.protect(inbound)])
}

describe('XSalsa20Stream', () => {
  it('equals the one-shot cipher however the input is split', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 9000 }), { minLength: 1, maxLength: 12 }),
        fc.uint8Array({ minLength: 24, maxLength: 24 }),
        (sizes, nonce) => {
          const total = sizes.reduce((a, b) => a + b, 0)
          const input = bytes(total, sizes.length)
          const want = xsalsa20(KEY, nonce, input)
          const s = new XSalsa20Stream(KEY, nonce)
          const got: Uint8Array[] = []
          let at = 0
          for (const n of sizes) {
            got.push(s.update(input.subarray(at, at + n)))
            at += n
          }
          assert.deepEqual(Buffer.concat(got), Buffer.from(want))
        },
      ),
      { numRuns: 200 },
    )
  })

  it('refuses keys and nonces of the wrong size', () => {
    assert.throws(() => new XSalsa20Stream(new Uint8Array(31), new Uint8Array(24)), RangeError)
    assert.throws(() => new XSalsa20Stream(KEY, new Uint8Array(8)), RangeError)
  })
})

describe('psk protector', function () {
  this.timeout(30_000)

  it('parses the swarm key file into its 32 bytes', () => {
    assert.deepEqual(parseSwarmKey(KEY_FILE, 'k'), KEY)
    assert.throws(
      () => parseSwarmKey(new TextEncoder().encode('/key/swarm/psk/1.0.0/\n/base16/\nzz'), 'k'),
      /pnet format/,
    )
  })

  for (const [name, other] of [
    ['itself', () => pskProtector({ key: KEY })()],
    ['@libp2p/pnet (wire compatibility)', () => preSharedKey({ psk: KEY_FILE })()],
  ] as const) {
    it(`talks to ${name} both ways`, async () => {
      const [a, b] = await protectedPair(pskProtector({ key: KEY })(), other())
      const atA = collect(a)
      const atB = collect(b)
      const toB = traffic(200_000, 3)
      const toA = traffic(70_001, 4)
      for (let i = 0; i < toB.length; i += 9_999) a.send(toB.subarray(i, i + 9_999))
      b.send(toA)
      await waitFor(() => atB.total() === toB.length && atA.total() === toA.length, {
        what: 'all bytes',
        timeoutMs: 10_000,
      })
      assert.deepEqual(atB.got(), Buffer.from(toB))
      assert.deepEqual(atA.got(), Buffer.from(toA))
    })
  }

  it('carries one 80 MB write (pnet throws above ~62 MB) in bounded pieces', async () => {
    const [outbound, inbound] = multiaddrConnectionPair()
    const [a, b] = await Promise.all([
      pskProtector({ key: KEY })().protect(outbound),
      pskProtector({ key: KEY })().protect(inbound),
    ])
    const sizes: number[] = []
    const send = outbound.send.bind(outbound)
    outbound.send = (d) => {
      sizes.push(d.byteLength)
      return send(d)
    }
    const atB = collect(b)
    const big = new Uint8Array(80 * 1024 * 1024)
    big.set(FIRST_PLAINTEXT)
    big[big.length - 1] = 42
    a.send(big)
    await waitFor(() => atB.total() === big.length, { what: '80 MB through', timeoutMs: 60_000 })
    assert.equal(atB.got()[big.length - 1], 42)
    assert.ok(Math.max(...sizes) <= PSK_MAX_CHUNK_BYTES, `largest piece on the wire ${Math.max(...sizes)} B`)
  })

  it('a cipher failure ends that connection, reported, and nothing else', async () => {
    const errors: string[] = []
    const [a, b] = await protectedPair(pskProtector({ key: KEY, onError: (e) => errors.push(e.message) })())
    // What xsalsa20 1.2 did under load: throw inside the socket's data handler.
    ;(a as unknown as { inbound: XSalsa20Stream }).inbound.update = () => {
      throw new RangeError('cipher failed')
    }
    let closed = false
    a.addEventListener('close', () => {
      closed = true
    })
    b.send(new Uint8Array(10))
    await waitFor(() => closed, { what: 'the connection to close', timeoutMs: 5000 })
    assert.deepEqual(errors, ['cipher failed'])
    assert.equal(a.status, 'aborted')
  })

  it('a peer with another key, or none, is cut off on its first bytes as a swarm key mismatch', async () => {
    for (const other of ['another key', 'no key'] as const) {
      const errors: Array<{ code?: string; message: string }> = []
      const b = pskProtector({
        key: KEY,
        onError: (e) => errors.push(e as { code?: string; message: string }),
      })()
      const [outbound, inbound] = multiaddrConnectionPair()
      const protecting = b.protect(inbound)
      if (other === 'no key') {
        // An open peer's first 24 bytes are taken as its nonce; what follows is undecryptable.
        outbound.send(traffic(200, 5))
      }
      const [sender, receiver] = await Promise.all([
        other === 'no key' ? outbound : pskProtector({ key: new Uint8Array(32) })().protect(outbound),
        protecting,
      ])
      const atB = collect(receiver)
      if (other === 'another key') sender.send(traffic(200, 5))
      await waitFor(() => errors.length > 0, { what: `the mismatch (${other})`, timeoutMs: 5000 })
      assert.equal(errors[0]!.code, 'SWARM_KEY_MISMATCH')
      assert.match(
        errors[0]!.message,
        /^swarm key mismatch: the peer at .* uses a different swarm key, or none$/,
      )
      assert.equal(atB.total(), 0, 'no byte reached the layers above')
    }
  })

  it('the dialling side whose key the peer refuses reports it; its own closes and a proven peer do not', async () => {
    for (const ending of [
      'peer hangs up',
      'peer resets',
      'we close',
      'proven, then the peer hangs up',
    ] as const) {
      const errors: Array<{ code?: string; message: string }> = []
      const a = pskProtector({
        key: KEY,
        onError: (e) => errors.push(e as { code?: string; message: string }),
      })()
      const [outbound, inbound] = multiaddrConnectionPair()
      const [dialer, listener] = await Promise.all([
        a.protect(outbound),
        pskProtector({ key: ending.startsWith('proven') ? KEY : new Uint8Array(32) })().protect(inbound),
      ])
      dialer.send(traffic(40, 3))
      if (ending.startsWith('proven')) {
        listener.send(traffic(40, 4))
        await new Promise((r) => setTimeout(r, 20))
      }
      let closed = false
      dialer.addEventListener('close', () => {
        closed = true
      })
      if (ending === 'peer resets') inbound.abort(new Error('refused'))
      else if (ending === 'we close') await dialer.close()
      else await inbound.close()
      await waitFor(() => closed, { what: `the dialler's close (${ending})`, timeoutMs: 5000 })
      await new Promise((r) => setTimeout(r, 10))
      if (ending === 'peer hangs up' || ending === 'peer resets') {
        assert.equal(errors.length, 1, ending)
        assert.equal(errors[0]!.code, 'SWARM_KEY_MISMATCH')
        assert.match(
          errors[0]!.message,
          /^the peer at .* refused our swarm key: it hung up in the private-mesh handshake/,
        )
        assert.equal(dialer.status, 'aborted')
      } else assert.deepEqual(errors, [], ending)
    }
  })
})

describe('psk protector: pre-authentication deadline', function () {
  this.timeout(10_000)
  const DEADLINE = 150

  /** Inbound protection with its own deadline, under an upgrader-like signal of 10 s. */
  function inboundProtect(): {
    outbound: MessageStream
    inbound: MessageStream
    protecting: Promise<MessageStream>
    proven: MessageStream[]
    expired: string[]
  } {
    const proven: MessageStream[] = []
    const expired: string[] = []
    const p = pskProtector({
      key: KEY,
      deadlineMs: DEADLINE,
      preAuth: { proven: (c) => proven.push(c), expired: (_c, err) => expired.push(err.code) },
    })()
    const [outbound, inbound] = multiaddrConnectionPair()
    const protecting = p.protect(inbound, { signal: AbortSignal.timeout(10_000) })
    protecting.catch(() => {})
    return { outbound, inbound, protecting, proven, expired }
  }

  it('closes an inbound connection that sends nothing, at its own deadline, not the upgrader 10 s', async () => {
    const { inbound, protecting, expired } = inboundProtect()
    const t0 = Date.now()
    await assert.rejects(protecting)
    const took = Date.now() - t0
    assert.ok(took >= DEADLINE && took < 2000, `closed after ${took} ms`)
    assert.equal(inbound.status, 'aborted')
    assert.deepEqual(expired, ['PREAUTH_TIMEOUT'])
  })

  it('closes one that sends its nonce but never the first bytes under the key', async () => {
    const { outbound, inbound, protecting, expired, proven } = inboundProtect()
    outbound.send(new Uint8Array(24))
    const conn = await protecting
    const t0 = Date.now()
    await waitFor(() => inbound.status === 'aborted', {
      what: 'the connection to be closed',
      timeoutMs: 2000,
    })
    assert.ok(Date.now() - t0 < DEADLINE + 500)
    assert.equal(conn.status, 'aborted')
    assert.deepEqual(expired, ['PREAUTH_TIMEOUT'])
    assert.equal(proven.length, 0)
  })

  it('a peer that proves the key in time is told proven once and outlives the deadline', async () => {
    const { outbound, inbound, protecting, expired, proven } = inboundProtect()
    const [sender, receiver] = await Promise.all([pskProtector({ key: KEY })().protect(outbound), protecting])
    const atB = collect(receiver)
    // The first bytes arrive in two pieces: proven only once all of FIRST_PLAINTEXT is checked.
    const data = traffic(100, 9)
    sender.send(data.subarray(0, 5))
    await waitFor(() => atB.total() === 5, { what: 'the first piece' })
    assert.equal(proven.length, 0)
    sender.send(data.subarray(5))
    await waitFor(() => proven.length === 1, { what: 'proven' })
    assert.equal(proven[0], inbound, 'the hook gets the connection given to protect()')
    // Let the deadline pass (not a synchronisation: checking that nothing happens).
    await new Promise((r) => setTimeout(r, DEADLINE * 2))
    assert.equal(receiver.status, 'open')
    assert.deepEqual(expired, [])
    assert.equal(proven.length, 1)
  })

  it('outbound connections have no such deadline (the dial has its own)', async () => {
    const expired: string[] = []
    const p = pskProtector({
      key: KEY,
      deadlineMs: DEADLINE,
      preAuth: { proven: () => {}, expired: (_c, e) => expired.push(e.code) },
    })()
    const [outbound, inbound] = multiaddrConnectionPair()
    const protecting = p.protect(outbound)
    inbound.send(new Uint8Array(24))
    const conn = await protecting
    await new Promise((r) => setTimeout(r, DEADLINE * 2))
    assert.equal(conn.status, 'open')
    assert.deepEqual(expired, [])
  })
})

describe('psk protector: a keyring (rotation)', function () {
  this.timeout(10_000)
  const keyN = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (i * 13 + n * 101) & 0xff)

  /** A listener holding `keys` (the first primary), a dialler holding only `dial`. */
  async function pair(keys: Uint8Array[], dial: Uint8Array, onError?: (e: Error) => void) {
    const ring = Keyring.from(keys[0]!, keys.slice(1))
    const proven: MessageStream[] = []
    const listener = pskProtector({
      keyring: () => ring,
      onError,
      preAuth: { proven: (c) => proven.push(c), expired: () => {} },
    })()
    const [outbound, inbound] = multiaddrConnectionPair()
    const [a, b] = await Promise.all([
      pskProtector({ key: dial })().protect(outbound),
      listener.protect(inbound),
    ])
    return { a, b, proven }
  }

  it('recognises the dialler key among 1 to N installed, whichever position, and talks both ways', async () => {
    for (let n = 1; n <= 5; n++) {
      const keys = Array.from({ length: n }, (_, i) => keyN(i + 1))
      for (let which = 0; which < n; which++) {
        const { a, b, proven } = await pair(keys, keys[which]!)
        const atA = collect(a)
        const atB = collect(b)
        // The listener writes before the dialler's first bytes arrived: held, then sent under the key found.
        const early = traffic(300, 7)
        b.send(early)
        const toB = traffic(5_000, 8)
        // The first bytes in pieces: the key is found over several reads.
        a.send(toB.subarray(0, 3))
        a.send(toB.subarray(3, 11))
        a.send(toB.subarray(11))
        await waitFor(() => atB.total() === toB.length && atA.total() === early.length, {
          what: `all bytes (${which + 1} of ${n} keys)`,
        })
        assert.deepEqual(atB.got(), Buffer.from(toB))
        assert.deepEqual(atA.got(), Buffer.from(early))
        assert.equal(proven.length, 1)
      }
    }
  })

  it('a key not in the keyring is a swarm key mismatch, and nothing reaches the layers above', async () => {
    for (const n of [1, 2, 16]) {
      const errors: Array<{ code?: string }> = []
      const keys = Array.from({ length: n }, (_, i) => keyN(i + 1))
      const { a, b, proven } = await pair(keys, keyN(99), (e) => errors.push(e as { code?: string }))
      const atB = collect(b)
      a.send(traffic(100, 2))
      await waitFor(() => errors.length > 0, { what: `the mismatch (${n} keys)` })
      assert.equal(errors[0]!.code, 'SWARM_KEY_MISMATCH')
      assert.equal(atB.total(), 0)
      assert.equal(proven.length, 0)
    }
  })

  it('the dialler uses the primary; a change of keyring applies to the next connection', async () => {
    let ring = Keyring.of(keyN(1))
    const p = pskProtector({ keyring: () => ring })()
    /** Dials a listener holding `listenerKey`: true once it read our bytes, false once it refused them. */
    const dial = async (listenerKey: Uint8Array) => {
      const errors: Error[] = []
      const [outbound, inbound] = multiaddrConnectionPair()
      const [a, b] = await Promise.all([
        p.protect(outbound),
        pskProtector({ key: listenerKey, onError: (e) => errors.push(e) })().protect(inbound),
      ])
      const atB = collect(b)
      a.send(traffic(50, 1))
      await waitFor(() => atB.total() === 50 || errors.length > 0, { what: 'read or refused' })
      return errors.length === 0
    }
    assert.equal(await dial(keyN(1)), true)
    ring = ring.install(keyN(2)).use(fingerprint(keyN(2)))
    assert.equal(await dial(keyN(2)), true)
    assert.equal(await dial(keyN(1)), false, 'a listener on the old key alone cannot read the new primary')
  })
})
