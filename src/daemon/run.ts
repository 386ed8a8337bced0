// Runs an agent in the foreground: logging, signals (SIGINT/SIGTERM leave, SIGHUP reloads), exit code.
import type { Config } from '../config/schema.js'
import { MurmurError } from '../errors.js'
import { createLogger, type LogLevel, type LogSink } from '../util/log.js'
import { Agent } from './agent.js'

export async function runAgent(config: Config, reload?: () => Config): Promise<number> {
  const sink: LogSink = { level: config.logLevel as LogLevel, write: (l) => process.stderr.write(l) }
  const log = createLogger('murmur', sink)
  // Whatever the agent creates (store files, keys, the socket) is owner-only, whatever the shell's umask.
  process.umask(0o077)
  let agent: Agent
  try {
    agent = await Agent.start(config, log.child('agent'))
  } catch (err) {
    if (err instanceof MurmurError) {
      log.error(err.message, { code: err.code })
      process.stderr.write(`murmur: ${err.message}\n`)
      return 1
    }
    throw err
  }

  let signalled = false
  const onStop = (sig: NodeJS.Signals) => {
    if (signalled) {
      log.warn('second signal: exiting at once', { signal: sig })
      process.exit(130)
    }
    signalled = true
    log.info('leaving the mesh', { signal: sig })
    void agent.stop({ leave: true })
  }
  const onHup = () => {
    if (!reload) return
    try {
      const next = reload()
      sink.level = next.logLevel as LogLevel
      agent.updateTags(
        next.tags,
        Object.keys(agent.membership.self().tags).filter((k) => !(k in next.tags)),
      )
      const { closed } = agent.updatePeerLists(next.peers)
      log.info('config reloaded', {
        logLevel: next.logLevel,
        allowPeers: next.peers.allow.length,
        denyPeers: next.peers.deny.length,
        closedConnections: closed,
      })
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
