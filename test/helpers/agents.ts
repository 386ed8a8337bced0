// Starts real murmur agents as separate processes and drives them through the CLI.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { AdminClient } from '../../src/admin/client.js'
import { DEFAULT_CONFIG_PATH, readConfigFile } from '../../src/config/load.js'
import { AGENT_NODE_FLAGS } from '../../src/daemon/node-flags.js'
import { waitFor } from './wait.js'

/** Extra node flags for every agent, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile a bench. */
const EXTRA_FLAGS = (process.env.MURMUR_AGENT_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '')

export const BIN = resolve(
  import.meta.dirname ?? new URL('.', import.meta.url).pathname,
  '../../../bin/murmur',
)

/** Tiny timers so failure detection and sync happen in test time (like Serf's test config). */
export const FAST_CONFIG = {
  membership: {
    probeIntervalMs: 400,
    probeTimeoutMs: 200,
    indirectChecks: 3,
    gossipIntervalMs: 50,
    gossipFanout: 3,
    suspicionMult: 4,
    pushPullIntervalMs: 2000,
    reapAfterMs: 60_000,
  },
  sync: { intervalMs: 500 },
  reconnectIntervalMs: 300,
  mdns: { enabled: false, intervalMs: 1000 },
}

/**
 * The swarm key test agents share unless a test says otherwise, as a user copies one key to every
 * machine of a mesh (agents are private by default and would each make their own).
 */
export const TEST_SWARM_KEY = `/key/swarm/psk/1.0.0/\n/base16/\n${'6d75726d7572'.repeat(5)}7465\n`

/** A file holding TEST_SWARM_KEY, for peers that are not TestAgents (foreign libp2p nodes). */
export function testSwarmKeyFile(): string {
  const file = join(tmpdir(), `murmur-test-swarm-${process.pid}.key`)
  if (!existsSync(file)) writeFileSync(file, TEST_SWARM_KEY, { mode: 0o600 })
  return file
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  prefix: string[] = [],
  input?: string,
): Promise<CliResult> {
  const [cmd, ...argv] = [...prefix, process.execPath, BIN, ...args]
  return new Promise((res) => {
    const child = execFile(
      cmd ?? process.execPath,
      argv,
      { env: { ...process.env, MURMUR_SOCKET: '', ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
        res({ code, stdout, stderr })
      },
    )
    if (input !== undefined) child.stdin?.end(input)
  })
}

export interface AgentOptions {
  name: string
  dataDir?: string
  config?: Record<string, unknown>
  args?: string[]
  /** Run under a command prefix, e.g. ['ip', 'netns', 'exec', 'ns1']. */
  prefix?: string[]
  /** 'shared' (default): TEST_SWARM_KEY is put in the data dir; 'own': the agent makes its own at start. */
  swarmKey?: 'shared' | 'own'
}

export class TestAgent {
  proc?: ChildProcess
  logs = ''
  readonly dataDir: string
  readonly configPath: string
  exitCode: number | null = null
  private exited?: Promise<number | null>

  constructor(readonly opts: AgentOptions) {
    this.dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), `murmur-${opts.name}-`))
    this.configPath = join(this.dataDir, '..', `${opts.name}-${process.pid}-${Date.now()}.json`)
    writeFileSync(this.configPath, JSON.stringify({ ...FAST_CONFIG, ...opts.config }))
    const keyFile = join(this.dataDir, 'swarm.key')
    if ((opts.swarmKey ?? 'shared') === 'shared' && !existsSync(keyFile)) {
      writeFileSync(keyFile, TEST_SWARM_KEY, { mode: 0o600 })
    }
  }

  get socket(): string {
    return join(this.dataDir, 'murmur.sock')
  }

  start(extraArgs: string[] = []): this {
    const args = [
      BIN,
      'agent',
      '--config',
      this.configPath,
      '--data-dir',
      this.dataDir,
      '--name',
      this.opts.name,
      '--log-level',
      'debug',
      ...(this.opts.args ?? ['--listen', '/ip4/127.0.0.1/tcp/0']),
      ...extraArgs,
    ]
    const [cmd, ...argv] = [
      ...(this.opts.prefix ?? []),
      process.execPath,
      ...AGENT_NODE_FLAGS,
      ...EXTRA_FLAGS,
      ...args,
    ]
    this.proc = spawn(cmd ?? process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
    this.exitCode = null
    const proc = this.proc
    proc.stdout?.on('data', (d: Buffer) => this.append(d))
    proc.stderr?.on('data', (d: Buffer) => this.append(d))
    this.exited = new Promise((r) =>
      proc.on('exit', (code, sig) => {
        this.exitCode = code ?? (sig ? 128 : null)
        r(this.exitCode)
      }),
    )
    return this
  }

  private append(d: Buffer): void {
    this.logs += d.toString()
    if (this.logs.length > 400_000) this.logs = this.logs.slice(-200_000)
  }

  get running(): boolean {
    return this.proc !== undefined && this.exitCode === null && this.proc.exitCode === null
  }

  /** Runs `murmur --socket SOCKET ...args`, with `input` on its stdin if given. */
  cli(args: string[], input?: string): Promise<CliResult> {
    return runCli(['--socket', this.socket, ...args], {}, this.opts.prefix, input)
  }

  async json<T>(args: string[]): Promise<T> {
    const r = await this.cli([...args, '--json'])
    if (r.code !== 0) throw new Error(`murmur ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
    return JSON.parse(r.stdout) as T
  }

  /**
   * `info` over the admin socket, without a CLI process: for polling loops, where a process per
   * agent per poll would cost more CPU than the agents under test (the CLI has its own tests).
   */
  async info(): Promise<Info> {
    const c = await AdminClient.connect(this.socket)
    try {
      return await c.call<Info>('info', {})
    } finally {
      c.close()
    }
  }

  async ready(timeoutMs = 20_000): Promise<Info> {
    return waitFor(
      async () => {
        if (!this.running)
          throw new Error(`agent ${this.opts.name} exited ${this.exitCode}:\n${this.logs.slice(-3000)}`)
        return this.info().catch(() => undefined)
      },
      { timeoutMs, what: `agent ${this.opts.name} to answer` },
    )
  }

  async waitExit(timeoutMs = 15_000): Promise<number | null> {
    if (!this.proc || !this.exited) return this.exitCode
    return Promise.race([
      this.exited,
      new Promise<never>((_, rej) =>
        setTimeout(() => rej(new Error(`agent ${this.opts.name} did not exit`)), timeoutMs).unref(),
      ),
    ])
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.running) this.proc?.kill(signal)
  }

  /** Stops the process (SIGKILL if it lingers) and removes its files unless `keep`. */
  async dispose(keep = false): Promise<void> {
    if (this.running) {
      this.kill('SIGTERM')
      try {
        await this.waitExit(5000)
      } catch {
        this.kill('SIGKILL')
        await this.waitExit(5000).catch(() => {})
      }
    }
    if (!keep) {
      rmSync(this.dataDir, { recursive: true, force: true })
      rmSync(this.configPath, { force: true })
    }
  }
}

export interface Info {
  peerId: string
  name: string
  addresses: string[]
  members: Record<string, number>
  mesh: { private: boolean; swarmKeyFile: string | null }
  state?: { keys: number; digest: string; tombstones?: number; origins?: { active: number; retired: number } }
  membership?: { connections: number; packetsReceived?: number }
  nat?: { reachability: string; reservations: string[]; relay: { serving: boolean; clients: string[] } }
  join?: { retrying: boolean; addrs: string[]; failures: number; lastError: string | null }
}

/** The agent's `nat` info: reachability, relays it holds reservations on, whom it relays for. */
export const natOf = async (agent: TestAgent): Promise<NonNullable<Info['nat']>> => (await agent.info()).nat!

/** Config for a relay test: the rest of `nat` (two reservations, no relay limits) is the default's. */
export const natConfig = (reachability: string, serve = 'auto', autonat = false) => ({
  nat: { reachability, autonat, relay: { serve } },
})

/** Whether `agent` logged a completed sync session with `peer` (it logs at debug in tests). */
export const syncedWith = (agent: TestAgent, peer: string): boolean =>
  agent.logs.split('\n').some((l) => l.includes('"synced"') && l.includes(`"peer":"${peer}"`))

/** The agent's 127.0.0.1 address (tests listen on loopback). */
export const loopbackAddr = (info: Info): string => info.addresses.find((a) => a.includes('127.0.0.1'))!

/** Resident memory of a running agent's process, MiB. */
export function rssMiB(agent: TestAgent): number {
  const status = readFileSync(`/proc/${agent.proc!.pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024
}

export interface MemberRow {
  id: string
  name: string
  status: string
  tags: Record<string, string>
  incarnation: number
  addrs: string[]
  addr: string | null
  connection: string
  self: boolean
  coordinate?: { vec: number[]; height: number; error: number; adjustment: number } | null
  rttMs?: number | null
}

/** Stops and removes agents after a test, printing their recent logs first if it failed. */
export async function disposeAgents(agents: TestAgent[], failed: boolean): Promise<void> {
  if (failed) for (const a of agents) console.log(`--- logs of ${a.opts.name} ---\n${a.logs.slice(-4000)}`)
  await Promise.all(agents.map((a) => a.dispose()))
}

/** The default timers and sync of config/default.json (not the tests' tiny ones), mDNS off: for benches and lab fleets. */
export function defaultTimersConfig(): Record<string, unknown> {
  const d = readConfigFile(DEFAULT_CONFIG_PATH) as Record<string, unknown> & { mdns: { intervalMs: number } }
  return {
    membership: d.membership,
    sync: d.sync,
    reconnectIntervalMs: d.reconnectIntervalMs,
    mdns: { enabled: false, intervalMs: d.mdns.intervalMs },
  }
}

/** A loopback TCP port free a moment ago (for a listener the agent opens itself). */
export async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as { port: number }).port
  await new Promise((r) => s.close(r))
  return port
}
