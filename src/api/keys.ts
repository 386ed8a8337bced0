// Admin methods of the swarm keyring (`murmur keys`): each applies to this agent, then to every
// live member over the mesh, and says which members took it. Keys travel only in `keys.install`'s
// params (from a file or stdin, never the command line); everything else names them by fingerprint.
import { z } from 'zod'
import { fingerprintSchema, keyHexSchema } from '../transport/keyring.js'
import { method } from './spec.js'

/** A member that did not take an operation: its error code (or DIAL_FAILED for no answer) and why. */
export interface KeysFailure {
  id: string
  name: string | null
  code: string
  error: string
}

export interface KeysOpResult {
  /** The key operated on. */
  fingerprint: string
  /** Members asked, this agent included. */
  members: number
  ok: Array<{ id: string; name: string | null }>
  failed: KeysFailure[]
}

export interface KeysListResult {
  /** Members asked, this agent included. */
  members: number
  /** Each key held by a member that answered: how many hold it, and as primary. */
  keys: Array<{
    fingerprint: string
    members: number
    primary: number
    local: 'primary' | 'installed' | null
  }>
  failed: KeysFailure[]
}

export const keysList = method<KeysListResult>()(z.object({}).strict())
export const keysInstall = method<KeysOpResult>()(z.object({ key: keyHexSchema }).strict())
export const keysUse = method<KeysOpResult>()(z.object({ fingerprint: fingerprintSchema }).strict())
export const keysRemove = method<KeysOpResult>()(z.object({ fingerprint: fingerprintSchema }).strict())
