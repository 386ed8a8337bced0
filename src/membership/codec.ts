// Wire format: one version byte, then UTF-8 JSON. Everything from a peer is validated
// here, so the state machine can trust the shapes it is given.

import { z } from 'zod'
import { InvalidInputError } from '../errors.js'
import {
  MAX_ADDR_CHARS,
  MAX_ADDRS,
  MAX_ID_CHARS,
  MAX_MESSAGE_BYTES,
  MAX_NAME_BYTES,
  MAX_TAG_KEY_BYTES,
  MAX_TAG_VALUE_BYTES,
  MAX_TAGS,
  WIRE_VERSION,
} from './constants.js'
import type { MemberMessage } from './types.js'

const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8')
const maxBytes = (n: number) => (s: string) => utf8Bytes(s) <= n

const idSchema = z.string().min(1).max(MAX_ID_CHARS)
const incarnationSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)
export const nameSchema = z.string().refine(maxBytes(MAX_NAME_BYTES), `name over ${MAX_NAME_BYTES} bytes`)
export const tagsSchema = z
  .record(
    z.string().min(1).refine(maxBytes(MAX_TAG_KEY_BYTES), `tag key over ${MAX_TAG_KEY_BYTES} bytes`),
    z.string().refine(maxBytes(MAX_TAG_VALUE_BYTES), `tag value over ${MAX_TAG_VALUE_BYTES} bytes`),
  )
  .refine((t) => Object.keys(t).length <= MAX_TAGS, `more than ${MAX_TAGS} tags`)
export const addrsSchema = z.array(z.string().min(1).max(MAX_ADDR_CHARS)).max(MAX_ADDRS)

// Unknown fields are dropped rather than rejected (tolerant reader), so a peer that adds an
// optional field within version 1 does not cut itself off from older peers.
const messageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('alive'),
    id: idSchema,
    incarnation: incarnationSchema,
    name: nameSchema,
    tags: tagsSchema,
    addrs: addrsSchema,
  }),
  z.object({ type: z.literal('suspect'), id: idSchema, incarnation: incarnationSchema, from: idSchema }),
  z.object({ type: z.literal('dead'), id: idSchema, incarnation: incarnationSchema, from: idSchema }),
  z.object({ type: z.literal('leave'), id: idSchema, incarnation: incarnationSchema }),
])

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ')
}

/** Validates a message against the wire limits; throws InvalidInputError. */
export function validateMemberMessage(value: unknown): MemberMessage {
  const parsed = messageSchema.safeParse(value)
  if (!parsed.success) throw new InvalidInputError(`invalid member message: ${describe(parsed.error)}`)
  return parsed.data
}

export function encodeMemberMessage(msg: MemberMessage): Uint8Array {
  // Validate on the way out too: a message we could not decode ourselves must never leave.
  const json = Buffer.from(JSON.stringify(validateMemberMessage(msg)), 'utf8')
  if (json.length + 1 > MAX_MESSAGE_BYTES) {
    throw new InvalidInputError(`member message over ${MAX_MESSAGE_BYTES} bytes`)
  }
  const out = new Uint8Array(json.length + 1)
  out[0] = WIRE_VERSION
  out.set(json, 1)
  return out
}

const decoder = new TextDecoder('utf-8', { fatal: true })

export function decodeMemberMessage(bytes: Uint8Array): MemberMessage {
  if (!(bytes instanceof Uint8Array) || bytes.length < 2)
    throw new InvalidInputError('member message too short')
  if (bytes.length > MAX_MESSAGE_BYTES)
    throw new InvalidInputError(`member message over ${MAX_MESSAGE_BYTES} bytes`)
  if (bytes[0] !== WIRE_VERSION) throw new InvalidInputError(`unknown member message version ${bytes[0]}`)
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(bytes.subarray(1)))
  } catch {
    throw new InvalidInputError('member message is not UTF-8 JSON')
  }
  return validateMemberMessage(value)
}
