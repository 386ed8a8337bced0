// `murmur query NAME [PAYLOAD] [--node REGEX] [--tag K=REGEX]... [--timeout D]` (Serf's): asks the
// members that match, prints each answer as it arrives and the counts at the deadline. A thin
// client of the `query` admin method; patterns and the timeout are checked here, before the call.
import type { Command } from 'commander'
import { AdminClient } from '../../admin/client.js'
import { type ApiResult, type QueryNotification, subscribeApi } from '../../api/index.js'
import { InvalidInputError } from '../../errors.js'
import {
  compileFilter,
  DEFAULT_QUERY_TIMEOUT_MS,
  MAX_QUERY_TIMEOUT_MS,
  MIN_QUERY_TIMEOUT_MS,
} from '../../events/query.js'
import { clientOptions, resolveSocket } from '../context.js'
import { jsonLine, printLine } from '../output.js'
import { collect, parseKeyValue, shorten } from '../parse.js'

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 }

/** `500ms`, `5s`, `1.5s`, `2m` as milliseconds, within the query's bounds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text)
  if (!m)
    throw new InvalidInputError(
      `--timeout expects a duration such as 500ms, 5s or 2m, got '${shorten(text)}'`,
    )
  const ms = Math.round(Number(m[1]) * UNITS[m[2]!]!)
  if (ms < MIN_QUERY_TIMEOUT_MS || ms > MAX_QUERY_TIMEOUT_MS)
    throw new InvalidInputError(
      `--timeout must be between ${MIN_QUERY_TIMEOUT_MS}ms and ${MAX_QUERY_TIMEOUT_MS / 60_000}m`,
    )
  return ms
}

interface QueryOpts {
  node?: string
  tag?: string[]
  timeout?: string
  json?: boolean
}

export function registerQuery(program: Command): void {
  program
    .command('query')
    .description(
      'ask the members that match: each acks, and answers with its query:NAME handler; prints answers until the timeout',
    )
    .argument('<name>', 'query name: letters, digits and . _ : - (at most 128)')
    .argument('[payload]', 'text handed to the handlers (up to 4 KiB)', '')
    .option('--node <regex>', 'only members whose whole name matches this regular expression')
    .option(
      '--tag <key=regex>',
      'only members with tag KEY whose whole value matches the regular expression (repeatable: all must match)',
      collect,
    )
    .option(
      '--timeout <duration>',
      `how long to wait for answers, e.g. 500ms, 10s, 2m (default ${DEFAULT_QUERY_TIMEOUT_MS / 1000}s)`,
    )
    .option('--json', 'one JSON object per line: each ack and answer, then the counts')
    .action(async (name: string, payload: string, opts: QueryOpts, cmd: Command) => {
      const tags =
        opts.tag === undefined
          ? undefined
          : Object.fromEntries(opts.tag.map((t) => parseKeyValue(t, '--tag')))
      compileFilter({ node: opts.node, tags })
      const timeoutMs = opts.timeout === undefined ? undefined : parseDuration(opts.timeout)
      const client = await AdminClient.connect(resolveSocket(clientOptions(cmd)), { timeoutMs: 5000 })
      try {
        const summary = await subscribeApi(
          client,
          'query',
          { name, payload, node: opts.node, tags, timeoutMs },
          (r) => {
            if (opts.json) process.stdout.write(`${jsonLine(r)}\n`)
            else if (r.kind === 'answer') printLine(answerLine(r))
          },
        )
        const s = summary as ApiResult<'query'>
        if (opts.json) process.stdout.write(`${jsonLine({ kind: 'summary', ...s })}\n`)
        else
          printLine(
            `${s.acks} ack${s.acks === 1 ? '' : 's'}, ${s.answers} answer${s.answers === 1 ? '' : 's'}`,
          )
      } finally {
        client.close()
      }
    })
}

/** `NODE: answer`, without the handler's final newline; unescaped (printLine escapes it). */
export function answerLine(r: QueryNotification): string {
  return `${r.fromName ?? r.from}: ${(r.payload ?? '').replace(/\r?\n$/, '')}`
}
