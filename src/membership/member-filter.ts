// Which members a `members` query wants, as Serf's: a status, a name pattern and tag patterns.
// Patterns are regular expressions matched against the whole name or value (Serf anchors them too),
// so `--tag role=web` never matches `role=webcache` by accident.
import { z } from 'zod'
import { InvalidInputError } from '../errors.js'
import { MAX_TAG_KEY_BYTES, MAX_TAGS } from './limits.js'
import { MEMBER_STATUSES, type Member, type MemberStatus } from './types.js'

/** Patterns come from the owner's admin socket; the cap bounds the cost of compiling and matching. */
export const MAX_PATTERN_CHARS = 256

const pattern = z.string().min(1).max(MAX_PATTERN_CHARS)

export const memberFilterSchema = z
  .object({
    status: z.enum(MEMBER_STATUSES as [MemberStatus, ...MemberStatus[]]).optional(),
    name: pattern.optional(),
    tags: z
      .record(z.string().min(1).max(MAX_TAG_KEY_BYTES), pattern)
      .refine((t) => Object.keys(t).length <= MAX_TAGS, `at most ${MAX_TAGS} tag filters`)
      .optional(),
  })
  .strict()

export type MemberFilterSpec = z.output<typeof memberFilterSchema>

function anchored(source: string, what: string): RegExp {
  try {
    return new RegExp(`^(?:${source})$`, 'u')
  } catch (err) {
    throw new InvalidInputError(`${what} is not a valid regular expression: ${(err as Error).message}`)
  }
}

/** A predicate for `spec`; throws InvalidInputError naming a pattern that does not compile. */
export function memberFilter(spec: MemberFilterSpec): (m: Member) => boolean {
  const name = spec.name === undefined ? undefined : anchored(spec.name, `name pattern '${spec.name}'`)
  const tags = Object.entries(spec.tags ?? {}).map(
    ([k, v]) => [k, anchored(v, `pattern '${v}' of tag '${k}'`)] as const,
  )
  return (m) =>
    (spec.status === undefined || m.status === spec.status) &&
    (name === undefined || name.test(m.name)) &&
    tags.every(([k, re]) => Object.hasOwn(m.tags, k) && re.test(m.tags[k]!))
}
