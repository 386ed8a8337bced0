// The private-mesh connection protector, on the wire exactly libp2p's pnet: each side sends a
// random 24-byte nonce, then every byte is XORed with XSalsa20(psk, own nonce) going out and
// XSalsa20(psk, peer's nonce) coming in. Replaces @libp2p/pnet, whose cipher (xsalsa20 1.2 on
// one shared WebAssembly memory that only grows) throws RangeError inside a socket handler
// under load and ends the process. Here each direction owns its cipher state, writes reach the
// cipher in bounded pieces, and any exception ends only the connection it came from.
import '../polyfill.js'
import type { AbortOptions, ConnectionProtector, MessageStream, MultiaddrConnection } from '@libp2p/interface'
import { AbstractMultiaddrConnection, byteStream } from '@libp2p/utils'
import { SwarmKeyMismatchError } from '../errors.js'
import { XSALSA20_NONCE_BYTES, XSalsa20Stream } from './xsalsa20-stream.js'

/**
 * What every libp2p peer sends first (multistream-select's header). Decrypted with the wrong key
 * it is noise, so a mismatch is told apart from a broken connection on the first bytes.
 */
export const FIRST_PLAINTEXT = new TextEncoder().encode('\x13/multistream/1.0.0\n')

/** Largest piece handed to the cipher and the socket at once: keeps every buffer bounded. */
export const PSK_MAX_CHUNK_BYTES = 64 * 1024
const NONCE_TIMEOUT_MS = 5000

type ByteList = Parameters<AbstractMultiaddrConnection['sendData']>[0]

export interface PskProtectorOptions {
  /** The 32-byte key (decoded from the swarm key file). */
  key: Uint8Array
  /** Called once when a connection is ended by an error in this layer. */
  onError?: (err: Error, remoteAddr: string) => void
}

class PskConnection extends AbstractMultiaddrConnection {
  private failed = false
  /** How many bytes of FIRST_PLAINTEXT have arrived intact. */
  private checked = 0

  constructor(
    private readonly inner: MultiaddrConnection,
    private readonly inbound: XSalsa20Stream,
    private readonly outbound: XSalsa20Stream,
    private readonly onError: PskProtectorOptions['onError'],
  ) {
    super({
      log: inner.log.newScope('psk'),
      remoteAddr: inner.remoteAddr,
      direction: inner.direction,
      maxMessageSize: PSK_MAX_CHUNK_BYTES,
    })
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
      if (evt.error == null) this.onTransportClosed()
      else if (evt.local) this.abort(evt.error)
      else this.onRemoteReset()
    })
  }

  private receive(buf: Uint8Array): void {
    for (let i = 0; i < buf.length; i += PSK_MAX_CHUNK_BYTES) {
      const plain = this.inbound.update(buf.subarray(i, i + PSK_MAX_CHUNK_BYTES))
      if (this.checked < FIRST_PLAINTEXT.length) this.checkKey(plain)
      this.onData(plain)
    }
  }

  private checkKey(plain: Uint8Array): void {
    for (let j = 0; j < plain.length && this.checked < FIRST_PLAINTEXT.length; j++, this.checked++) {
      if (plain[j] !== FIRST_PLAINTEXT[this.checked])
        throw new SwarmKeyMismatchError(this.remoteAddr.toString())
    }
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

  async sendClose(options?: AbortOptions): Promise<void> {
    await this.inner.close(options)
  }

  sendReset(err: Error): void {
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

  constructor(private readonly opts: PskProtectorOptions) {}

  async protect(connection: MessageStream, options?: AbortOptions): Promise<MessageStream> {
    const signal = options?.signal ?? AbortSignal.timeout(NONCE_TIMEOUT_MS)
    const localNonce = crypto.getRandomValues(new Uint8Array(XSALSA20_NONCE_BYTES))
    const bytes = byteStream(connection)
    const [remote] = await Promise.all([
      bytes.read({ bytes: XSALSA20_NONCE_BYTES, signal }),
      bytes.write(localNonce, { signal }),
    ])
    const inner = bytes.unwrap() as MultiaddrConnection
    return new PskConnection(
      inner,
      new XSalsa20Stream(this.opts.key, remote.subarray()),
      new XSalsa20Stream(this.opts.key, localNonce),
      this.opts.onError,
    )
  }
}

/** A libp2p `connectionProtector` factory, wire-compatible with `@libp2p/pnet`'s preSharedKey. */
export function pskProtector(opts: PskProtectorOptions): () => ConnectionProtector {
  return () => new PskProtector(opts)
}
