// Operating the agent: `monitor` streams its log lines at the level asked for; `reload` re-reads
// its config (as SIGHUP does) and says what needs a restart.
import { type Command, Option } from 'commander'
import type { LogLine } from '../../api/index.js'
import { LOG_LEVELS, type LogLevel } from '../../util/log.js'
import { call, follow } from '../context.js'
import { printJson, printLine, printNote } from '../output.js'

const fieldText = (v: unknown): string => (typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v))

export function registerOperate(program: Command): void {
  program
    .command('reload')
    .description(
      're-read the config; apply tags, log level, handlers and peer lists now, and name what needs a restart',
    )
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const r = await call(cmd, 'reload', {})
      if (opts.json) return printJson(r)
      const list = (keys: string[]) => keys.join(', ')
      printLine(
        r.applied.length === 0 && r.needsRestart.length === 0
          ? 'reloaded: nothing changed'
          : `reloaded${r.applied.length ? `: applied ${list(r.applied)}` : ''}${r.needsRestart.length ? `; takes a restart: ${list(r.needsRestart)}` : ''}`,
      )
      // Run-time tags win over the file's: say so, or a tag edited in the file seems ignored.
      if (r.runtimeTags?.length)
        printLine(
          `kept tags set at run time: ${list(r.runtimeTags)} (\`murmur tags reset\` to use the file's)`,
        )
      if (r.keyring)
        printLine(
          `swarmKeyFile changed but is not used: the keyring ${r.keyring} holds this agent's swarm keys (\`murmur keys\`)`,
        )
    })

  program
    .command('monitor')
    .description("stream the agent's log lines until interrupted (also below the agent's own log level)")
    .addOption(new Option('--log-level <level>', 'lowest level to show').choices(LOG_LEVELS).default('info'))
    .option('--json', 'print each line as the agent writes it (one JSON object)')
    .action(async (opts: { logLevel: LogLevel; json?: boolean }, cmd: Command) => {
      const level = opts.logLevel
      await follow(
        cmd,
        'monitor',
        { level },
        (line) => {
          if (opts.json) return void process.stdout.write(`${JSON.stringify(line)}\n`)
          printLine(monitorLine(line))
        },
        // On stderr, so --json's stdout holds only log lines.
        (info) => printNote(`monitoring agent ${info.name} at level ${level}; Ctrl-C to stop`),
      )
    })
}

/** `murmur monitor`'s text for one log line, unescaped (printLine escapes it). */
export function monitorLine(line: LogLine): string {
  const { time, level, component, msg, ...rest } = line
  const fields = Object.entries(rest).map(([k, v]) => `${k}=${fieldText(v)}`)
  return `${time} ${level.toUpperCase().padEnd(5)} ${component}: ${msg}${fields.length ? ` ${fields.join(' ')}` : ''}`
}
