// The real agents a benchmark starts, each with one persistent admin connection, so that any exit
// path (done, error, SIGINT) can stop every one of them.
import { AdminClient } from '../src/admin/client.js'
import { TestAgent } from '../test/helpers/agents.js'
import { waitFor } from '../test/helpers/wait.js'

export interface BenchNode<Info> {
  agent: TestAgent
  client: AdminClient
  info: Info
}

export interface StartOptions {
  /** Config file contents (TestAgent's FAST_CONFIG is the base). */
  config?: Record<string, unknown>
  args?: string[]
  /** How long the agent may take to answer on its admin socket. */
  timeoutMs?: number
  intervalMs?: number
}

export class Fleet {
  private readonly live = new Set<TestAgent>()
  private readonly clients = new Set<AdminClient>()
  /** Extra admin connections per agent (the load generator's), closed with the agent's own. */
  private readonly extra = new Map<TestAgent, AdminClient[]>()

  /** Starts an agent and connects as soon as its socket answers (no CLI process per call). */
  async start<Info>(name: string, opts: StartOptions = {}): Promise<BenchNode<Info>> {
    const agent = new TestAgent({ name, config: opts.config })
    this.live.add(agent)
    agent.start(opts.args ?? [])
    const client = await waitFor(
      async () => {
        if (!agent.running)
          throw new Error(`agent ${name} exited ${agent.exitCode}:\n${agent.logs.slice(-2000)}`)
        try {
          return await AdminClient.connect(agent.socket, { timeoutMs: 30_000 })
        } catch {
          return undefined
        }
      },
      {
        timeoutMs: opts.timeoutMs ?? 60_000,
        intervalMs: opts.intervalMs ?? 50,
        what: `agent ${name} to accept admin connections`,
      },
    )
    this.clients.add(client)
    return { agent, client, info: await client.call<Info>('info', {}) }
  }

  /**
   * Opens `count` more admin connections to a running node's agent, e.g. for a load generator that
   * wants more calls in flight than one connection allows. They are closed by release, stop and
   * stopAll like the node's own connection.
   */
  async connect(node: BenchNode<unknown>, count: number): Promise<AdminClient[]> {
    const opened = await Promise.all(
      Array.from({ length: count }, () => AdminClient.connect(node.agent.socket, { timeoutMs: 30_000 })),
    )
    for (const c of opened) this.clients.add(c)
    this.extra.set(node.agent, [...(this.extra.get(node.agent) ?? []), ...opened])
    return opened
  }

  /** Closes a node's admin connections only (its agent is about to be killed). */
  release(node: BenchNode<unknown>): void {
    for (const c of [node.client, ...(this.extra.get(node.agent) ?? [])]) {
      c.close()
      this.clients.delete(c)
    }
    this.extra.delete(node.agent)
  }

  async stop(nodes: Array<BenchNode<unknown>>): Promise<void> {
    for (const n of nodes) this.release(n)
    await Promise.all(
      nodes.map(async (n) => {
        await n.agent.dispose().catch(() => {})
        this.live.delete(n.agent)
      }),
    )
  }

  /** Stops every agent still running and closes every admin connection. Safe to call twice. */
  async stopAll(): Promise<void> {
    for (const c of this.clients) c.close()
    this.clients.clear()
    this.extra.clear()
    const agents = [...this.live]
    this.live.clear()
    await Promise.all(agents.map((a) => a.dispose().catch(() => {})))
  }
}
