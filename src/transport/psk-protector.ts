// The private-mesh connection protector, on the wire exactly libp2p's pnet: each side sends a
// random 24-byte nonce, then every byte is XORed with XSalsa20(psk, own nonce) going out and
// XSalsa20(psk, peer's nonce) coming in. Replaces @libp2p/pnet, whose cipher (xsalsa20 1.2 on
// one shared WebAssembly memory that only grows) throws RangeError inside a socket handler
// under load and ends the process. Here each direction owns its cipher state, writes reach the
// cipher in bounded pieces, and any exception ends only the connection it came from.
//
// An inbound connection must prove the key (send its nonce and then the first bytes every libp2p
// peer sends, decrypted intact) within its own deadline (PREAUTH_DEADLINE_MS), not the upgrader's
// 10 s: a stranger holding connections open keeps a pending slot (admission.ts) for 2 s at most.
//
// Key rotation (keyring.ts): an agent dials with its primary key and accepts any key of its keyring.
// Which one an inbound peer uses is found by trial on those same first bytes: each installed key
// decrypts them, and the one that yields FIRST_PLAINTEXT is the connection's key (a wrong key does
// with probability 2^-160). Until then this side sends nothing under a key: what the layers above
// write is held (the listener speaks second anyway).
import '../polyfill.js'
import type { AbortOptions, ConnectionProtector, MessageStream, MultiaddrConnection } from '@libp2p/interface'
import { AbstractMultiaddrConnection, byteStream } from '@libp2p/utils'
import { PreAuthTimeoutError, SwarmKeyMismatchError, SwarmKeyRefusedError } from '../errors.js'
import { PREAUTH_DEADLINE_MS } from './admission.js'
import type { KeyringView } from './keyring.js'
import { XSALSA20_NONCE_BYTES, XSalsa20Stream } from './xsalsa20-stream.js'

/**
 * What every libp2p peer sends first (multistream-select's header). Decrypted with the wrong key
 * it is noise, so a mismatch is told apart from a broken connection on the first bytes.
 */
export const FIRST_PLAINTEXT = new TextEncoder().encode('\x13/multistream/1.0.0\n')

/** Largest piece handed to the cipher and the socket at once: keeps every buffer bounded. */
export const PSK_MAX_CHUNK_BYTES = 64 * 1024
/** Outbound connections without a caller's signal (the upgrader always passes its dial's). */
const OUTBOUND_NONCE_TIMEOUT_MS = 5000

type ByteList = Parameters<AbstractMultiaddrConnection['sendData']>[0]

/** What the admission layer hears about an inbound connection (`conn` is the one given to protect()). */
export interface PreAuthHooks {
  /** It proved the swarm key: its pending slot is free. */
  proven(conn: MessageStream): void
  /** It missed the deadline and is being closed. */
  expired(conn: MessageStream, err: PreAuthTimeoutError): void
}

export interface PskProtectorOptions {
  /** The 32-byte key (decoded from the swarm key file), when the agent has only one. */
  key?: Uint8Array
  /** The keys, read anew for each connection: outbound uses the primary, inbound accepts any. */
  keyring?: () => KeyringView
  /** Called once when a connection is ended by an error in this layer (not a missed deadline). */
  onError?: (err: Error, remoteAddr: string) => void
  /** From accept until an inbound connection has proven the key; past it, closed. */
  deadlineMs?: number
  preAuth?: PreAuthHooks
}

/**
 * An inbound connection's deadline, from protect() (right after accept) until the key is proven.
 * The timer fires in the next check phase after its time, so bytes that arrived while the event loop
 * was busy are read (poll phase) before it decides: a slow agent does not cut off a prompt peer.
 */
class PreAuthDeadline {
  private readonly controller = new AbortController()
  private timer: ReturnType<typeof setTimeout> | undefined
  private immediate: ReturnType<typeof setImmediate> | undefined
  private done = false

  constructor(
    private readonly conn: MessageStream,
    ms: number,
    private readonly remote: string,
    private readonly hooks: PreAuthHooks | undefined,
  ) {
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.immediate = setImmediate(() => this.expire())
    }, ms)
    conn.addEventListener('close', () => this.clear(), { once: true })
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  /** The key is proven. */
  proven(): void {
    if (this.done) return
    this.clear()
    this.hooks?.proven(this.conn)
  }

  private expire(): void {
    if (this.done) return
    this.clear()
    const err = new PreAuthTimeoutError(this.remote)
    try {
      this.hooks?.expired(this.conn, err)
    } catch {}
    this.controller.abort(err)
    try {
      this.conn.abort(err)
    } catch {}
  }

  private clear(): void {
    this.done = true
    if (this.timer) clearTimeout(this.timer)
    if (this.immediate) clearImmediate(this.immediate)
    this.timer = undefined
    this.immediate = undefined
  }
}

/** A candidate key for an inbound connection, with its cipher over what the peer sent so far. */
interface Trial {
  key: Uint8Array
  stream: XSalsa20Stream
}

/** What the layers above may write before the key is known (the listener's side speaks second). */
const MAX_HELD_BYTES = 64 * 1024

class PskConnection extends AbstractMultiaddrConnection {
  private failed = false
  /** This side ends the connection (sendClose/sendReset): not the peer refusing our key. */
  private endingHere = false
  /** How many bytes of FIRST_PLAINTEXT have arrived intact. */
  private checked = 0
  /** The peer's cipher, once its key is known (at once with a single candidate). */
  private inbound?: XSalsa20Stream
  private outbound?: XSalsa20Stream
  /** Inbound with several keys: those still matching FIRST_PLAINTEXT. */
  private trials: Trial[] = []
  private held: Uint8Array[] = []
  private heldBytes = 0

  constructor(
    private readonly inner: MultiaddrConnection,
    remoteNonce: Uint8Array,
    private readonly localNonce: Uint8Array,
    /** Outbound: the primary alone; inbound: every installed key. */
    candidates: readonly Uint8Array[],
    private readonly onError: PskProtectorOptions['onError'],
    /** Inbound only: cleared once FIRST_PLAINTEXT has arrived intact. */
    private readonly deadline: PreAuthDeadline | undefined,
  ) {
    super({
      log: inner.log.newScope('psk'),
      remoteAddr: inner.remoteAddr,
      direction: inner.direction,
      maxMessageSize: PSK_MAX_CHUNK_BYTES,
    })
    if (candidates.length === 1) this.choose(candidates[0]!, new XSalsa20Stream(candidates[0]!, remoteNonce))
    else this.trials = candidates.map((key) => ({ key, stream: new XSalsa20Stream(key, remoteNonce) }))
    inner.addEventListener('message', (evt) => {
      try {
        const data = evt.data
        if (data instanceof Uint8Array) this.receive(data)
        else for (const buf of data) this.receive(buf)
      } catch (err) {
        this.fail(err)
      }
    })
    inner.addEventListener('drain', () => this.onMuxerDrain())
    inner.addEventListener('close', (evt) => {
      if (this.refusedOurKey(evt.error)) this.fail(new SwarmKeyRefusedError(this.remoteAddr.toString()))
      else if (evt.error == null) this.onTransportClosed()
      else if (evt.local) this.abort(evt.error)
      else this.onRemoteReset()
    })
  }

  /** The connection's key is known: both ciphers are set, and what was held goes out. */
  private choose(key: Uint8Array, inbound: XSalsa20Stream): void {
    this.inbound = inbound
    this.outbound = new XSalsa20Stream(key, this.localNonce)
    this.trials = []
    if (this.held.length === 0) return
    const held = Buffer.concat(this.held)
    this.held = []
    this.heldBytes = 0
    this.inner.send(this.outbound.update(held))
  }

  /**
   * We dialled, the nonces crossed, and the peer hung up (FIN or reset) before its first bytes
   * arrived intact: it could not decrypt ours (a peer with the key answers our first bytes with its
   * own). Closes we cause and our own timeouts do not count.
   */
  private refusedOurKey(err: Error | undefined): boolean {
    return (
      this.direction === 'outbound' &&
      !this.failed &&
      !this.endingHere &&
      this.checked < FIRST_PLAINTEXT.length &&
      err?.name !== 'TimeoutError' &&
      err?.name !== 'AbortError'
    )
  }

  private receive(buf: Uint8Array): void {
    if (this.inbound === undefined) buf = this.tryKeys(buf)
    for (let i = 0; i < buf.length; i += PSK_MAX_CHUNK_BYTES) {
      const plain = this.inbound!.update(buf.subarray(i, i + PSK_MAX_CHUNK_BYTES))
      if (this.checked < FIRST_PLAINTEXT.length) this.checkKey(plain)
      this.onData(plain)
    }
  }

  /**
   * Several keys: each candidate decrypts the bytes of FIRST_PLAINTEXT that arrived, and those that
   * do not yield it drop out. Returns what follows them, for the chosen key's cipher.
   */
  private tryKeys(buf: Uint8Array): Uint8Array {
    const n = Math.min(buf.length, FIRST_PLAINTEXT.length - this.checked)
    const part = buf.subarray(0, n)
    const from = this.checked
    const want = FIRST_PLAINTEXT.subarray(from, from + n)
    this.trials = this.trials.filter((t) => Buffer.from(t.stream.update(part)).equals(want))
    if (this.trials.length === 0) throw new SwarmKeyMismatchError(this.remoteAddr.toString())
    this.checked += n
    // Whichever candidate survives, these bytes decrypt to the same plaintext.
    this.onData(Uint8Array.from(want))
    if (this.checked === FIRST_PLAINTEXT.length) {
      const [t] = this.trials
      this.choose(t!.key, t!.stream)
      this.deadline?.proven()
    }
    return buf.subarray(n)
  }

  private checkKey(plain: Uint8Array): void {
    for (let j = 0; j < plain.length && this.checked < FIRST_PLAINTEXT.length; j++, this.checked++) {
      if (plain[j] !== FIRST_PLAINTEXT[this.checked])
        throw new SwarmKeyMismatchError(this.remoteAddr.toString())
    }
    if (this.checked === FIRST_PLAINTEXT.length) this.deadline?.proven()
  }

  /** Ends this connection only; an exception here must never reach the socket's event loop. */
  private fail(err: unknown): void {
    if (this.failed) return
    this.failed = true
    const e = err instanceof Error ? err : new Error(String(err))
    try {
      this.onError?.(e, this.remoteAddr.toString())
    } catch {}
    queueMicrotask(() => {
      try {
        this.abort(e)
      } catch {}
    })
  }

  sendData(data: ByteList): { sentBytes: number; canSendMore: boolean } {
    if (this.outbound === undefined) return this.hold(data)
    try {
      // One piece per call (at most PSK_MAX_CHUNK_BYTES): noise hands over a length prefix and its
      // ciphertext as two buffers, and sending them apart would cost two socket writes.
      return {
        sentBytes: data.byteLength,
        canSendMore: this.inner.send(this.outbound.update(data.subarray())),
      }
    } catch (err) {
      // Report the bytes as taken (they are dropped) and end the connection; throwing would unwind
      // through the muxer into whichever stream wrote.
      this.fail(err)
      return { sentBytes: data.byteLength, canSendMore: false }
    }
  }

  /** Bytes written before the peer's key is known: kept, bounded, for choose() to send. */
  private hold(data: ByteList): { sentBytes: number; canSendMore: boolean } {
    this.heldBytes += data.byteLength
    if (this.heldBytes > MAX_HELD_BYTES)
      this.fail(new Error(`over ${MAX_HELD_BYTES} bytes written before the peer proved a swarm key`))
    else this.held.push(Uint8Array.from(data.subarray()))
    return { sentBytes: data.byteLength, canSendMore: true }
  }

  async sendClose(options?: AbortOptions): Promise<void> {
    this.endingHere = true
    await this.inner.close(options)
  }

  sendReset(err: Error): void {
    this.endingHere = true
    this.inner.abort(err)
  }

  sendPause(): void {
    this.inner.pause()
  }

  sendResume(): void {
    this.inner.resume()
  }
}

class PskProtector implements ConnectionProtector {
  readonly [Symbol.toStringTag] = 'murmur/psk'

  constructor(private readonly opts: PskProtectorOptions) {
    if (!opts.key && !opts.keyring) throw new TypeError('pskProtector needs a key or a keyring')
  }

  /** The keys for one connection, read once: a change meanwhile applies to the next connection. */
  private get ring(): KeyringView {
    if (this.opts.keyring) return this.opts.keyring()
    const key = this.opts.key!
    return { primary: key, keys: [key] }
  }

  async protect(connection: MessageStream, options?: AbortOptions): Promise<MessageStream> {
    const deadline =
      connection.direction === 'inbound'
        ? new PreAuthDeadline(
            connection,
            this.opts.deadlineMs ?? PREAUTH_DEADLINE_MS,
            remoteOf(connection),
            this.opts.preAuth,
          )
        : undefined
    const signals = [options?.signal, deadline?.signal].filter((s) => s !== undefined)
    const signal =
      signals.length > 0 ? AbortSignal.any(signals) : AbortSignal.timeout(OUTBOUND_NONCE_TIMEOUT_MS)

    const localNonce = crypto.getRandomValues(new Uint8Array(XSALSA20_NONCE_BYTES))
    const bytes = byteStream(connection)
    const [remote] = await Promise.all([
      bytes.read({ bytes: XSALSA20_NONCE_BYTES, signal }),
      bytes.write(localNonce, { signal }),
    ])
    const inner = bytes.unwrap() as MultiaddrConnection
    const ring = this.ring
    return new PskConnection(
      inner,
      remote.subarray(),
      localNonce,
      connection.direction === 'inbound' ? ring.keys : [ring.primary],
      this.opts.onError,
      deadline,
    )
  }
}

function remoteOf(conn: MessageStream): string {
  const addr = (conn as Partial<MultiaddrConnection>).remoteAddr
  return addr ? addr.toString() : 'unknown'
}

/** A libp2p `connectionProtector` factory, wire-compatible with `@libp2p/pnet`'s preSharedKey. */
export function pskProtector(opts: PskProtectorOptions): () => ConnectionProtector {
  return () => new PskProtector(opts)
}
