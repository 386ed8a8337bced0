// Finds the agent's socket and runs one admin call, turning failures into one line and an exit code.
import { join } from 'node:path'
import type { Command } from 'commander'
import { AdminClient, type CallOptions } from '../admin/client.js'
import {
  type ApiMethod,
  type ApiNotifications,
  type ApiParams,
  type ApiResult,
  callApi,
  type InfoResult,
  subscribeApi,
} from '../api/index.js'
import { defaultSocketName as SOCKET_NAME } from '../admin/protocol.js'
import { expandPath, loadConfig } from '../config/load.js'

export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

export interface ClientOptions {
  socket?: string
  dataDir?: string
}

/** --socket, then MURMUR_SOCKET, then --data-dir, then the data dir of the default config. */
export function resolveSocket(opts: ClientOptions, env: NodeJS.ProcessEnv = process.env): string {
  if (opts.socket) return expandPath(opts.socket)
  if (env.MURMUR_SOCKET) return expandPath(env.MURMUR_SOCKET)
  if (opts.dataDir) return join(expandPath(opts.dataDir), SOCKET_NAME)
  return join(loadConfig({ env }).dataDir, SOCKET_NAME)
}

export function clientOptions(cmd: Command): ClientOptions {
  return cmd.optsWithGlobals() as ClientOptions
}

/** Opens a client, runs `fn`, closes; any error becomes a single line on stderr. */
export async function withClient<T>(cmd: Command, fn: (client: AdminClient) => Promise<T>): Promise<T> {
  const client = await AdminClient.connect(resolveSocket(clientOptions(cmd)), { timeoutMs: 5000 })
  try {
    return await fn(client)
  } finally {
    client.close()
  }
}

/** One typed admin call on a fresh connection (see src/api). */
export function call<M extends ApiMethod>(
  cmd: Command,
  method: M,
  params: ApiParams<M>,
  options?: CallOptions,
): Promise<ApiResult<M>> {
  return withClient(cmd, (c) => callApi(c, method, params, options))
}

/**
 * Streams a subscription until interrupted (Ctrl-C ends it with exit 0). With `onConnected`, asks
 * the agent's `info` first on the same connection and hands it over once the subscription is sent.
 */
export async function follow<M extends keyof ApiNotifications>(
  cmd: Command,
  method: M,
  params: ApiParams<M>,
  onNote: (note: ApiNotifications[M]) => void,
  onConnected?: (info: InfoResult) => void,
): Promise<void> {
  const client = await AdminClient.connect(resolveSocket(clientOptions(cmd)), { timeoutMs: 5000 })
  process.once('SIGINT', () => {
    client.close()
    process.exit(0)
  })
  const info = onConnected ? await callApi(client, 'info', {}) : undefined
  const done = subscribeApi(client, method, params, onNote)
  if (info) onConnected?.(info)
  await done
}
