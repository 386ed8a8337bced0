// The murmur CLI: parse arguments, run one command, map failures to one line and an exit code.
import { Command, CommanderError } from 'commander'
import { MurmurError } from '../errors.js'
import { VERSION } from '../version.js'
import { registerAgent } from './commands/agent.js'
import { registerDoctor } from './commands/doctor.js'
import { registerEvents } from './commands/events.js'
import { registerMembership } from './commands/members.js'
import { registerOperate } from './commands/operate.js'
import { registerSnapshot } from './commands/snapshot.js'
import { registerState } from './commands/state.js'
import { EXIT_FAILURE, EXIT_USAGE } from './context.js'
import { printError, printLine } from './output.js'

export function buildProgram(): Command {
  const program = new Command('murmur')
    .description('peer-to-peer gossip mesh: membership and replicated state')
    .version(VERSION, '-V, --version')
    .option('--socket <path>', 'admin socket of the agent to talk to (env MURMUR_SOCKET)')
    .option('--data-dir <dir>', 'data directory of the agent (its socket is inside)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
  registerAgent(program)
  registerMembership(program)
  registerState(program)
  registerEvents(program)
  registerOperate(program)
  registerDoctor(program)
  registerSnapshot(program)
  program
    .command('keygen')
    .description('write a new pre-shared swarm key (for --swarm-key / swarmKeyFile) to FILE, mode 0600')
    .argument('<file>')
    .action(async (file: string) => {
      const { writeSwarmKey } = await import('../transport/swarm-key.js')
      await writeSwarmKey(file)
      printLine(`wrote swarm key to ${file}; give it to every member of the private mesh`)
    })
  // Every subcommand inherits exitOverride so usage errors exit 2, not 1.
  const walk = (c: Command): void => {
    c.exitOverride()
    c.commands.forEach(walk)
  }
  walk(program)
  return program
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv)
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE
      return
    }
    const message = err instanceof MurmurError || err instanceof Error ? err.message : String(err)
    printError(message)
    process.exitCode = err instanceof MurmurError && err.code === 'INVALID_INPUT' ? EXIT_USAGE : EXIT_FAILURE
  }
}

await main(process.argv)
