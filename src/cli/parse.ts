// Small argument parsers shared by commands; they throw InvalidInputError with the offending text.
import { isIP } from 'node:net'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { InvalidInputError } from '../errors.js'
import { tagsSchema } from '../membership/tags.js'
import { type IssueLike, issueMessage, issuePath } from '../util/issues.js'

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

export function parseKeyValue(text: string, what: string): [string, string] {
  const eq = text.indexOf('=')
  if (eq <= 0) throw new InvalidInputError(`${what} expects KEY=VALUE, got '${shorten(text)}'`)
  return [text.slice(0, eq), text.slice(eq + 1)]
}

export function parseAmount(text: string | undefined): number {
  if (text === undefined) return 1
  if (!/^\d+$/.test(text))
    throw new InvalidInputError(`amount must be a positive whole number, got '${text}'`)
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidInputError(`amount out of range: '${text}'`)
  return n
}

/**
 * Throws unless `text` is a multiaddr the agent can dial or listen on, suggesting the multiaddr a
 * host:port form means: 10.0.0.2:7946 -> /ip4/10.0.0.2/tcp/7946, [fd00::2]:7946 -> /ip6/...,
 * node-b:7946 -> /dns4/node-b/tcp/7946.
 */
export function checkMultiaddr(text: string, what: string): void {
  try {
    if (text.startsWith('/')) {
      for (const c of multiaddr(text).getComponents()) if (c.name === 'p2p') peerIdFromString(c.value ?? '')
      return
    }
  } catch (err) {
    throw new InvalidInputError(
      `${what}: '${shorten(text)}' is not a valid multiaddr (${(err as Error).message}); e.g. /ip4/10.0.0.2/tcp/7946`,
    )
  }
  const hint = multiaddrFor(text)
  throw new InvalidInputError(
    `${what}: '${shorten(text)}' is not a multiaddr; ${hint ? `did you mean ${hint}?` : 'e.g. /ip4/10.0.0.2/tcp/7946'}`,
  )
}

/** The multiaddr a host:port (or bare address) means, if it is one; the port defaults to 7946. */
export function multiaddrFor(text: string): string | undefined {
  const m = /^(?:tcp:\/\/)?(?:\[([0-9A-Fa-f:.]+)\]|([^:/[\]]+))(?::(\d{1,5}))?$/.exec(text)
  if (!m) {
    // A bare IPv6 address has colons of its own and no port.
    return isIP(text) === 6 ? `/ip6/${text}/tcp/7946` : undefined
  }
  const [, v6, host, port = '7946'] = m
  if (Number(port) > 65535) return undefined
  if (v6 !== undefined) return isIP(v6) === 6 ? `/ip6/${v6}/tcp/${port}` : undefined
  if (isIP(host!) === 4) return `/ip4/${host}/tcp/${port}`
  // A bare word is a host name only with a port or a dot: `localhost:7946`, `node-b.lan`.
  if (m[3] === undefined && !host!.includes('.')) return undefined
  if (/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(host!))
    return `/dns4/${host}/tcp/${port}`
  return undefined
}

/** At most `max` characters of `text`, with an ellipsis when cut: errors never echo a huge input. */
export function shorten(text: string, max = 64): string {
  const chars = [...text]
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`
}

/** KEY=VALUE pairs as tags, checked against the tag limits here so a bad one is bad usage. */
export function parseTags(pairs: string[], what: string): Record<string, string> {
  const tags = Object.fromEntries(pairs.map((p) => parseKeyValue(p, what)))
  const r = tagsSchema.safeParse(tags)
  if (!r.success) {
    const issue = r.error.issues[0]!
    const path = issuePath(issue.path)
    throw new InvalidInputError(`${what}: ${path ? `${path}: ` : ''}${issueMessage(issue as IssueLike)}`)
  }
  return tags
}
