// Wire types and error codes shared by the admin server and client (see docs/admin-protocol.md).
import { join } from 'node:path'
import { type ErrorCode, InvalidInputError, MurmurError } from '../errors.js'

export const defaultSocketName = 'murmur.sock'

/** The admin socket inside a data directory. */
export function socketPathFor(dataDir: string): string {
  return join(dataDir, defaultSocketName)
}

// sockaddr_un.sun_path is 108 bytes on Linux (104 on macOS) including the NUL; longer paths fail or
// are silently truncated depending on the platform, so we refuse them up front.
export const maxSocketPathBytes = process.platform === 'darwin' ? 103 : 107

export function checkSocketPath(socketPath: string): void {
  const len = Buffer.byteLength(socketPath)
  if (len > maxSocketPathBytes) {
    throw new InvalidInputError(
      `admin socket path is ${len} bytes, over the ${maxSocketPathBytes}-byte limit for Unix sockets: ${socketPath} (use a shorter data directory)`,
    )
  }
}

export type JsonRpcId = string | number | null

export interface JsonRpcRequest {
  jsonrpc: '2.0'
  /** Absent for client notifications, which get no reply. */
  id?: JsonRpcId
  method: string
  params?: unknown
}

export interface JsonRpcNotification {
  jsonrpc: '2.0'
  method: string
  params?: unknown
}

export interface JsonRpcErrorObject {
  code: number
  message: string
  data?: { code?: string; [k: string]: unknown }
}

export interface JsonRpcSuccess {
  jsonrpc: '2.0'
  id: JsonRpcId
  result: unknown
}

export interface JsonRpcFailure {
  jsonrpc: '2.0'
  id: JsonRpcId
  error: JsonRpcErrorObject
}

export type JsonRpcResponse = JsonRpcSuccess | JsonRpcFailure
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse

/** Standard JSON-RPC 2.0 codes plus the transport-level ones murmur adds. */
export const RpcCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** Too many connections, or too many requests in flight on one connection. */
  BUSY: -32000,
} as const

// Stable: clients may match on these numbers. A Record over ErrorCode makes the compiler demand an
// entry when errors.ts grows a new code.
export const murmurRpcCodes: Readonly<Record<ErrorCode, number>> = {
  INVALID_INPUT: -32001,
  CONFIG_INVALID: -32002,
  DATA_DIR_LOCKED: -32003,
  NOT_FOUND: -32004,
  TOO_LARGE: -32005,
  DIAL_FAILED: -32006,
  SHUTTING_DOWN: -32007,
  STORE_CORRUPT: -32008,
  NO_AGENT: -32009,
  ADMIN_PROTOCOL: -32010,
  SWARM_KEY_MISMATCH: -32011,
  SNAPSHOT_INVALID: -32012,
  STATE_NOT_EMPTY: -32013,
  IO_FAILED: -32014,
  INTERNAL: RpcCode.INTERNAL_ERROR,
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(murmurRpcCodes, value)
}

/** Maps a handler failure to a wire error. `internal` is true when the cause must be logged, not shown. */
export function toRpcError(err: unknown): { error: JsonRpcErrorObject; internal: boolean } {
  if (err instanceof MurmurError && err.code !== 'INTERNAL') {
    return {
      error: { code: murmurRpcCodes[err.code], message: err.message, data: { code: err.code } },
      internal: false,
    }
  }
  return {
    error: { code: RpcCode.INTERNAL_ERROR, message: 'internal error', data: { code: 'INTERNAL' } },
    internal: true,
  }
}

/** An error reply from the agent. `code` is the murmur code from `error.data.code`, else ADMIN_PROTOCOL. */
export class AdminCallError extends MurmurError {
  readonly rpcCode: number
  readonly data: unknown
  constructor(code: ErrorCode, rpcCode: number, message: string, data?: unknown) {
    super(code, message)
    this.name = 'AdminCallError'
    this.rpcCode = rpcCode
    this.data = data
  }

  static fromRpc(error: JsonRpcErrorObject): AdminCallError {
    const dataCode = error.data?.code
    return new AdminCallError(
      isErrorCode(dataCode) ? dataCode : 'ADMIN_PROTOCOL',
      error.code,
      error.message,
      error.data,
    )
  }
}

/** The client lost (or never finished) its conversation with the agent: closed, timed out, garbled. */
export class AdminConnectionError extends MurmurError {
  constructor(message: string) {
    super('ADMIN_PROTOCOL', message)
    this.name = 'AdminConnectionError'
  }
}

export function encodeMessage(msg: JsonRpcMessage): string {
  return `${JSON.stringify(msg)}\n`
}
