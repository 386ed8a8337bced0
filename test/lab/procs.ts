import type { ChildProcess } from 'node:child_process'
import { Ring } from './ring.js'

interface Tracked {
  host: number
  child: ChildProcess
  stdout: Ring
  stderr: Ring
}

const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null

function signalGroup(c: ChildProcess, signal: NodeJS.Signals): void {
  if (exited(c) || c.pid === undefined) return
  try {
    process.kill(-c.pid, signal) // spawned detached: the group includes anything it forked
  } catch {
    c.kill(signal)
  }
}

function waitExit(c: ChildProcess, ms: number): Promise<boolean> {
  if (exited(c)) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    c.once('exit', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

/** Processes the lab started, per host, with the tail of their output kept for failure reports. */
export class Processes {
  private readonly list: Tracked[] = []

  track(host: number, child: ChildProcess): void {
    const t: Tracked = { host, child, stdout: new Ring(), stderr: new Ring() }
    // Always drained, so an unread pipe can never block the daemon
    child.stdout?.on('data', (d: Buffer) => t.stdout.push(d))
    child.stderr?.on('data', (d: Buffer) => t.stderr.push(d))
    child.on('error', (err) => t.stderr.push(`[lab] spawn error: ${err.message}\n`))
    this.list.push(t)
  }

  of(host?: number): ChildProcess[] {
    return this.list.filter((p) => host === undefined || p.host === host).map((p) => p.child)
  }

  /** One process's output, or all of a host's with a header per process. */
  output(target: number | ChildProcess, which: 'stdout' | 'stderr'): string {
    if (typeof target !== 'number') return this.list.find((p) => p.child === target)?.[which].text() ?? ''
    return this.list
      .filter((p) => p.host === target)
      .map(
        (p) =>
          `--- h${p.host} pid ${p.child.pid} (${p.child.spawnargs.slice(4).join(' ')})\n${p[which].text()}`,
      )
      .join('')
  }

  kill(host: number, signal: NodeJS.Signals): number {
    const live = this.list.filter((p) => p.host === host && !exited(p.child))
    for (const p of live) signalGroup(p.child, signal)
    return live.length
  }

  async stop(host: number | undefined, graceMs: number): Promise<void> {
    const sel = this.list.filter((p) => host === undefined || p.host === host)
    await Promise.all(
      sel.map(async ({ child }) => {
        signalGroup(child, 'SIGTERM')
        if (await waitExit(child, graceMs)) return
        signalGroup(child, 'SIGKILL')
        await waitExit(child, 2000)
      }),
    )
  }
}
