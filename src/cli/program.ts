// The murmur CLI as a function: parse arguments, run one command, map failures to exactly one
// error (a text line, or with --json one JSON line, on stderr) and an exit code. main.ts runs it
// for the process; tests run it in-process.
import { Command, CommanderError } from 'commander'
import { MurmurError } from '../errors.js'
import { VERSION } from '../version.js'
import { registerAgent } from './commands/agent.js'
import { registerDoctor } from './commands/doctor.js'
import { registerEvents } from './commands/events.js'
import { registerForceLeave } from './commands/force-leave.js'
import { registerKeys } from './commands/keys.js'
import { registerMembership } from './commands/members.js'
import { registerOperate } from './commands/operate.js'
import { registerQuery } from './commands/query.js'
import { registerRtt } from './commands/rtt.js'
import { registerSnapshot } from './commands/snapshot.js'
import { registerState } from './commands/state.js'
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './context.js'
import { printError, printErrorJson, printJson, printLine } from './output.js'

/** What one run learnt while parsing: whether errors are JSON, and commander's usage error. */
interface RunState {
  json: boolean
  usage?: { message: string; command: Command }
}

export function buildProgram(state: RunState = { json: false }): Command {
  const program = new Command('murmur')
    .description('peer-to-peer gossip mesh: membership and replicated state')
    .version(VERSION, '-V, --version')
    .option('--socket <path>', 'admin socket of the agent to talk to (env MURMUR_SOCKET)')
    .option('--data-dir <dir>', 'data directory of the agent (its socket is inside)')
    .configureHelp({ showGlobalOptions: true })
  registerAgent(program)
  registerMembership(program)
  registerForceLeave(program)
  registerRtt(program)
  registerState(program)
  registerEvents(program)
  registerQuery(program)
  registerOperate(program)
  registerDoctor(program)
  registerSnapshot(program)
  registerKeys(program)
  program
    .command('keygen')
    .description('write a new pre-shared swarm key (for --swarm-key / swarmKeyFile) to FILE, mode 0600')
    .argument('<file>')
    .option('--json', 'print JSON ({ file })')
    .action(async (file: string, opts: { json?: boolean }) => {
      const { writeSwarmKey } = await import('../transport/swarm-key.js')
      await writeSwarmKey(file)
      if (opts.json) return printJson({ file })
      printLine(`wrote swarm key to ${file}; give it to every member of the private mesh`)
    })
  program.hook('preAction', (_program, action) => {
    if (action.opts().json === true) state.json = true
  })
  // Every command: usage errors end in main's one line (exit 2), never in commander's own output.
  const walk = (c: Command): void => {
    c.exitOverride()
    c.configureOutput({
      outputError: (message) => {
        state.usage = {
          message: message
            .trim()
            .replace(/^error: /, '')
            .replace(/\.$/, ''),
          command: c,
        }
      },
    })
    c.commands.forEach(walk)
  }
  walk(program)
  return program
}

/** `murmur kv set` for `kv set`: the command path a usage hint names. */
function commandPath(c: Command): string {
  const names: string[] = []
  for (let at: Command | null = c; at; at = at.parent) names.unshift(at.name())
  return names.join(' ')
}

/** --json anywhere before a `--`: errors before the action runs are JSON too. */
function jsonRequested(args: string[]): boolean {
  const end = args.indexOf('--')
  return (end === -1 ? args : args.slice(0, end)).includes('--json')
}

/** Runs the CLI on `argv` (node, script, args...) and returns its exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const state: RunState = { json: jsonRequested(argv.slice(2)) }
  const before = process.exitCode
  process.exitCode = undefined
  try {
    await buildProgram(state).parseAsync(argv)
    return Number(process.exitCode ?? EXIT_OK)
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with exit code 0; a command group without its
      // subcommand has printed its help to stderr.
      if (err.exitCode === 0) return EXIT_OK
      if (state.usage) {
        const { message, command } = state.usage
        report(state.json, 'INVALID_INPUT', `${message}; see \`${commandPath(command)} --help\``)
      }
      return EXIT_USAGE
    }
    const code = err instanceof MurmurError ? err.code : 'INTERNAL'
    report(state.json, code, err instanceof Error ? err.message : String(err))
    return code === 'INVALID_INPUT' ? EXIT_USAGE : EXIT_FAILURE
  } finally {
    process.exitCode = before
  }
}

function report(json: boolean, code: string, message: string): void {
  if (json) printErrorJson(code, message)
  else printError(message)
}
