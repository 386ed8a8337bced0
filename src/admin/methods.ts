// The contract between the admin transport and whoever implements methods (the daemon).
import type { z } from 'zod'
import type { JsonRpcId } from './protocol.js'

export interface CallContext {
  /** The request id; undefined when the client sent a notification (no reply will be sent). */
  readonly id: JsonRpcId | undefined
  readonly method: string
  /** Aborted when the client disconnects or the server closes. */
  readonly signal: AbortSignal
  /**
   * Pushes a notification on this call's connection. Returns false (and sends nothing) once the
   * connection is gone or this call has already been answered, so notifications never follow the reply.
   */
  notify(method: string, params?: unknown): boolean
  /** Runs `cb` once if the client goes away before this call is answered (at once if it already has). */
  onClose(cb: () => void): void
}

export interface MethodDef<S extends z.ZodType = z.ZodType> {
  /** Validates `params` (an omitted `params` is validated as `{}`). */
  params: S
  // Method syntax on purpose: it keeps a MethodDef<SpecificSchema> assignable to MethodDef.
  handler(params: z.output<S>, ctx: CallContext): unknown
}

export type MethodRegistry = Record<string, MethodDef>

/** Identity helper that types `handler`'s params from the schema. */
export function defineMethod<S extends z.ZodType>(def: MethodDef<S>): MethodDef<S> {
  return def
}
