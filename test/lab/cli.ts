import { type ChildProcess, spawn } from 'node:child_process'
import { AGENTS_DIR, labSummary, startLabAgents } from './daemons.js'
import { Lab } from './lab.js'
import { NatLab } from './nat-lab.js'
import { canReach } from './probe.js'
import { errorText } from './run.js'

// Fixed name: every invocation acts on the same lab; the namespaces are the only state
const NAME = 'mlab'

const USAGE = `usage: lab <command>
  up N                       create N hosts (h1=10.231.0.11 ...) on one bridge
  down                       kill everything in the lab and remove it
  status                     one line per host
  exec I -- cmd [args...]    run a command inside host I
  cut I | restore I          unplug / replug host I from the LAN
  partition 1,2 3,4 [...]    split the LAN into groups (unlisted hosts join the first)
  heal                       one LAN again
  netem I [--loss P] [--delay MS] [--jitter MS] [--both]
                             shape host I's egress (--both: towards it too)
  clear I                    remove shaping on host I
  reach I J                  can host I reach host J (TCP)
  agents [--no-mdns] [--fresh]
                             start a murmur agent in each host (data ${AGENTS_DIR}/hN, mDNS on; needs
                             npm run build); --fresh wipes the data dirs first; 'down' stops them
  summary                    members and state digest as each host's agent sees them
  nat up [HOMES] | nat down  a small internet: 2 public hosts (10.231.0.11, .12) and HOMES homes
                             (default 2), each at 192.168.1.10 behind its own NAT router (nftables
                             masquerade; needs nft). Run agents with ip netns exec NS (printed)`

// What to undo if we die mid-command: a half-built lab, or a child left running
let onAbort: (() => void) | undefined
// While `exec` runs, Ctrl-C belongs to the child (the terminal delivers it there too)
let execChild: ChildProcess | undefined
process.on('exit', () => onAbort?.())
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (sig === 'SIGINT' && execChild) return
    onAbort?.()
    process.exit(130)
  })
}

function int(s: string | undefined, what: string): number {
  if (s === undefined || !/^\d+$/.test(s)) throw new Error(`expected ${what}, got '${s ?? ''}'\n${USAGE}`)
  return Number(s)
}

function flag(args: string[], name: string): number | undefined {
  const k = args.indexOf(name)
  return k < 0 ? undefined : int(args[k + 1], `a number after ${name}`)
}

async function up(n: number): Promise<void> {
  onAbort = () => Lab.destroySync(NAME)
  const lab = await Lab.create({ name: NAME, hosts: n })
  onAbort = undefined
  console.log(`${NAME}: ${n} hosts on br0 (bridge in netns ${lab.bridgeNs})`)
  for (const h of lab.hosts) console.log(`  h${h.index}  ${h.ns}  ${h.ip}`)
}

async function status(): Promise<void> {
  const lab = await Lab.attach(NAME)
  const rows = await lab.status()
  console.log(`${NAME}: ${rows.length} hosts`)
  for (const s of rows) {
    const port = `${s.bridge ?? 'no bridge'}${s.portUp ? '' : ' (cut)'}`
    console.log(
      `  h${s.index}  ${s.ip.padEnd(12)} eth0 ${s.link.padEnd(10)} port ${port.padEnd(12)} ${s.shaping}  procs ${s.pids}`,
    )
  }
}

function exec(i: number, argv: string[]): Promise<void> {
  return Lab.attach(NAME).then((lab) => {
    const [cmd, ...rest] = argv
    if (!cmd) throw new Error(`exec needs a command after --\n${USAGE}`)
    const child = spawn('ip', ['netns', 'exec', lab.host(i).ns, cmd, ...rest], { stdio: 'inherit' })
    execChild = child
    onAbort = () => child.kill('SIGKILL')
    return new Promise((resolve, reject) => {
      child.on('error', reject)
      child.on('exit', (code, signal) => {
        onAbort = undefined
        execChild = undefined
        process.exitCode = code ?? (signal ? 128 : 1)
        resolve()
      })
    })
  })
}

const NAT_NAME = 'mnat'

async function natCommand(args: string[]): Promise<void> {
  if (args[0] === 'down') {
    await NatLab.destroy(NAT_NAME)
    console.log(`${NAT_NAME}: removed`)
    return
  }
  if (args[0] !== 'up') throw new Error(`expected nat up or nat down\n${USAGE}`)
  if (!(await NatLab.nftAvailable())) throw new Error('nft not found (apt-get install nftables)')
  onAbort = () => NatLab.destroySync(NAT_NAME)
  const lab = await NatLab.create(NAT_NAME, 2, args[1] === undefined ? 2 : int(args[1], 'a home count'))
  onAbort = undefined
  for (const p of lab.publics) console.log(`  public  ${p.ns}  ${p.ip}`)
  for (const h of lab.homes)
    console.log(`  home    ${h.ns}  ${h.ip} behind router ${h.router.ns} (${h.router.ip})`)
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...args] = argv
  switch (cmd) {
    case 'up':
      return up(int(args[0], 'a host count'))
    case 'down':
      console.log(`${NAME}: removed ${await Lab.destroy(NAME)} namespaces`)
      return
    case 'status':
      return status()
    case 'exec': {
      const dash = args.indexOf('--')
      return exec(int(args[0], 'a host index'), dash < 0 ? args.slice(1) : args.slice(dash + 1))
    }
    case 'cut':
    case 'restore': {
      const i = int(args[0], 'a host index')
      const lab = await Lab.attach(NAME)
      await (cmd === 'cut' ? lab.cut(i) : lab.restore(i))
      console.log(`h${i} ${cmd === 'cut' ? 'cut off the LAN' : 'back on the LAN'}`)
      return
    }
    case 'partition': {
      const groups = args.map((g) => g.split(',').map((s) => int(s, 'a host index')))
      await (await Lab.attach(NAME)).partition(...groups)
      console.log(`partitioned: ${groups.map((g) => `{${g.join(',')}}`).join(' | ')}`)
      return
    }
    case 'heal':
      await (await Lab.attach(NAME)).heal()
      console.log('healed: all hosts on br0')
      return
    case 'netem': {
      const i = int(args[0], 'a host index')
      const opts = {
        lossPct: flag(args, '--loss'),
        delayMs: flag(args, '--delay'),
        jitterMs: flag(args, '--jitter'),
        bothWays: args.includes('--both'),
      }
      const kind = await (await Lab.attach(NAME)).netem(i, opts)
      console.log(`h${i}: ${kind}${opts.bothWays ? ' (both directions)' : ' (egress only)'}`)
      return
    }
    case 'clear':
      await (await Lab.attach(NAME)).clearNetem(int(args[0], 'a host index'))
      console.log(`h${args[0]}: shaping cleared`)
      return
    case 'reach': {
      const [i, j] = [int(args[0], 'a host index'), int(args[1], 'a host index')]
      const ok = await canReach(await Lab.attach(NAME), i, j)
      console.log(`h${i} -> h${j}: ${ok ? 'reachable' : 'unreachable'}`)
      process.exitCode = ok ? 0 : 1
      return
    }
    case 'agents': {
      const lines = await startLabAgents(await Lab.attach(NAME), {
        mdns: !args.includes('--no-mdns'),
        fresh: args.includes('--fresh'),
      })
      for (const l of lines) console.log(l)
      return
    }
    case 'nat':
      return natCommand(args)
    case 'summary': {
      const lines = await labSummary(await Lab.attach(NAME))
      for (const l of lines) console.log(l)
      process.exitCode = lines.some((l) => l.includes('no agent')) ? 1 : 0
      return
    }
    default:
      console.log(USAGE)
      process.exitCode = cmd === undefined || cmd === 'help' || cmd === '--help' ? 0 : 2
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(`lab: ${errorText(err)}`)
  process.exitCode = 1
})
