// One murmur agent per lab host, driven through the admin socket (no CLI process per call).
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { AdminClient } from '../../src/admin/client.js'
import type { InfoResult, MemberView } from '../../src/api/results.js'
import { TestAgent } from '../helpers/agents.js'
import type { Lab } from './lab.js'

export const AGENT_PORT = 7946

export interface MeshOptions {
  /** mDNS discovery on (interval 500 ms unless config.mdns says otherwise). Default true. */
  mdns?: boolean
  /** Extra config, spread over TestAgent's FAST_CONFIG (top-level keys replace whole objects). */
  config?: Record<string, unknown>
  /** Only these hosts (1-based indexes); default all. */
  hosts?: number[]
  /**
   * Delay every connection to an agent by delayMs +- jitterMs each way through a userspace relay
   * (test/lab/delay-relay.ts): for kernels without netem. The agent listens on loopback and
   * announces the relay's lab address.
   */
  relayDelay?: { delayMs: number; jitterMs: number }
  /**
   * Listen on 0.0.0.0 (murmur's default, as on a real machine) instead of the host's lab address, so an
   * agent can start on a host whose network is not up yet (Lab.netDown). Not with relayDelay.
   */
  listenAny?: boolean
}

const RELAY_SCRIPT = fileURLToPath(new URL('./delay-relay.js', import.meta.url))
const BEHIND_RELAY_PORT = AGENT_PORT + 1

export interface Converged {
  digest: string
  /** until both conditions held at once */
  ms: number
  /** first time the digests were all equal / every host listed all alive (-1: not required/seen) */
  digestMs: number
  aliveMs: number
}

export class LabMesh {
  private readonly clients = new Map<number, Promise<AdminClient>>()

  private constructor(
    readonly lab: Lab,
    /** agents by host index */
    readonly agents: Map<number, TestAgent>,
  ) {}

  /** Start one agent per host listening on its lab address, no join addresses; wait until each answers. */
  static async start(lab: Lab, opts: MeshOptions = {}): Promise<LabMesh> {
    const mdns = opts.mdns ?? true
    const agents = new Map<number, TestAgent>()
    const mesh = new LabMesh(lab, agents)
    for (const i of opts.hosts ?? lab.hosts.map((h) => h.index)) {
      const h = lab.host(i)
      const relay = opts.relayDelay
      if (relay) {
        lab.spawn(i, process.execPath, [
          RELAY_SCRIPT,
          h.ip,
          String(AGENT_PORT),
          '127.0.0.1',
          String(BEHIND_RELAY_PORT),
          String(relay.delayMs),
          String(relay.jitterMs),
        ])
      }
      const agent = new TestAgent({
        name: `h${i}`,
        prefix: ['ip', 'netns', 'exec', h.ns],
        args: relay
          ? [
              '--listen',
              `/ip4/127.0.0.1/tcp/${BEHIND_RELAY_PORT}`,
              '--announce',
              `/ip4/${h.ip}/tcp/${AGENT_PORT}`,
            ]
          : ['--listen', `/ip4/${opts.listenAny ? '0.0.0.0' : h.ip}/tcp/${AGENT_PORT}`],
        config: { mdns: { enabled: mdns, intervalMs: 500 }, ...opts.config },
      })
      agents.set(i, agent)
      agent.start()
    }
    try {
      await Promise.all(mesh.indexes.map((i) => mesh.ready(i)))
    } catch (err) {
      await mesh.dispose()
      throw err
    }
    return mesh
  }

  get indexes(): number[] {
    return [...this.agents.keys()]
  }

  agent(i: number): TestAgent {
    const a = this.agents.get(i)
    if (!a) throw new Error(`no agent on host ${i}`)
    return a
  }

  /** A cached admin connection to host i's agent (reconnects if it was closed). */
  async client(i: number): Promise<AdminClient> {
    const cached = this.clients.get(i)
    if (cached) {
      const c = await cached.catch(() => undefined)
      if (c && !c.closed) return c
    }
    const p = AdminClient.connect(this.agent(i).socket, { timeoutMs: 15_000 })
    this.clients.set(i, p)
    return p
  }

  /** Wait until host i's agent answers `info` on its admin socket (cheaper than polling with the CLI). */
  async ready(i: number, timeoutMs = 30_000): Promise<InfoResult> {
    const agent = this.agent(i)
    const deadline = Date.now() + timeoutMs
    let last = ''
    for (;;) {
      if (!agent.running) throw new Error(`agent h${i} exited ${agent.exitCode}:\n${agent.logs.slice(-3000)}`)
      try {
        return await this.info(i)
      } catch (err) {
        this.clients.delete(i)
        last = err instanceof Error ? err.message : String(err)
      }
      if (Date.now() > deadline)
        throw new Error(`agent h${i} did not answer within ${timeoutMs} ms (${last})`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  async call<T = unknown>(i: number, method: string, params: unknown = {}): Promise<T> {
    return (await this.client(i)).call<T>(method, params)
  }

  info(i: number): Promise<InfoResult> {
    return this.call<InfoResult>(i, 'info', {})
  }

  async members(i: number): Promise<MemberView[]> {
    return (await this.call<{ members: MemberView[] }>(i, 'members', {})).members
  }

  /** Status of every other member as host i sees it, by member name ('h3' -> 'suspect'). */
  async view(i: number): Promise<Record<string, string>> {
    return Object.fromEntries((await this.members(i)).map((m) => [m.name, m.status]))
  }

  /** True when each of `hosts` lists exactly `hosts.length` alive members (itself included). */
  async allAlive(hosts = this.indexes): Promise<boolean> {
    const infos = await Promise.all(hosts.map((i) => this.info(i)))
    return infos.every((x) => x.members.alive === hosts.length)
  }

  /** The common digest of `hosts`, or undefined while they differ. */
  async sameDigest(hosts = this.indexes): Promise<string | undefined> {
    const ds = await Promise.all(hosts.map(async (i) => (await this.info(i)).state?.digest))
    return ds.every((d) => d !== undefined && d === ds[0]) ? ds[0] : undefined
  }

  /** Poll until `hosts` share one digest (and, if `alive`, all list each other alive). */
  async waitConverged({
    hosts = this.indexes,
    timeoutMs = 60_000,
    alive = true,
    intervalMs = 200,
  } = {}): Promise<Converged> {
    const t0 = Date.now()
    const deadline = t0 + timeoutMs
    let last = ''
    let digestMs = -1
    let aliveMs = -1
    for (;;) {
      try {
        const infos = await Promise.all(hosts.map((i) => this.info(i)))
        const ds = infos.map((x) => x.state?.digest)
        const okAlive = infos.every((x) => x.members.alive === hosts.length)
        const okDigest = ds.every((d) => d !== undefined && d === ds[0])
        if (okAlive && aliveMs < 0) aliveMs = Date.now() - t0
        if (okDigest && digestMs < 0) digestMs = Date.now() - t0
        if ((okAlive || !alive) && okDigest) return { digest: ds[0]!, ms: Date.now() - t0, digestMs, aliveMs }
        last = infos
          .map(
            (x, k) =>
              `h${hosts[k]}: alive ${x.members.alive} suspect ${x.members.suspect} dead ${x.members.dead} keys ${x.state?.keys} digest ${x.state?.digest.slice(0, 8)}`,
          )
          .join('; ')
      } catch (err) {
        last = err instanceof Error ? err.message : String(err)
      }
      if (Date.now() > deadline)
        throw new Error(`no convergence of hosts ${hosts} within ${timeoutMs} ms: ${last}`)
      await new Promise((r) => setTimeout(r, intervalMs))
    }
  }

  /** The last `lines` lines of every agent's log, with a header each. */
  logTails(lines = 40): string {
    return [...this.agents]
      .map(
        ([i, a]) =>
          `--- h${i} (${a.opts.name}) last ${lines} log lines ---\n${a.logs.trimEnd().split('\n').slice(-lines).join('\n')}`,
      )
      .join('\n')
  }

  /** Close admin connections and stop every agent (SIGTERM, then SIGKILL). Idempotent.
   * With LAB_LOG_DIR set, each agent's full log is kept there as hN.log. */
  async dispose(): Promise<void> {
    const logDir = process.env.LAB_LOG_DIR
    const clients = [...this.clients.values()]
    this.clients.clear()
    await Promise.all(clients.map(async (p) => (await p.catch(() => undefined))?.close()))
    await Promise.all([...this.agents.values()].map((a) => a.dispose().catch(() => {})))
    if (logDir) {
      mkdirSync(logDir, { recursive: true })
      for (const [i, a] of this.agents) writeFileSync(join(logDir, `${this.lab.name}-h${i}.log`), a.logs)
    }
  }
}

/** Run `tasks` with at most `limit` in flight; results in order. */
export async function bounded<T>(limit: number, tasks: Array<() => Promise<T>>): Promise<T[]> {
  const out = new Array<T>(tasks.length)
  let next = 0
  const worker = async () => {
    for (;;) {
      const k = next++
      if (k >= tasks.length) return
      out[k] = await tasks[k]!()
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker))
  return out
}
