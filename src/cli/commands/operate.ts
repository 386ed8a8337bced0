// Operating the agent: `monitor` streams its log lines at the level asked for; `reload` re-reads
// its config (as SIGHUP does) and says what needs a restart.
import type { Command } from 'commander'
import { AdminClient } from '../../admin/client.js'
import { InvalidInputError } from '../../errors.js'
import { LOG_LEVELS } from '../../util/log.js'
import { clientOptions, resolveSocket, withClient } from '../context.js'
import { printJson } from '../output.js'

const fieldText = (v: unknown): string => (typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v))

export function registerOperate(program: Command): void {
  program
    .command('reload')
    .description(
      're-read the config; apply tags, log level, handlers and peer lists now, and name what needs a restart',
    )
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const r = (await withClient(cmd, (c) => c.call('reload', {}))) as {
        applied: string[]
        needsRestart: string[]
      }
      if (opts.json) return printJson(r)
      const list = (keys: string[]) => keys.join(', ')
      process.stdout.write(
        r.applied.length === 0 && r.needsRestart.length === 0
          ? 'reloaded: nothing changed\n'
          : `reloaded${r.applied.length ? `: applied ${list(r.applied)}` : ''}${r.needsRestart.length ? `; takes a restart: ${list(r.needsRestart)}` : ''}\n`,
      )
    })

  program
    .command('monitor')
    .description("stream the agent's log lines until interrupted (also below the agent's own log level)")
    .option('--log-level <level>', `lowest level to show (${LOG_LEVELS.join('|')})`, 'info')
    .option('--json', 'print each line as the agent writes it (one JSON object)')
    .action(async (opts: { logLevel: string; json?: boolean }, cmd: Command) => {
      if (!(LOG_LEVELS as string[]).includes(opts.logLevel)) {
        throw new InvalidInputError(
          `--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${opts.logLevel}'`,
        )
      }
      const client = await AdminClient.connect(resolveSocket(clientOptions(cmd)), { timeoutMs: 5000 })
      process.once('SIGINT', () => {
        client.close()
        process.exit(0)
      })
      const sub = client.subscribe('monitor', { level: opts.logLevel }, (_method, params) => {
        if (opts.json) return void process.stdout.write(`${JSON.stringify(params)}\n`)
        const { time, level, component, msg, ...rest } = params as Record<string, unknown>
        const fields = Object.entries(rest).map(([k, v]) => `${k}=${fieldText(v)}`)
        process.stdout.write(
          `${time} ${String(level).toUpperCase().padEnd(5)} ${component}: ${msg}${fields.length ? ` ${fields.join(' ')}` : ''}\n`,
        )
      })
      await sub.done
    })
}
