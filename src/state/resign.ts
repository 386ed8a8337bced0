// Re-signing for the migration of a store of unsigned records (format 1, migrate-unsigned.ts):
// of each record only this agent's own part can be signed again, by its own key; the others'
// parts are dropped and come back from their origins by anti-entropy, signed. Here rather than in
// the replica because only the migration needs it, once per store, before any replica exists.

import type { Hlc } from '../crdt/hlc.js'
import type { JsonValue } from '../crdt/json.js'
import { originProblem } from '../crdt/limits.js'
import { signParts } from '../crdt/part-signatures.js'
import type { CrdtRecord, SetRecord } from '../crdt/records.js'
import { parseEntry } from '../crdt/schemas.js'
import type { WriteSigner } from '../crdt/signing.js'
import { InvalidInputError } from '../errors.js'

/**
 * A re-signer for `selfId`: for a record id and its format 1 value, the own part, signed, or
 * undefined when it holds none (or the value is not a record). Throws InvalidInputError for an
 * invalid `selfId`, as a Replica of it would.
 */
export function resigner(
  selfId: string,
  signer: WriteSigner,
): (id: string, raw: Record<string, unknown>) => CrdtRecord | undefined {
  const p = originProblem(selfId)
  if (p !== undefined) throw new InvalidInputError(`replica id ${p}`)
  return (id, raw) => {
    const r = ownPartUnsigned(selfId, raw)
    if (r === undefined) return undefined
    try {
      const [signed] = signParts(signer, selfId, [[id, r]])
      return parseEntry(id, signed![1])[1]
    } catch {
      return undefined
    }
  }
}

/**
 * `self`'s own part of a format 1 record `raw` (no signatures), unsigned, ready for signParts; or
 * undefined when it holds none or `raw` is not a record. Others' parts are dropped.
 */
export function ownPartUnsigned(self: string, raw: Record<string, unknown>): CrdtRecord | undefined {
  const dots = raw.dots as Record<string, number> | undefined
  const seq = dots?.[self]
  if (typeof seq !== 'number') return undefined
  const own = (m: unknown): Record<string, number> => {
    const v = (m as Record<string, number> | undefined)?.[self]
    return typeof v === 'number' ? { [self]: v } : {}
  }
  if (raw.t === 'lww') {
    if (raw.origin !== self) return undefined
    return {
      t: 'lww',
      hlc: raw.hlc as Hlc,
      origin: self,
      value: raw.value as JsonValue,
      dots: { [self]: seq },
      sig: '',
    }
  }
  if (raw.t === 'set') {
    const adds = own(raw.adds)
    if (Object.keys(adds).length === 0) return undefined
    const removed = own(raw.removed)
    const r: SetRecord = { t: 'set', adds, removed, dots: { [self]: seq }, sigs: { [self]: '' }, rsigs: {} }
    return removed[self] !== undefined ? { ...r, rsigs: { [self]: [self, ''] } } : r
  }
  if (raw.t === 'counter') {
    return { t: 'counter', p: own(raw.p), n: own(raw.n), dots: { [self]: seq }, sigs: { [self]: '' } }
  }
  return undefined
}
