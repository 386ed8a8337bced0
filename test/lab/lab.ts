import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process'
import {
  type Availability,
  belongs,
  checkName,
  destroyLab,
  destroyLabSync,
  listNetns,
  noIpv6,
  nsPids,
  probe,
} from './netns.js'
import { Processes } from './procs.js'
import { ipBatch, type RunOptions, run } from './run.js'
import { blockTcp, describeShaping, type NetemOptions, type ShapingKind, shape, unshape } from './shaping.js'

export type { Availability } from './netns.js'
export type { NetemOptions, ShapingKind } from './shaping.js'

/**
 * N virtual hosts on one machine. Each host is a netns `${name}-hI` with `eth0` = 10.231.0.(10+I)/24,
 * wired by a veth to port `vI` of bridge `br0`, which lives in its own netns `${name}-br` so that
 * nothing of the lab ever appears in the root namespace. No default routes: nothing can leave the lab.
 */

export const SUBNET = '10.231.0'
export const MAX_HOSTS = 240

export interface LabHost {
  index: number
  ns: string
  ip: string
}

export interface LabOptions {
  name?: string
  hosts: number
}

export interface HostStatus extends LabHost {
  /** eth0 as the host sees it; 'no-carrier' when cut */
  link: 'up' | 'down' | 'no-carrier' | 'missing'
  /** bridge the host's port is on (br0 normally, br1.. when partitioned), and whether the port is up */
  bridge: string | null
  portUp: boolean
  shaping: string
  pids: number
}

interface IpLink {
  ifname: string
  flags?: string[]
  master?: string
}

const hostIp = (i: number) => `${SUBNET}.${10 + i}`

/** eth0 of a host from nothing to usable: address, link up, multicast route. */
function netUpCommands(h: LabHost): string[] {
  return [
    `addr add ${h.ip}/24 dev eth0`,
    'link set dev eth0 multicast on',
    'link set dev eth0 up',
    // Without a route for 224/4 (there is no default route) multicast sends fail with ENETUNREACH
    'route add 224.0.0.0/4 dev eth0',
  ]
}

function linkState(eth: IpLink | undefined): HostStatus['link'] {
  if (!eth) return 'missing'
  const flags = eth.flags ?? []
  if (flags.includes('NO-CARRIER')) return 'no-carrier'
  return flags.includes('UP') ? 'up' : 'down'
}

export class Lab {
  private readonly procs = new Processes()

  private constructor(
    readonly name: string,
    readonly hosts: LabHost[],
  ) {}

  get bridgeNs(): string {
    return `${this.name}-br`
  }

  /** Build a fresh lab, after removing leftovers of a previous lab with the same name. */
  static async create({ name = 'mlab', hosts }: LabOptions): Promise<Lab> {
    checkName(name)
    if (!Number.isInteger(hosts) || hosts < 1 || hosts > MAX_HOSTS) {
      throw new Error(`hosts must be an integer in 1..${MAX_HOSTS}, got ${hosts}`)
    }
    await Lab.destroy(name)
    const list = Array.from({ length: hosts }, (_, k) => ({
      index: k + 1,
      ns: `${name}-h${k + 1}`,
      ip: hostIp(k + 1),
    }))
    const lab = new Lab(name, list)
    try {
      await lab.build()
    } catch (err) {
      await Lab.destroy(name).catch(() => {})
      throw err
    }
    return lab
  }

  /** Re-open a lab created by another process (the CLI); state is the namespaces themselves. */
  static async attach(name = 'mlab'): Promise<Lab> {
    checkName(name)
    const nss = (await listNetns()).filter((ns) => belongs(name, ns))
    if (!nss.includes(`${name}-br`)) throw new Error(`no lab '${name}' (run: up N)`)
    const hosts = nss
      .filter((ns) => ns !== `${name}-br`)
      .map((ns) => Number(ns.slice(name.length + 2)))
      .sort((a, b) => a - b)
      .map((index) => ({ index, ns: `${name}-h${index}`, ip: hostIp(index) }))
    return new Lab(name, hosts)
  }

  /** Kill everything in the lab's namespaces and delete them. Returns how many were removed. */
  static destroy(name: string): Promise<number> {
    return destroyLab(name)
  }

  /** Best-effort synchronous destroy, for process 'exit' handlers. */
  static destroySync(name: string): void {
    destroyLabSync(name)
  }

  /** Can this machine run a lab? Actually creates (and deletes) a throwaway netns with a bridge and veth. */
  static available(): Promise<Availability> {
    return probe()
  }

  private async build(): Promise<void> {
    const br = this.bridgeNs
    await run('ip', ['netns', 'add', br])
    await noIpv6(br)
    // mcast_snooping 0: flood multicast to every port, otherwise mDNS depends on IGMP state
    await ipBatch(br, [
      'link set dev lo up',
      'link add name br0 type bridge mcast_snooping 0',
      'link set dev br0 up',
    ])
    const ports: string[] = []
    for (const h of this.hosts) {
      await run('ip', ['netns', 'add', h.ns])
      await noIpv6(h.ns)
      // Created inside the bridge ns with the peer put straight into the host ns: never in the root ns
      ports.push(
        `link add name v${h.index} type veth peer name eth0 netns ${h.ns}`,
        `link set dev v${h.index} master br0`,
        `link set dev v${h.index} up`,
      )
    }
    await ipBatch(br, ports)
    for (const h of this.hosts) {
      await ipBatch(h.ns, ['link set dev lo up', ...netUpCommands(h)])
    }
  }

  /**
   * Take host i's network away as if it had not come up yet at boot: eth0 loses its address and goes
   * down (the kernel drops the 224/4 route with it). Loopback stays up.
   */
  async netDown(i: number): Promise<void> {
    await ipBatch(this.host(i).ns, ['addr flush dev eth0', 'link set dev eth0 down'])
  }

  /** Bring host i's network (back) up the way build() does: address, link up, multicast route. */
  async netUp(i: number): Promise<void> {
    await ipBatch(this.host(i).ns, netUpCommands(this.host(i)))
  }

  host(i: number): LabHost {
    const h = this.hosts.find((x) => x.index === i)
    if (!h) throw new Error(`no host ${i} in lab '${this.name}' (hosts: ${this.hosts.map((x) => x.index)})`)
    return h
  }

  /** Run a command inside host i and return its stdout (rejects with a CommandError). */
  exec(i: number, cmd: string, args: string[] = [], opts?: RunOptions): Promise<string> {
    return run('ip', ['netns', 'exec', this.host(i).ns, cmd, ...args], opts)
  }

  /** Start a long-running process inside host i. Its stdout/stderr are kept (last 64 KiB) for diagnostics. */
  spawn(i: number, cmd: string, args: string[] = [], opts: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.host(i).ns, cmd, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...opts,
      detached: true, // own process group, so kill() reaches its children too
    })
    this.procs.track(i, child)
    return child
  }

  /** Processes spawned on host i (or all), including exited ones. */
  processes(i?: number): ChildProcess[] {
    return this.procs.of(i)
  }

  /** A process's captured stderr, or every process's of host i (with a header each). */
  stderrOf(target: number | ChildProcess): string {
    return this.procs.output(target, 'stderr')
  }

  stdoutOf(target: number | ChildProcess): string {
    return this.procs.output(target, 'stdout')
  }

  /** Signal every live process spawned on host i (whole process group); returns how many. */
  kill(i: number, signal: NodeJS.Signals = 'SIGTERM'): number {
    return this.procs.kill(i, signal)
  }

  /** SIGTERM the processes of host i (or all), SIGKILL whatever is still alive after graceMs. */
  stop(i?: number, graceMs = 2000): Promise<void> {
    return this.procs.stop(i, graceMs)
  }

  /** Unplug host i: its bridge port goes down, so eth0 loses carrier. */
  async cut(i: number): Promise<void> {
    await run('ip', ['-n', this.bridgeNs, 'link', 'set', 'dev', `v${this.host(i).index}`, 'down'])
  }

  async restore(i: number): Promise<void> {
    await run('ip', ['-n', this.bridgeNs, 'link', 'set', 'dev', `v${this.host(i).index}`, 'up'])
  }

  /**
   * Real L2 split: group k>0 is moved to its own bridge brK, group 0 (and hosts not listed) stay on br0.
   * Absolute, not incremental: a new partition replaces the previous one.
   */
  async partition(...groups: number[][]): Promise<void> {
    if (groups.length < 2) throw new Error('partition needs at least two groups')
    const bridgeOf = new Map<number, string>()
    groups.forEach((g, k) => {
      for (const i of g) {
        this.host(i)
        if (bridgeOf.has(i)) throw new Error(`host ${i} is in more than one group`)
        bridgeOf.set(i, `br${k}`)
      }
    })
    const links: IpLink[] = JSON.parse(
      await run('ip', ['-j', '-n', this.bridgeNs, 'link', 'show', 'type', 'bridge']),
    )
    const have = new Set(links.map((l) => l.ifname))
    const create: string[] = []
    for (let k = 1; k < groups.length; k++) {
      if (have.has(`br${k}`)) continue
      create.push(`link add name br${k} type bridge mcast_snooping 0`, `link set dev br${k} up`)
    }
    if (create.length > 0) await ipBatch(this.bridgeNs, create)
    await this.enslave((i) => bridgeOf.get(i) ?? 'br0')
  }

  /** Undo partition(): every host back on br0. Cut hosts stay cut. */
  async heal(): Promise<void> {
    await this.enslave(() => 'br0')
  }

  private async enslave(bridgeOf: (i: number) => string): Promise<void> {
    await ipBatch(
      this.bridgeNs,
      this.hosts.map((h) => `link set dev v${h.index} master ${bridgeOf(h.index)}`),
    )
  }

  /**
   * Loss/delay on host i's eth0 egress (tc netem in the host ns). With bothWays, the bridge-side
   * port vI is shaped too (traffic towards the host), so loss applies per direction.
   * On kernels without netem, loss-only requests fall back to a BPF drop filter; delay throws.
   */
  async netem(i: number, opts: NetemOptions): Promise<ShapingKind> {
    const h = this.host(i)
    const kind = await shape(h.ns, 'eth0', opts)
    if (opts.bothWays) await shape(this.bridgeNs, `v${h.index}`, opts)
    else await unshape(this.bridgeNs, `v${h.index}`)
    return kind
  }

  /**
   * Drop all TCP leaving host i (BPF on eth0 egress; replaces any netem there): peers still see each other
   * by mDNS (UDP) but every dial to or from host i fails. clearNetem(i) lifts it.
   */
  async blockTcp(i: number): Promise<void> {
    await blockTcp(this.host(i).ns, 'eth0')
  }

  async clearNetem(i: number): Promise<void> {
    const h = this.host(i)
    await unshape(h.ns, 'eth0')
    await unshape(this.bridgeNs, `v${h.index}`)
  }

  async status(): Promise<HostStatus[]> {
    const ports: IpLink[] = JSON.parse(await run('ip', ['-j', '-n', this.bridgeNs, 'link', 'show']))
    return Promise.all(
      this.hosts.map(async (h): Promise<HostStatus> => {
        const port = ports.find((p) => p.ifname === `v${h.index}`)
        const eth: IpLink | undefined = JSON.parse(
          (await run('ip', ['-j', '-n', h.ns, 'link', 'show', 'dev', 'eth0']).catch(() => '')) || '[]',
        )[0]
        return {
          ...h,
          link: linkState(eth),
          bridge: port?.master ?? null,
          portUp: port?.flags?.includes('UP') ?? false,
          shaping: await describeShaping(h.ns, 'eth0'),
          pids: (await nsPids(h.ns)).length,
        }
      }),
    )
  }

  /** Stop every spawned process, then delete all namespaces and check none is left. Idempotent. */
  async teardown(): Promise<void> {
    await this.stop(undefined, 1000)
    await Lab.destroy(this.name)
  }
}
