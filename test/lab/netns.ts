import { execFileSync } from 'node:child_process'
import { CommandError, errorText, ipBatch, run } from './run.js'

export type Availability = { ok: true } | { ok: false; why: string }

// No dashes, so `${name}-…` entries can never belong to another lab
const NAME_RE = /^[a-z][a-z0-9]{0,23}$/

export function checkName(name: string): void {
  if (!NAME_RE.test(name)) throw new Error(`lab name must match ${NAME_RE}, got '${name}'`)
}

/** Lab namespaces of `name`: `${name}-br` and `${name}-hI`. */
export function belongs(name: string, ns: string): boolean {
  return ns === `${name}-br` || new RegExp(`^${name}-h\\d+$`).test(ns)
}

const parseList = (out: string) => out.split('\n').flatMap((l) => l.trim().split(/\s+/, 1).filter(Boolean))

export async function listNetns(): Promise<string[]> {
  return parseList(await run('ip', ['netns', 'list']))
}

export async function nsPids(ns: string): Promise<number[]> {
  const out = await run('ip', ['netns', 'pids', ns]).catch(() => '')
  return out.split(/\s+/).filter(Boolean).map(Number)
}

function killPid(pid: number): void {
  if (pid === process.pid || pid === process.ppid) return
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

/** ipv6 would give every interface an fe80:: address; the lab is IPv4 10.231.0.0/24 only. */
export async function noIpv6(ns: string): Promise<void> {
  const keys = ['net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']
  await run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', ...keys]).catch(() => {}) // no ipv6 in kernel: fine
}

/** Kill everything in the lab's namespaces and delete them. Returns how many were removed. */
export async function destroyLab(name: string): Promise<number> {
  checkName(name)
  const nss = (await listNetns()).filter((ns) => belongs(name, ns))
  for (const ns of nss) for (const pid of await nsPids(ns)) killPid(pid)
  for (const ns of nss) {
    await run('ip', ['netns', 'del', ns]).catch((err) => {
      if (!/No such file/.test(errorText(err))) throw err
    })
  }
  const left = (await listNetns()).filter((ns) => belongs(name, ns))
  if (left.length > 0) throw new Error(`lab '${name}': namespaces left after teardown: ${left.join(' ')}`)
  return nss.length
}

/** Best-effort synchronous destroyLab, for process 'exit' handlers where async work can't run. */
export function destroyLabSync(name: string): void {
  checkName(name)
  const ip = (args: string[]) => {
    try {
      return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    } catch {
      return ''
    }
  }
  for (const ns of parseList(ip(['netns', 'list'])).filter((n) => belongs(name, n))) {
    for (const pid of ip(['netns', 'pids', ns]).split(/\s+/).filter(Boolean)) killPid(Number(pid))
    ip(['netns', 'del', ns])
  }
}

/** Actually create (and delete) a throwaway netns with a bridge and a veth: the only reliable check. */
export async function probe(): Promise<Availability> {
  if (process.platform !== 'linux') return { ok: false, why: `not linux (${process.platform})` }
  if (process.getuid?.() !== 0) return { ok: false, why: 'not root' }
  try {
    await run('ip', ['-V'])
  } catch (err) {
    const notFound = err instanceof CommandError && err.notFound
    return { ok: false, why: notFound ? 'ip not found (install iproute2)' : errorText(err) }
  }
  const ns = `mlabprobe${process.pid}`
  try {
    await run('ip', ['netns', 'add', ns])
  } catch (err) {
    return { ok: false, why: `cannot create a network namespace: ${errorText(err)}` }
  }
  try {
    await ipBatch(ns, [
      'link add name b0 type bridge',
      'link add name x0 type veth peer name x1',
      'link set dev x0 master b0',
    ])
    return { ok: true }
  } catch (err) {
    return { ok: false, why: `bridge/veth not supported: ${errorText(err)}` }
  } finally {
    await run('ip', ['netns', 'del', ns]).catch(() => {})
  }
}
