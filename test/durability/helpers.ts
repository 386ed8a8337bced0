// Shared by the durability specs: admin clients, agent clean-up with logs, ports, store sizes.
import { readdirSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { AdminClient } from '../../src/admin/client.js'
import type { TestAgent } from '../helpers/agents.js'

export { AdminClient }

export function connect(agent: TestAgent, timeoutMs = 10_000): Promise<AdminClient> {
  return AdminClient.connect(agent.socket, { timeoutMs })
}

/** Stops and removes agents; prints their recent logs first when the test failed. */
export async function disposeAll(agents: TestAgent[], failed: boolean, keep = false): Promise<void> {
  if (failed) for (const a of agents) console.log(`--- logs of ${a.opts.name} ---\n${a.logs.slice(-6000)}`)
  await Promise.all(agents.map((a) => a.dispose(keep)))
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for agents that must keep their address). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))))
    })
  })
}

/** Sum of the sizes of the files in a directory (LevelDB keeps no subdirectories). */
export function dirBytes(dir: string): number {
  let total = 0
  for (const name of readdirSync(dir)) {
    try {
      total += statSync(join(dir, name)).size
    } catch {
      // deleted by a compaction between readdir and stat
    }
  }
  return total
}

/** The one line run.ts prints to stderr when start-up fails (`murmur: <message>`). */
export function fatalLines(logs: string): string[] {
  return logs.split('\n').filter((l) => l.startsWith('murmur: '))
}
