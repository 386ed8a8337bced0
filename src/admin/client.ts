// The CLI side of the admin socket. One connection; calls are multiplexed by id.
import { lstat } from 'node:fs/promises'
import { connect, type Socket } from 'node:net'
import { NoAgentError } from '../errors.js'
import { LineSplitter, parseJsonLine } from './lines.js'
import {
  AdminCallError,
  AdminConnectionError,
  checkSocketPath,
  encodeMessage,
  type JsonRpcErrorObject,
  type JsonRpcId,
} from './protocol.js'

export interface AdminClientOptions {
  /** Connect timeout, and the default per-call timeout (subscriptions never time out). 0 = none. */
  timeoutMs?: number
  /** Longest reply line accepted from the agent. */
  maxLineBytes?: number
}

export interface CallOptions {
  /** Overrides the client's timeoutMs for this call. 0 = none. */
  timeoutMs?: number
}

export type NotificationHandler = (method: string, params: unknown) => void

export interface Subscription {
  /**
   * Settles with the call's final result; resolves to undefined if the client closed the connection
   * (cancel() or close()); rejects if the agent failed the call or went away. Always await or catch it.
   */
  readonly done: Promise<unknown>
  /** Ends the subscription by closing the client's connection (same as client.close()). */
  cancel(): void
}

const defaultTimeoutMs = 10_000
const defaultMaxLineBytes = 64 * 1024 * 1024
const noAgentCodes = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK'])

interface Pending {
  resolve(value: unknown): void
  reject(err: Error): void
  timer: NodeJS.Timeout | undefined
}

export class AdminClient {
  private readonly pending = new Map<number, Pending>()
  private readonly splitter: LineSplitter
  private nextId = 1
  private closeError: Error | undefined
  private isClosed = false
  private closedByUser = false
  private onNotification: NotificationHandler | undefined

  private constructor(
    private readonly socket: Socket,
    readonly socketPath: string,
    private readonly opts: Required<AdminClientOptions>,
  ) {
    this.splitter = new LineSplitter(opts.maxLineBytes)
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', (err) => {
      const why = (err as NodeJS.ErrnoException).code ?? err.message
      this.closeError ??= new AdminConnectionError(`murmur agent closed the connection (${why})`)
    })
    socket.once('close', () => this.onClosed())
  }

  /** Throws NoAgentError when nothing listens at socketPath (missing, refused, not a socket). */
  static async connect(socketPath: string, options: AdminClientOptions = {}): Promise<AdminClient> {
    checkSocketPath(socketPath)
    await checkSocketOwner(socketPath)
    const opts: Required<AdminClientOptions> = {
      timeoutMs: options.timeoutMs ?? defaultTimeoutMs,
      maxLineBytes: options.maxLineBytes ?? defaultMaxLineBytes,
    }
    const socket = await new Promise<Socket>((resolve, reject) => {
      const sock = connect(socketPath)
      const timer =
        opts.timeoutMs > 0
          ? setTimeout(() => {
              sock.destroy()
              reject(new AdminConnectionError(`timed out connecting to murmur agent at ${socketPath}`))
            }, opts.timeoutMs)
          : undefined
      const onError = (err: NodeJS.ErrnoException): void => {
        clearTimeout(timer)
        sock.destroy()
        if (err.code !== undefined && noAgentCodes.has(err.code)) reject(new NoAgentError(socketPath))
        else
          reject(new AdminConnectionError(`cannot connect to murmur agent at ${socketPath}: ${err.message}`))
      }
      sock.once('error', onError)
      sock.once('connect', () => {
        clearTimeout(timer)
        sock.off('error', onError)
        resolve(sock)
      })
    })
    return new AdminClient(socket, socketPath, opts)
  }

  get closed(): boolean {
    return this.isClosed
  }

  /** Resolves with the result, or rejects with AdminCallError (agent said no) or AdminConnectionError. */
  call<T = unknown>(method: string, params?: unknown, options: CallOptions = {}): Promise<T> {
    if (this.isClosed) {
      return Promise.reject(this.closeError ?? new AdminConnectionError('admin connection is closed'))
    }
    const id = this.nextId++
    let line: string
    try {
      line = encodeMessage({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) })
    } catch (err) {
      return Promise.reject(err)
    }
    return new Promise<T>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.opts.timeoutMs
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              this.pending.delete(id)
              reject(new AdminConnectionError(`murmur agent did not answer ${method} within ${timeoutMs} ms`))
            }, timeoutMs)
          : undefined
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer })
      this.socket.write(line)
    })
  }

  /**
   * Starts a streaming method (e.g. watch) on this connection. Notifications carry no call id, so a
   * connection holds one subscription; use another client for other work. cancel() (or close())
   * closes the connection and resolves `done` with undefined.
   */
  subscribe(method: string, params: unknown, onNotification: NotificationHandler): Subscription {
    if (this.onNotification) {
      throw new AdminConnectionError(
        'this admin connection already has a subscription; connect another client',
      )
    }
    let handlerError: unknown
    this.onNotification = (m, p) => {
      try {
        onNotification(m, p)
      } catch (err) {
        handlerError ??= err
        this.close()
      }
    }
    const done = this.call(method, params, { timeoutMs: 0 }).then(
      (result) => {
        this.onNotification = undefined
        return result
      },
      (err) => {
        this.onNotification = undefined
        if (handlerError !== undefined) throw handlerError
        if (this.closedByUser) return undefined
        throw err
      },
    )
    return { done, cancel: () => this.close() }
  }

  /** Closes the connection; calls still pending reject. */
  close(): void {
    if (this.isClosed) return
    if (this.closeError === undefined) {
      this.closedByUser = true
      this.closeError = new AdminConnectionError('admin connection closed by the client')
    }
    this.socket.destroy()
    this.onClosed()
  }

  private onClosed(): void {
    this.isClosed = true
    const err = this.closeError ?? new AdminConnectionError('murmur agent closed the connection')
    this.closeError = err
    for (const p of this.pending.values()) {
      clearTimeout(p.timer)
      p.reject(err)
    }
    this.pending.clear()
  }

  /** Gives up on the connection: the agent broke the protocol or told us it is closing it. */
  private fail(err: Error): void {
    this.closeError ??= err
    this.close()
  }

  private onData(chunk: Buffer): void {
    if (this.isClosed) return
    const { lines, overflow } = this.splitter.push(chunk)
    for (const line of lines) {
      if (this.isClosed) return
      this.handleLine(line)
    }
    if (overflow)
      this.fail(new AdminConnectionError(`murmur agent sent a line over ${this.opts.maxLineBytes} bytes`))
  }

  private handleLine(line: Buffer): void {
    if (line.length === 0) return
    const parsed = parseJsonLine(line)
    const msg = parsed?.value
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      this.fail(new AdminConnectionError('murmur agent sent a message that is not a JSON object'))
      return
    }
    const m = msg as Record<string, unknown>
    if (typeof m.method === 'string' && !Object.hasOwn(m, 'id')) {
      this.onNotification?.(m.method, m.params)
      return
    }
    const id = m.id as JsonRpcId | undefined
    if (Object.hasOwn(m, 'error') && isErrorObject(m.error)) {
      const err = AdminCallError.fromRpc(m.error)
      // id null: a connection-level error (line too long, agent full); the agent closes after it.
      if (id === null) this.fail(err)
      else this.settle(id, (p) => p.reject(err))
      return
    }
    if (Object.hasOwn(m, 'result')) {
      this.settle(id, (p) => p.resolve(m.result))
      return
    }
    this.fail(new AdminConnectionError('murmur agent sent a malformed JSON-RPC message'))
  }

  private settle(id: JsonRpcId | undefined, how: (p: Pending) => void): void {
    if (typeof id !== 'number') return
    const p = this.pending.get(id)
    if (!p) return // timed out already
    this.pending.delete(id)
    clearTimeout(p.timer)
    how(p)
  }
}

function isErrorObject(v: unknown): v is JsonRpcErrorObject {
  if (typeof v !== 'object' || v === null) return false
  const e = v as Record<string, unknown>
  const data = e.data
  return (
    typeof e.code === 'number' &&
    typeof e.message === 'string' &&
    (data === undefined || (typeof data === 'object' && data !== null))
  )
}

/**
 * Another user's socket at our path could be a fake agent that collects what we write to it, so
 * the client talks only to a socket owned by its own user. A missing one is left to connect().
 */
async function checkSocketOwner(socketPath: string): Promise<void> {
  const uid = process.getuid?.()
  if (uid === undefined) return
  let owner: number
  try {
    owner = (await lstat(socketPath)).uid
  } catch {
    return
  }
  if (owner !== uid) {
    throw new AdminConnectionError(
      `refusing the socket ${socketPath}: it belongs to uid ${owner}, not to this user (uid ${uid})`,
    )
  }
}
