// Applies admission.ts to libp2p's inbound connections, before anything is read from them: a
// connection gater's denyInboundConnection takes a pending slot for each accepted socket (or refuses
// it: libp2p then closes it at once), and the slot is freed when the connection proves the swarm key
// (the private-mesh protector says so), when noise has proven its peer id (open mode), or when it
// closes. With a protector the protector enforces the deadline; without one (--open) this gate does.
import type { ConnectionGater, MessageStream, MultiaddrConnection, PeerId } from '@libp2p/interface'
import { tryGetNetConfig } from '@libp2p/utils'
import type { Multiaddr } from '@multiformats/multiaddr'
import { PreAuthTimeoutError } from '../errors.js'
import { Admission, type AdmissionStats, hostKey, type RefusalReason, type Ticket } from './admission.js'
import type { PreAuthHooks } from './psk-protector.js'

export interface AdmissionEvent {
  /** refused: over a cap when it arrived; expired: did not authenticate within the deadline. */
  kind: 'refused' | 'expired'
  reason?: RefusalReason
  remote: string
  host: string
}

export interface AdmissionGateOptions {
  /** Whether this gate closes connections at their deadline (no private-mesh layer: --open). */
  enforceDeadline: boolean
  /** Every refusal and expiry (the caller rate-limits its log line). */
  onEvent?: (evt: AdmissionEvent) => void
}

/** Timers whose callback runs in the check phase after its time, so I/O already arrived is read first. */
function afterIo(fn: () => void, ms: number): () => void {
  let immediate: ReturnType<typeof setImmediate> | undefined
  const timer = setTimeout(() => {
    immediate = setImmediate(fn)
  }, ms)
  timer.unref()
  return () => {
    clearTimeout(timer)
    if (immediate) clearImmediate(immediate)
  }
}

export class AdmissionGate implements PreAuthHooks {
  readonly [Symbol.toStringTag] = 'murmur/admission'
  private readonly tickets = new WeakMap<object, Ticket>()
  /** Self-expiring tickets (open mode) -> their connection, to close at the deadline. */
  private readonly expiring = new Map<Ticket, MessageStream>()
  private cancelTimer: (() => void) | undefined
  private timerAt = Number.POSITIVE_INFINITY
  private stopped = false

  constructor(
    readonly admission: Admission,
    private readonly opts: AdmissionGateOptions,
  ) {}

  /** libp2p's denyInboundConnection: true (refuse) past a cap. */
  denyInboundConnection(maConn: MultiaddrConnection): boolean {
    const host = sourceOf(maConn.remoteAddr)
    const got = this.admission.admit(host, this.opts.enforceDeadline)
    if (typeof got === 'string') {
      this.opts.onEvent?.({ kind: 'refused', reason: got, remote: maConn.remoteAddr.toString(), host })
      return true
    }
    this.tickets.set(maConn, got)
    maConn.addEventListener('close', () => this.release(maConn, got, 'closed'), { once: true })
    if (got.expires) {
      this.expiring.set(got, maConn)
      this.schedule()
    }
    return false
  }

  /** The private-mesh layer checked the key, or (open) noise proved the peer id. */
  proven(conn: MessageStream): void {
    const t = this.tickets.get(conn)
    if (t) this.release(conn, t, 'proven')
  }

  /** The private-mesh layer's deadline passed; it closes the connection. */
  expired(conn: MessageStream, _err?: PreAuthTimeoutError): void {
    const t = this.tickets.get(conn)
    if (!t || t.released) return
    this.release(conn, t, 'expired')
    this.opts.onEvent?.({ kind: 'expired', remote: remoteOf(conn), host: t.host })
  }

  stats(): AdmissionStats {
    return this.admission.stats()
  }

  /** The gater to hand libp2p: this gate's checks in front of `inner`'s (the peer filter's). */
  gater(inner: ConnectionGater = {}): ConnectionGater {
    return {
      ...inner,
      denyInboundConnection: (maConn) =>
        this.denyInboundConnection(maConn) || (inner.denyInboundConnection?.(maConn) ?? false),
      denyInboundEncryptedConnection: (peer: PeerId, maConn: MultiaddrConnection) => {
        this.proven(maConn)
        return inner.denyInboundEncryptedConnection?.(peer, maConn) ?? false
      },
    }
  }

  // Startable, so libp2p stops the timer with the node.
  start(): void {
    this.stopped = false
  }

  stop(): void {
    this.stopped = true
    this.cancelTimer?.()
    this.cancelTimer = undefined
    this.timerAt = Number.POSITIVE_INFINITY
  }

  private release(conn: object, t: Ticket, outcome: 'proven' | 'closed' | 'expired'): void {
    t.release(outcome)
    this.tickets.delete(conn)
    this.expiring.delete(t)
  }

  /** One timer, at the earliest deadline of a self-expiring ticket. */
  private schedule(): void {
    if (this.stopped) return
    const next = this.admission.nextDeadline()
    if (next === undefined || next >= this.timerAt) return
    this.cancelTimer?.()
    this.timerAt = next
    this.cancelTimer = afterIo(() => this.onTimer(), Math.max(0, next - Date.now()))
  }

  private onTimer(): void {
    this.cancelTimer = undefined
    this.timerAt = Number.POSITIVE_INFINITY
    for (const t of this.admission.expireDue()) {
      const conn = this.expiring.get(t)
      this.expiring.delete(t)
      if (!conn) continue
      this.tickets.delete(conn)
      const err = new PreAuthTimeoutError(remoteOf(conn))
      this.opts.onEvent?.({ kind: 'expired', remote: remoteOf(conn), host: t.host })
      try {
        conn.abort(err)
      } catch {}
    }
    this.schedule()
  }
}

/**
 * The source a connection counts under: its IP (hostKey: IPv6 by /64); a relayed connection under
 * the relay it came through, whose address leads its remote address.
 */
export function sourceOf(addr: Multiaddr): string {
  const cfg = tryGetNetConfig(addr)
  const relayed = addr.getComponents().some((c) => c.name === 'p2p-circuit')
  const host = cfg ? hostKey(cfg.host) : 'other'
  return relayed ? `relay ${host}` : host
}

function remoteOf(conn: MessageStream): string {
  const addr = (conn as Partial<MultiaddrConnection>).remoteAddr
  return addr ? addr.toString() : 'unknown'
}

/** A gate with the default limits (admission.ts). */
export function admissionGate(opts: AdmissionGateOptions): AdmissionGate {
  return new AdmissionGate(new Admission(), opts)
}
