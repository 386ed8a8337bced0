// The shape of one admin method's contract: its params schema and (as a type) its result.
import type { z } from 'zod'

export interface MethodSpec<P extends z.ZodType = z.ZodType, R = unknown> {
  readonly params: P
  /** Never set: carries the result type for callApi and implement. */
  readonly result?: R
  /** A subscription: the notification it streams until the client disconnects. */
  readonly notifies?: string
}

export const method =
  <R>() =>
  <P extends z.ZodType>(params: P, notifies?: string): MethodSpec<P, R> => ({
    params,
    notifies,
  })
