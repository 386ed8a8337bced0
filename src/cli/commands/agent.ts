// `murmur agent`: run the daemon in the foreground. Flags override the config file and defaults.
import { type Command, Option } from 'commander'
import { loadConfig } from '../../config/load.js'
import { ConfigError, InvalidInputError } from '../../errors.js'
import { LOG_LEVELS } from '../../util/log.js'
import { checkMultiaddr, collect, parseTags } from '../parse.js'

interface AgentFlags {
  config?: string
  dataDir?: string
  name?: string
  listen?: string[]
  announce?: string[]
  join?: string[]
  tag?: string[]
  mdns?: boolean
  logLevel?: string
  swarmKey?: string
  open?: boolean
}

/** Config keys set by flags, and the flag that sets each (for usage errors). */
const FLAG_OF: Record<string, string> = {
  dataDir: '--data-dir',
  name: '--name',
  listen: '--listen',
  announce: '--announce',
  join: '--join',
  tags: '--tag',
  mdns: '--no-mdns',
  logLevel: '--log-level',
  swarmKeyFile: '--swarm-key',
  open: '--open',
}

export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description('run the murmur agent (daemon) in the foreground')
    .option('--config <file>', 'config file (JSON); overrides config/default.json')
    // Also a global option (before `agent`); listed here so the agent's help shows every option it takes.
    .option('--data-dir <dir>', 'data directory: store, swarm key and admin socket (default: ~/.murmur)')
    .option('--name <name>', "this member's name (default: hostname)")
    .option('--listen <multiaddr>', 'listen address, repeatable (default: /ip4/0.0.0.0/tcp/7946)', collect)
    .option(
      '--announce <multiaddr>',
      'address to advertise instead of the listen addresses, repeatable',
      collect,
    )
    .option('--join <multiaddr>', 'peer to join at start, repeatable', collect)
    .option('--tag <key=value>', 'tag of this member, repeatable', collect)
    .option('--no-mdns', 'do not discover peers by mDNS')
    .addOption(new Option('--log-level <level>', 'lowest level logged').choices(LOG_LEVELS))
    .option(
      '--swarm-key <file>',
      'pre-shared key file: only peers with the same key can connect (default: DATADIR/swarm.key, created at first start)',
    )
    .option(
      '--open',
      'run an open mesh without a swarm key: anyone who can reach the listen address can join',
    )
    .option('--json', 'print a start-up failure as one JSON line (the log is JSON lines anyway)')
    .addHelpText(
      'after',
      '\nEnvironment: MURMUR_DATA_DIR and MURMUR_LOG_LEVEL, between the config file and the flags.',
    )
    .configureHelp({ showGlobalOptions: false })
    .action(async (_opts: AgentFlags, cmd: Command) => {
      const flags = cmd.optsWithGlobals() as AgentFlags
      const layer = flagLayer(flags, cmd)
      checkFlags(layer)
      // Loaded lazily so client commands do not pay for libp2p's start-up.
      const { runAgent } = await import('../../daemon/run.js')
      const load = () => loadConfig({ file: flags.config, flags: layer })
      process.exitCode = await runAgent(load(), load)
    })
}

function flagLayer(f: AgentFlags, cmd: Command): Record<string, unknown> {
  for (const [flag, addrs] of [
    ['--listen', f.listen],
    ['--announce', f.announce],
    ['--join', f.join],
  ] as const)
    for (const a of addrs ?? []) checkMultiaddr(a, flag)
  if (f.open && f.swarmKey)
    throw new InvalidInputError('--open and --swarm-key exclude each other: an open mesh has no swarm key')
  const layer: Record<string, unknown> = {
    dataDir: f.dataDir,
    name: f.name,
    listen: f.listen,
    announce: f.announce,
    join: f.join,
    logLevel: f.logLevel,
    swarmKeyFile: f.swarmKey,
    open: f.open,
  }
  if (f.tag) {
    layer.tags = parseTags(f.tag, '--tag')
  }
  if (cmd.getOptionValueSource('mdns') === 'cli') layer.mdns = { enabled: f.mdns !== false }
  return layer
}

/** The flags alone over the defaults: a bad flag is bad usage (exit 2), named by its flag. */
function checkFlags(layer: Record<string, unknown>): void {
  try {
    loadConfig({ env: {}, flags: layer })
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    const m = /^config: ([A-Za-z]+)((?:\.[^:]*)?: .*)$/s.exec(err.message)
    const flag = m ? FLAG_OF[m[1]!] : undefined
    throw new InvalidInputError(flag ? `${flag}${m![2]}` : err.message.replace(/^config: /, ''))
  }
}
