// One accepted admin client: framing, request validation, dispatch and limits. No murmur logic here.
import type { Socket } from 'node:net'
import type { Logger } from '../util/log.js'
import { type IssueLike, issueMessage, issuePath } from '../util/issues.js'
import { isBlank, LineSplitter, parseJsonLine } from './lines.js'
import type { CallContext, MethodDef } from './methods.js'
import {
  encodeMessage,
  type JsonRpcErrorObject,
  type JsonRpcId,
  murmurRpcCodes,
  RpcCode,
  toRpcError,
} from './protocol.js'

export interface ConnectionLimits {
  maxLineBytes: number
  maxInFlight: number
  /** Above this much unsent output we assume the client stopped reading and drop it. */
  maxWriteBufferBytes: number
  /** How long a connection we are closing may linger before it is destroyed. */
  closeGraceMs: number
}

/** What every connection's unsent output adds up to: the server sheds the laggards past a cap. */
export interface OutputBudget {
  /** Called after each write: may drop this or another connection. */
  wrote(): void
}

interface Request {
  id: JsonRpcId | undefined
  method: string
  params: unknown
}

interface Invalid {
  invalid: string
  id: JsonRpcId
}

export class AdminConnection {
  private readonly splitter: LineSplitter
  private readonly calls = new Set<AbortController>()
  // Once set we answer nothing more and discard input (it is read, so the peer can still read our last words).
  private closing = false
  readonly done: Promise<void>

  constructor(
    private readonly socket: Socket,
    private readonly methods: ReadonlyMap<string, MethodDef>,
    private readonly limits: ConnectionLimits,
    private readonly log: Logger,
    private readonly budget?: OutputBudget,
  ) {
    this.splitter = new LineSplitter(limits.maxLineBytes)
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', (err) => log.debug('admin client socket error', { err }))
    this.done = new Promise((resolve) => {
      socket.once('close', () => {
        this.stop()
        resolve()
      })
    })
  }

  /** Stops answering and ends the connection, destroying it if the peer lingers. */
  shutdown(): void {
    if (this.closing) return
    this.stop()
    this.socket.end()
    const timer = setTimeout(() => this.socket.destroy(), this.limits.closeGraceMs)
    timer.unref()
    this.socket.once('close', () => clearTimeout(timer))
  }

  /** Bytes written to this client that it has not read yet. */
  get unsent(): number {
    return this.socket.destroyed ? 0 : this.socket.writableLength
  }

  /** Drops a client that is not reading (its unsent output is discarded). */
  drop(why: string): void {
    const buffered = this.unsent
    // Closed before the warning: a `monitor` client would otherwise be sent it, and drop again.
    this.stop()
    this.socket.destroy()
    this.log.warn(`admin client is not reading its replies; dropping it (${why})`, { buffered })
  }

  /** Sends a connection-level error (id null) and closes, e.g. when the server is full. */
  reject(code: number, message: string, data?: JsonRpcErrorObject['data']): void {
    this.sendError(null, code, message, data)
    this.shutdown()
  }

  private stop(): void {
    this.closing = true
    for (const ac of this.calls) ac.abort()
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return
    const { lines, overflow } = this.splitter.push(chunk)
    for (const line of lines) {
      if (this.closing) return
      this.handleLine(line)
    }
    if (overflow && !this.closing) {
      const max = this.limits.maxLineBytes
      this.log.warn('admin request too large; closing connection', { maxLineBytes: max })
      this.reject(murmurRpcCodes.TOO_LARGE, `request exceeds ${max} bytes`, { code: 'TOO_LARGE' })
    }
  }

  private handleLine(line: Buffer): void {
    if (isBlank(line)) return
    const parsed = parseJsonLine(line)
    if (!parsed) {
      this.sendError(null, RpcCode.PARSE_ERROR, 'parse error: line is not valid JSON')
      return
    }
    if (Array.isArray(parsed.value)) {
      const why = parsed.value.length === 0 ? 'empty batch' : 'batch requests are not supported'
      this.sendError(null, RpcCode.INVALID_REQUEST, `invalid request: ${why}; send one request per line`)
      return
    }
    const req = validateRequest(parsed.value)
    if ('invalid' in req) {
      this.sendError(req.id, RpcCode.INVALID_REQUEST, `invalid request: ${req.invalid}`)
      return
    }
    this.dispatch(req)
  }

  private dispatch(req: Request): void {
    const def = this.methods.get(req.method)
    const isCall = req.id !== undefined
    if (!def) {
      if (isCall) this.sendError(req.id ?? null, RpcCode.METHOD_NOT_FOUND, `method not found: ${req.method}`)
      return
    }
    if (this.calls.size >= this.limits.maxInFlight) {
      const msg = `too many requests in flight on this connection (limit ${this.limits.maxInFlight})`
      if (isCall) this.sendError(req.id ?? null, RpcCode.BUSY, msg)
      return
    }
    const ac = new AbortController()
    this.calls.add(ac)
    let answered = false
    const ctx: CallContext = {
      id: req.id,
      method: req.method,
      signal: ac.signal,
      notify: (method, params) => {
        if (answered) return false
        return this.write(
          encodeMessage({ jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }) }),
        )
      },
      onClose: (cb) => {
        if (answered) return
        const fire = (): void => {
          if (!answered) this.safely(cb)
        }
        if (ac.signal.aborted) queueMicrotask(fire)
        else ac.signal.addEventListener('abort', fire, { once: true })
      },
    }
    const finish = (): void => {
      answered = true
      this.calls.delete(ac)
    }
    this.run(def, req, ctx, finish).catch((err) => {
      finish()
      this.log.error('admin dispatch failed', { method: req.method, err })
    })
  }

  private async run(def: MethodDef, req: Request, ctx: CallContext, finish: () => void): Promise<void> {
    let result: unknown
    let error: JsonRpcErrorObject | undefined
    try {
      const parsed = await def.params.safeParseAsync(req.params ?? {})
      if (parsed.success) {
        result = await def.handler(parsed.data, ctx)
      } else {
        error = invalidParams(parsed.error.issues)
      }
    } catch (err) {
      const mapped = toRpcError(err)
      if (mapped.internal) {
        const stack = err instanceof Error ? err.stack : undefined
        this.log.error('admin method failed', { method: req.method, err, stack })
      }
      error = mapped.error
    }
    finish()
    if (req.id === undefined) return
    if (error) {
      this.sendError(req.id, error.code, error.message, error.data)
      return
    }
    let line: string
    try {
      line = encodeMessage({ jsonrpc: '2.0', id: req.id, result: result === undefined ? null : result })
    } catch (err) {
      this.log.error('admin method result is not JSON-serializable', { method: req.method, err })
      this.sendError(req.id, RpcCode.INTERNAL_ERROR, 'internal error', { code: 'INTERNAL' })
      return
    }
    this.write(line)
  }

  private sendError(id: JsonRpcId, code: number, message: string, data?: JsonRpcErrorObject['data']): void {
    const error: JsonRpcErrorObject = data === undefined ? { code, message } : { code, message, data }
    this.write(encodeMessage({ jsonrpc: '2.0', id, error }))
  }

  private write(line: string): boolean {
    const s = this.socket
    if (this.closing || s.destroyed || !s.writable) return false
    if (s.writableLength > this.limits.maxWriteBufferBytes) {
      this.drop(`over ${this.limits.maxWriteBufferBytes} bytes unsent`)
      return false
    }
    s.write(line)
    this.budget?.wrote()
    return !this.closing
  }

  private safely(cb: () => void): void {
    try {
      cb()
    } catch (err) {
      this.log.error('admin onClose callback failed', { err })
    }
  }
}

function validateRequest(v: unknown): Request | Invalid {
  if (typeof v !== 'object' || v === null) return { invalid: 'a request must be a JSON object', id: null }
  const o = v as Record<string, unknown>
  const hasId = Object.hasOwn(o, 'id')
  const id = o.id
  if (hasId && !(id === null || typeof id === 'string' || typeof id === 'number')) {
    return { invalid: 'id must be a string, a number or null', id: null }
  }
  const replyId = hasId ? (id as JsonRpcId) : null
  if (o.jsonrpc !== '2.0') return { invalid: 'jsonrpc must be "2.0"', id: replyId }
  if (typeof o.method !== 'string') return { invalid: 'method must be a string', id: replyId }
  if (o.params !== undefined && (typeof o.params !== 'object' || o.params === null)) {
    return { invalid: 'params must be an object or an array', id: replyId }
  }
  return { id: hasId ? (id as JsonRpcId) : undefined, method: o.method, params: o.params }
}

function invalidParams(issues: readonly IssueLike[]): JsonRpcErrorObject {
  const described = issues.map((i) => ({
    path: issuePath(i.path) || 'params',
    message: issueMessage(i),
  }))
  return {
    code: RpcCode.INVALID_PARAMS,
    message: `invalid params: ${described.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
    data: { code: 'INVALID_INPUT', issues: described },
  }
}
