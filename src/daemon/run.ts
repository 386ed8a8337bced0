// Runs an agent in the foreground: logging, its admin socket, signals (SIGINT/SIGTERM leave, SIGHUP
// reloads; stop-signals.ts), exit code.

import { socketPathFor } from '../admin/protocol.js'
import { AdminServer } from '../admin/server.js'
import type { Config } from '../config/schema.js'
import { ConfigError } from '../errors.js'
import { createLogger, type LogLevel } from '../util/log.js'
import { LogHub } from '../util/log-hub.js'
import { Agent } from './agent.js'
import { configChanges, type ReloadResult, withLiveKeys } from './reload.js'
import { stopSignals } from './stop-signals.js'

export async function runAgent(config: Config, reload?: () => Config): Promise<number> {
  const sink = new LogHub(config.logLevel as LogLevel)
  const log = createLogger('murmur', sink)
  // Whatever the agent creates (store files, keys, the socket) is owner-only, whatever the shell's umask.
  process.umask(0o077)
  let reloader: (() => ReloadResult) | undefined
  let agent: Agent | undefined
  let admin: AdminServer
  try {
    agent = await Agent.start(config, log.child('agent'), { logs: sink, reload: () => reloader!() })
    admin = new AdminServer({
      socketPath: socketPathFor(config.dataDir),
      logger: log.child('admin'),
      methods: agent.adminMethods(),
    })
    await admin.listen()
  } catch (err) {
    // The caller (the CLI) reports it once: one text line, or one JSON line with --json.
    await agent?.stop({ leave: false })
    throw err
  }
  agent.onStopping(() => admin.close())
  log.info('admin socket ready', { socket: socketPathFor(config.dataDir) })

  const stopAction = stopSignals()
  const onStop = (sig: NodeJS.Signals) => {
    const action = stopAction()
    if (action === 'ignore') {
      log.debug('second signal within 1 s: the same stop (Ctrl-C under npm delivers two)', { signal: sig })
      return
    }
    if (action === 'exit') {
      log.warn('second signal: exiting at once', { signal: sig })
      process.exit(130)
    }
    log.info('leaving the mesh', { signal: sig })
    void agent.stop({ leave: true })
  }
  // The config the agent runs on: its live keys follow reloads, the others stay until a restart.
  let running = config
  const applyReload = (): ReloadResult => {
    if (!reload) throw new ConfigError('this agent was not started from a config it can re-read')
    const next = reload()
    const changes = configChanges(running, next)
    // The keyring, once it exists, holds the keys: a new swarmKeyFile applies neither now nor later.
    const keyring = agent.keyringFile()
    const keyChanged = keyring !== null && changes.needsRestart.includes('swarmKeyFile')
    if (keyChanged) changes.needsRestart = changes.needsRestart.filter((k) => k !== 'swarmKeyFile')
    sink.setLevel(next.logLevel as LogLevel)
    const runtimeTags = agent.reloadTags(next.tags)
    const { closed } = agent.updatePeerLists(next.peers)
    agent.setHandlers(next.handlers)
    running = withLiveKeys(running, next)
    log.info('config reloaded', {
      ...changes,
      runtimeTags,
      logLevel: next.logLevel,
      allowPeers: next.peers.allow.length,
      denyPeers: next.peers.deny.length,
      closedConnections: closed,
      handlers: next.handlers.length,
    })
    if (changes.needsRestart.length > 0) {
      log.warn('changed config keys take effect at the next start', { keys: changes.needsRestart })
    }
    if (keyChanged)
      log.warn('swarmKeyFile changed, but the keyring holds the swarm keys: use murmur keys', { keyring })
    return { ...changes, runtimeTags, ...(keyChanged ? { keyring } : {}) }
  }
  reloader = applyReload
  const onHup = () => {
    try {
      applyReload()
    } catch (err) {
      log.error('config reload failed; keeping the running config', { error: (err as Error).message })
    }
  }
  process.on('SIGINT', onStop)
  process.on('SIGTERM', onStop)
  process.on('SIGHUP', onHup)
  await agent.stopped
  process.off('SIGINT', onStop)
  process.off('SIGTERM', onStop)
  process.off('SIGHUP', onHup)
  return agent.exitCode
}
