// The one rule for tags and names, shared by the wire limits, the config file and the admin socket.
import { z } from 'zod'
import { MAX_NAME_BYTES, MAX_TAG_KEY_BYTES, MAX_TAG_VALUE_BYTES, MAX_TAGS } from './limits.js'

const bytes = (s: unknown) => Buffer.byteLength(String(s), 'utf8')
/** A string of at most `max` UTF-8 bytes; over it: "tag key is 300 bytes; the limit is 128". */
const bounded = (what: string, max: number) =>
  z.string().refine((s) => bytes(s) <= max, {
    error: (iss) => `${what} is ${bytes(iss.input)} bytes; the limit is ${max}`,
  })

export const nameSchema = bounded('name', MAX_NAME_BYTES)
export const tagsSchema = z
  .record(
    bounded('tag key', MAX_TAG_KEY_BYTES).min(1, 'tag key is empty'),
    bounded('tag value', MAX_TAG_VALUE_BYTES),
  )
  .refine((t) => Object.keys(t).length <= MAX_TAGS, `more than ${MAX_TAGS} tags`)
