// `murmur agent`: run the daemon in the foreground. Flags override the config file and defaults.
import type { Command } from 'commander'
import { loadConfig } from '../../config/load.js'
import { collect, parseKeyValue } from '../parse.js'

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

export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description('run the murmur agent (daemon) in the foreground')
    .option('--config <file>', 'config file (JSON); overrides config/default.json')
    .option('--name <name>', "this member's name (default: hostname)")
    .option('--listen <multiaddr>', 'listen address, repeatable', collect)
    .option(
      '--announce <multiaddr>',
      'address to advertise instead of the listen addresses, repeatable',
      collect,
    )
    .option('--join <multiaddr>', 'peer to join at start, repeatable', collect)
    .option('--tag <key=value>', 'tag of this member, repeatable', collect)
    .option('--no-mdns', 'do not discover peers by mDNS')
    .option('--log-level <level>', 'debug, info, warn or error')
    .option(
      '--swarm-key <file>',
      'pre-shared key file: only peers with the same key can connect (default: DATADIR/swarm.key, created at first start)',
    )
    .option(
      '--open',
      'run an open mesh without a swarm key: anyone who can reach the listen address can join',
    )
    .action(async (_opts: AgentFlags, cmd: Command) => {
      const flags = cmd.optsWithGlobals() as AgentFlags
      // Loaded lazily so client commands do not pay for libp2p's start-up.
      const { runAgent } = await import('../../daemon/run.js')
      const load = () => loadConfig({ file: flags.config, flags: flagLayer(flags, cmd) })
      process.exitCode = await runAgent(load(), load)
    })
}

function flagLayer(f: AgentFlags, cmd: Command): Record<string, unknown> {
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
    layer.tags = Object.fromEntries(f.tag.map((t) => parseKeyValue(t, '--tag')))
  }
  if (cmd.getOptionValueSource('mdns') === 'cli') layer.mdns = { enabled: f.mdns !== false }
  return layer
}
