// Long-lived murmur agents for the interactive lab CLI (`lab agents`, `lab summary`): unlike TestAgent
// they outlive the command that started them; `lab down` kills them with everything else in the lab.
import { spawn } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { AdminClient } from '../../src/admin/client.js'
import type { InfoResult } from '../../src/api/results.js'
import { AGENT_NODE_FLAGS } from '../../src/daemon/node-flags.js'
import { FAST_CONFIG, TEST_SWARM_KEY } from '../helpers/agents.js'
import type { Lab, LabHost } from './lab.js'
import { AGENT_PORT } from './mesh.js'

export const AGENTS_DIR = '/tmp/murmur-lab'

/** bin/murmur, whether this file runs from test/lab (tsx) or dist/test/lab (compiled). */
export function murmurBin(): string {
  const here = import.meta.dirname ?? new URL('.', import.meta.url).pathname
  const found = ['../../bin/murmur', '../../../bin/murmur'].map((p) => resolve(here, p)).find(existsSync)
  if (!found) throw new Error(`bin/murmur not found from ${here}`)
  if (!existsSync(resolve(found, '../../dist/src/cli/main.js')))
    throw new Error('murmur is not built: run npm run build')
  return found
}

export const agentDir = (h: LabHost, base = AGENTS_DIR) => join(base, `h${h.index}`)
export const agentSocket = (h: LabHost, base = AGENTS_DIR) => join(agentDir(h, base), 'murmur.sock')

/** `info` from host h's agent, or undefined if none answers. */
export async function agentInfo(h: LabHost, base = AGENTS_DIR): Promise<InfoResult | undefined> {
  let client: AdminClient | undefined
  try {
    client = await AdminClient.connect(agentSocket(h, base), { timeoutMs: 2000 })
    return await client.call<InfoResult>('info', {})
  } catch {
    return undefined
  } finally {
    client?.close()
  }
}

/**
 * Start an agent in every host that has none answering: data dir base/hN, log base/hN/agent.log,
 * listening on the host's lab address, no join addresses, FAST_CONFIG timers, mDNS on unless `mdns` is false.
 * Data dirs are kept across runs (identity and state survive `lab down`) unless `fresh`.
 */
export async function startLabAgents(
  lab: Lab,
  { base = AGENTS_DIR, mdns = true, fresh = false } = {},
): Promise<string[]> {
  const bin = murmurBin()
  const started: LabHost[] = []
  for (const h of lab.hosts) {
    if (await agentInfo(h, base)) continue
    started.push(h)
    const dir = agentDir(h, base)
    if (fresh) rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    // One private mesh: every host holds the same key, as a user copies it to each machine.
    const keyFile = join(dir, 'swarm.key')
    if (!existsSync(keyFile)) writeFileSync(keyFile, TEST_SWARM_KEY, { mode: 0o600 })
    const config = join(base, `h${h.index}.json`)
    writeFileSync(config, JSON.stringify({ ...FAST_CONFIG, mdns: { enabled: mdns, intervalMs: 1000 } }))
    const log = openSync(join(dir, 'agent.log'), 'a')
    const args = [bin, 'agent', '--config', config, '--data-dir', dir, '--name', `h${h.index}`]
    args.push('--listen', `/ip4/${h.ip}/tcp/${AGENT_PORT}`)
    const child = spawn('ip', ['netns', 'exec', h.ns, process.execPath, ...AGENT_NODE_FLAGS, ...args], {
      stdio: ['ignore', log, log],
      detached: true,
    })
    child.unref()
    closeSync(log)
  }
  const lines: string[] = []
  for (const h of lab.hosts) {
    const deadline = Date.now() + 20_000
    let info = await agentInfo(h, base)
    while (!info && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200))
      info = await agentInfo(h, base)
    }
    if (!info)
      throw new Error(
        `h${h.index}: agent did not answer within 20 s; see ${join(agentDir(h, base), 'agent.log')}`,
      )
    const what = started.includes(h) ? 'started' : 'already running'
    lines.push(
      `h${h.index}: ${what} ${info.peerId} ${h.ip}:${AGENT_PORT}  murmur --socket ${agentSocket(h, base)} ...`,
    )
  }
  return lines
}

/** One line per host (members and state as that host sees them) and whether the digests agree. */
export async function labSummary(lab: Lab, base = AGENTS_DIR): Promise<string[]> {
  const infos = await Promise.all(lab.hosts.map((h) => agentInfo(h, base)))
  const lines = lab.hosts.map((h, k) => {
    const x = infos[k]
    if (!x) return `h${h.index}: no agent answering at ${agentSocket(h, base)}`
    const m = x.members
    const s = x.state
    return `h${h.index}: alive ${m.alive} suspect ${m.suspect} dead ${m.dead} left ${m.left}  keys ${s?.keys ?? '?'} sets ${s?.sets ?? '?'} counters ${s?.counters ?? '?'}  digest ${s?.digest.slice(0, 12) ?? '?'}`
  })
  const digests = new Set(infos.filter((x) => x !== undefined).map((x) => x.state?.digest))
  lines.push(digests.size <= 1 ? 'digests: all equal' : `digests: ${digests.size} distinct`)
  return lines
}
