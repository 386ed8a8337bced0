// The daemon side of the admin socket: newline-delimited JSON-RPC 2.0 over a 0600 Unix socket.
import { createServer, type Server, type Socket } from 'node:net'
import { MurmurError } from '../errors.js'
import { type Logger, silentLogger } from '../util/log.js'
import { AdminConnection, type ConnectionLimits } from './connection.js'
import type { MethodDef, MethodRegistry } from './methods.js'
import { murmurRpcCodes, RpcCode } from './protocol.js'
import { listenOnSocket, removeOwnSocket } from './socket-file.js'

export interface AdminServerOptions {
  socketPath: string
  methods: MethodRegistry
  logger?: Logger
  /** Longest request line accepted; longer ones get an error and the connection is closed. */
  maxLineBytes?: number
  maxConnections?: number
  /** Concurrent unanswered requests (open subscriptions included) per connection. */
  maxInFlight?: number
  maxWriteBufferBytes?: number
  /** Unsent output of all connections together; past it the client furthest behind is dropped. */
  maxTotalWriteBufferBytes?: number
  closeGraceMs?: number
}

export const adminDefaults = {
  maxLineBytes: 1024 * 1024,
  maxConnections: 64,
  maxInFlight: 64,
  maxWriteBufferBytes: 16 * 1024 * 1024,
  // 64 connections x 16 MiB would be 1 GiB: 50 `watch` clients that never read took an agent
  // from 126 to 1,030 MiB before this bound (#29).
  maxTotalWriteBufferBytes: 64 * 1024 * 1024,
  closeGraceMs: 1000,
} as const

export class AdminServer {
  readonly socketPath: string
  private readonly log: Logger
  private readonly methods: ReadonlyMap<string, MethodDef>
  private readonly limits: ConnectionLimits
  private readonly maxConnections: number
  private readonly maxTotalUnsent: number
  private readonly budget = { wrote: () => this.shed() }
  private readonly connections = new Set<AdminConnection>()
  // Refused connections are tracked too, so close() can wait for them.
  private readonly extra = new Set<AdminConnection>()
  private server: Server | undefined
  private ino: number | undefined
  private state: 'new' | 'listening' | 'closed' = 'new'
  private closing: Promise<void> | undefined

  constructor(opts: AdminServerOptions) {
    this.socketPath = opts.socketPath
    this.log = opts.logger ?? silentLogger
    // A Map, not the object: a method named "toString" or "__proto__" must not reach Object.prototype.
    this.methods = new Map(Object.entries(opts.methods))
    this.maxConnections = opts.maxConnections ?? adminDefaults.maxConnections
    this.maxTotalUnsent = opts.maxTotalWriteBufferBytes ?? adminDefaults.maxTotalWriteBufferBytes
    this.limits = {
      maxLineBytes: opts.maxLineBytes ?? adminDefaults.maxLineBytes,
      maxInFlight: opts.maxInFlight ?? adminDefaults.maxInFlight,
      maxWriteBufferBytes: opts.maxWriteBufferBytes ?? adminDefaults.maxWriteBufferBytes,
      closeGraceMs: opts.closeGraceMs ?? adminDefaults.closeGraceMs,
    }
  }

  /** Number of accepted client connections currently open. */
  get connectionCount(): number {
    return this.connections.size
  }

  /**
   * Creates the socket (parent dir 0700, socket 0600), replacing a stale one.
   * Throws DataDirLockedError if a live agent answers on the path, InvalidInputError if it is too long.
   */
  async listen(): Promise<void> {
    if (this.state !== 'new') {
      throw new MurmurError('INTERNAL', 'AdminServer.listen() may only be called once')
    }
    this.state = 'listening'
    const server = createServer((socket) => this.accept(socket))
    try {
      this.ino = await listenOnSocket(server, this.socketPath)
    } catch (err) {
      this.state = 'closed'
      if (server.listening) server.close()
      throw err
    }
    if (this.closing) {
      // close() ran while we were binding: undo, rather than leak a listening socket.
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await removeOwnSocket(this.socketPath, this.ino)
      throw new MurmurError('SHUTTING_DOWN', 'admin server was closed while it was starting')
    }
    this.server = server
    server.on('error', (err) => this.log.error('admin socket error', { err }))
    this.log.info('admin socket listening', { socketPath: this.socketPath })
  }

  /** Stops accepting, closes every client connection (pending replies are dropped), removes the socket. */
  close(): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  private async shutdown(): Promise<void> {
    this.state = 'closed'
    const server = this.server
    if (!server) return
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
    const all = [...this.connections, ...this.extra]
    for (const conn of all) conn.shutdown()
    await Promise.all([stopped, ...all.map((c) => c.done)])
    if (this.ino !== undefined) await removeOwnSocket(this.socketPath, this.ino)
    this.log.info('admin socket closed', { socketPath: this.socketPath })
  }

  /** Past the total cap, drops the clients furthest behind until under it (at most 64 to sum). */
  private shed(): void {
    for (;;) {
      let total = 0
      let worst: AdminConnection | undefined
      for (const c of this.connections) {
        const n = c.unsent
        total += n
        if (worst === undefined || n > worst.unsent) worst = c
      }
      if (total <= this.maxTotalUnsent || worst === undefined || worst.unsent === 0) return
      worst.drop(`all clients together over ${this.maxTotalUnsent} bytes unsent`)
      this.connections.delete(worst)
    }
  }

  private accept(socket: Socket): void {
    const conn = new AdminConnection(socket, this.methods, this.limits, this.log, this.budget)
    const shuttingDown = this.state !== 'listening'
    if (shuttingDown || this.connections.size >= this.maxConnections) {
      this.extra.add(conn)
      void conn.done.then(() => this.extra.delete(conn))
      this.log.warn('admin connection refused', { shuttingDown, connections: this.connections.size })
      if (shuttingDown) {
        conn.reject(murmurRpcCodes.SHUTTING_DOWN, 'murmur agent is shutting down', { code: 'SHUTTING_DOWN' })
      } else {
        conn.reject(RpcCode.BUSY, `too many admin connections (limit ${this.maxConnections})`)
      }
      return
    }
    this.connections.add(conn)
    void conn.done.then(() => this.connections.delete(conn))
  }
}
