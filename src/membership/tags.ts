// The one rule for tags and names, shared by the wire limits, the config file and the admin socket.
import { z } from 'zod'
import { MAX_NAME_BYTES, MAX_TAG_KEY_BYTES, MAX_TAG_VALUE_BYTES, MAX_TAGS } from './limits.js'

const maxBytes = (n: number) => (s: string) => Buffer.byteLength(s, 'utf8') <= n

export const nameSchema = z.string().refine(maxBytes(MAX_NAME_BYTES), `name over ${MAX_NAME_BYTES} bytes`)
export const tagsSchema = z
  .record(
    z.string().min(1).refine(maxBytes(MAX_TAG_KEY_BYTES), `tag key over ${MAX_TAG_KEY_BYTES} bytes`),
    z.string().refine(maxBytes(MAX_TAG_VALUE_BYTES), `tag value over ${MAX_TAG_VALUE_BYTES} bytes`),
  )
  .refine((t) => Object.keys(t).length <= MAX_TAGS, `more than ${MAX_TAGS} tags`)
