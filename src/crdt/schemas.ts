// Zod schemas for everything a peer (or the disk) hands us. Parsing is all-or-nothing: either the
// whole input is valid, or the caller gets an InvalidInputError and no data.
import { z } from 'zod'
import { InvalidInputError } from '../errors.js'
import { isProofShape } from './batch-proof.js'
import { parseId } from './ids.js'
import { type JsonValue, valueProblem } from './json.js'
import {
  MAX_COUNTER_TOTAL,
  MAX_HLC_LOGICAL,
  MAX_HLC_WALL,
  MAX_ORIGINS_PER_RECORD,
  MAX_SEQ,
  MAX_VV_ORIGINS,
  ORIGIN_RE,
} from './limits.js'
import { type CrdtRecord, type Delta, type SeqMap, seqOf, type VersionVector } from './records.js'

export const originSchema = z.string().regex(ORIGIN_RE, 'origin must be a peer id')
const origin = originSchema

const seqMap = (min: number, maxKeys: number, nonEmpty: boolean, max = MAX_SEQ) =>
  z
    .record(origin, z.int().min(min).max(max))
    .refine((m) => Object.keys(m).length <= maxKeys, `at most ${maxKeys} origins`)
    .refine((m) => !nonEmpty || Object.keys(m).length > 0, 'must not be empty')

const dots = seqMap(1, MAX_ORIGINS_PER_RECORD, true)
const hlc = z.strictObject({
  wall: z.int().min(0).max(MAX_HLC_WALL),
  logical: z.int().min(0).max(MAX_HLC_LOGICAL),
})

const value = z.custom<JsonValue>().superRefine((v, ctx) => {
  const p = valueProblem(v)
  if (p !== undefined) ctx.addIssue({ code: 'custom', message: p })
})

/** A write's proof: base64 of its origin's Ed25519 signature, alone or of a batch root with the path. */
const sig = z
  .string()
  .refine(isProofShape, 'signature must be a 64-byte signature or a batch proof, in base64')
const sigs = z
  .record(origin, sig)
  .refine((m) => Object.keys(m).length <= MAX_ORIGINS_PER_RECORD, 'too many signatures')
const rsigs = z
  .record(origin, z.tuple([origin, sig]))
  .refine((m) => Object.keys(m).length <= MAX_ORIGINS_PER_RECORD, 'too many signatures')

const lwwRecord = z.strictObject({ t: z.literal('lww'), hlc, origin, value, dots, sig })
const setRecord = z.strictObject({
  t: z.literal('set'),
  adds: seqMap(1, MAX_ORIGINS_PER_RECORD, true),
  removed: seqMap(1, MAX_ORIGINS_PER_RECORD, false),
  dots,
  sigs,
  rsigs,
})
const counterRecord = z.strictObject({
  t: z.literal('counter'),
  p: seqMap(0, MAX_ORIGINS_PER_RECORD, false, MAX_COUNTER_TOTAL),
  n: seqMap(0, MAX_ORIGINS_PER_RECORD, false, MAX_COUNTER_TOTAL),
  dots,
  sigs,
})

const sameKeys = (a: object, b: object): boolean => {
  const ka = Object.keys(a)
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k))
}

export const recordSchema = z.discriminatedUnion('t', [lwwRecord, setRecord, counterRecord])

/** Cross-field rules a record must satisfy under its id, or undefined when it does. */
export function entryProblem(id: string, r: CrdtRecord): string | undefined {
  const parsed = parseId(id)
  if (parsed === undefined) return `malformed record id ${JSON.stringify(id)}`
  if (parsed.t !== r.t) return `record id ${JSON.stringify(id)} names a ${parsed.t} record, got ${r.t}`
  if (r.t === 'lww') {
    // A register is one write: its origin's dot alone, under its origin's signature.
    if (!sameKeys(r.dots, { [r.origin]: 0 }))
      return `lww record ${JSON.stringify(id)} must carry only its origin's dot`
    return undefined
  }
  // Every origin with a dot signed its part, every removal is signed by its remover, nothing else.
  if (!sameKeys(r.sigs, r.dots)) return `${r.t} record ${JSON.stringify(id)} needs one signature per origin`
  if (r.t === 'set' && !sameKeys(r.rsigs, r.removed)) {
    return `set record ${JSON.stringify(id)} needs one signature per removal`
  }
  if (r.t === 'set') {
    // A remove copies adds into removed, so removed can never run ahead of adds.
    for (const o of Object.keys(r.removed)) {
      if (r.removed[o]! > (seqOf(r.adds, o) ?? 0))
        return `set record ${JSON.stringify(id)} removed exceeds adds`
    }
    // Only O's own add writes adds[O], at a seq O's dot covers.
    for (const o of Object.keys(r.adds)) {
      if (r.adds[o]! > (seqOf(r.dots, o) ?? 0))
        return `set record ${JSON.stringify(id)} has an add without its dot`
    }
  }
  if (r.t === 'counter') {
    // Only O's own writes move p[O] and n[O], so each needs O's dot.
    for (const o of [...Object.keys(r.p), ...Object.keys(r.n)]) {
      if (seqOf(r.dots, o) === undefined)
        return `counter record ${JSON.stringify(id)} has a total without its dot`
    }
  }
  return undefined
}

export const entrySchema = z.tuple([z.string(), recordSchema]).superRefine(([id, r], ctx) => {
  const p = entryProblem(id, r as CrdtRecord)
  if (p !== undefined) ctx.addIssue({ code: 'custom', message: p })
})

export const deltaSchema = z
  .strictObject({
    id: z.string(),
    record: recordSchema,
    dot: z.strictObject({ origin, seq: z.int().min(1).max(MAX_SEQ) }),
  })
  .superRefine((d, ctx) => {
    const p = entryProblem(d.id, d.record as CrdtRecord)
    if (p !== undefined) ctx.addIssue({ code: 'custom', message: p })
    else if ((seqOf(d.record.dots, d.dot.origin) ?? 0) < d.dot.seq) {
      ctx.addIssue({ code: 'custom', message: 'delta record does not contain its own dot' })
    }
  })

export const vvSchema = seqMap(0, MAX_VV_ORIGINS, false)

function describe(err: z.ZodError): string {
  const first = err.issues[0]
  if (first === undefined) return 'invalid'
  const path = first.path.length > 0 ? ` at ${first.path.join('.')}` : ''
  return `${first.message}${path}`
}

/** Parses `data` or throws InvalidInputError naming the first problem and where it is. */
export function parseOrThrow<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const r = schema.safeParse(data)
  if (!r.success) throw new InvalidInputError(`invalid ${what}: ${describe(r.error)}`)
  return r.data
}

/** Validates one persisted or received (id, record) entry. */
export function parseEntry(id: unknown, record: unknown): [string, CrdtRecord] {
  return parseOrThrow(entrySchema, [id, record], 'record') as [string, CrdtRecord]
}

export function parseDelta(data: unknown): Delta {
  return parseOrThrow(deltaSchema, data, 'delta') as Delta
}

export function parseVersionVector(data: unknown): VersionVector {
  return parseOrThrow(vvSchema, data, 'version vector') as SeqMap
}
