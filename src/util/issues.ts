// How a schema issue reads in an error message: its path, with long segments (tag keys a user or
// peer chose) cut short, and the message of the rule that failed, also inside a record's key.

/** Longest path segment echoed whole; longer ones end in an ellipsis. */
const MAX_SEGMENT = 32

export interface IssueLike {
  readonly path: readonly PropertyKey[]
  readonly message: string
  readonly code?: string
  readonly issues?: readonly IssueLike[]
}

/** `tags.web…` for a path; '' for the root. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path
    .map((p) => {
      const s = typeof p === 'symbol' ? String(p) : String(p)
      const chars = [...s]
      return chars.length > MAX_SEGMENT ? `${chars.slice(0, MAX_SEGMENT - 1).join('')}…` : s
    })
    .join('.')
}

/** The failed rule's message: a bad record key reports its key's rule, not "Invalid key in record". */
export function issueMessage(issue: IssueLike): string {
  if (issue.code === 'invalid_key' && issue.issues?.[0]) return issue.issues[0].message
  return issue.message
}
