// The parent side of the baseline peers: each is a separate Node process (like a murmur agent)
// driven over its IPC channel. Every peer started here is in one registry, so that any exit path
// (done, error, SIGINT) can stop them all with stopAllPeers().
import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { AGENT_NODE_FLAGS } from '../src/daemon/node-flags.js'
import { now } from './util.js'

interface Reply {
  id: number
  ok: boolean
  result?: unknown
  error?: string
}
interface EventMsg {
  event: string
  [k: string]: unknown
}

type Listener = (data: EventMsg, at: number) => void

const live = new Set<PeerProc>()

export class PeerProc {
  readonly proc: ChildProcess
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  private readonly listeners = new Map<string, Set<Listener>>()
  private stderr = ''
  private exited = false
  private readonly exit: Promise<void>

  /** Starts `script` (a .js file beside this one in dist/bench) with `args`. */
  constructor(
    readonly name: string,
    script: string,
    args: string[] = [],
  ) {
    const file = fileURLToPath(new URL(script, import.meta.url))
    this.proc = fork(file, args, {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execArgv: [...AGENT_NODE_FLAGS],
      // Libraries that read DEBUG would log every message; the figures must not pay for that.
      env: { ...process.env, DEBUG: '' },
    })
    live.add(this)
    this.proc.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString()
      if (this.stderr.length > 100_000) this.stderr = this.stderr.slice(-50_000)
    })
    this.proc.on('message', (m: Reply | EventMsg) => {
      const at = now()
      if ('event' in m) {
        for (const l of this.listeners.get(m.event) ?? []) l(m, at)
        return
      }
      const p = this.pending.get(m.id)
      if (p === undefined) return
      this.pending.delete(m.id)
      if (m.ok) p.resolve(m.result)
      else p.reject(new Error(`${this.name} ${m.error ?? 'failed'}`))
    })
    this.exit = new Promise((r) =>
      this.proc.on('exit', (code, sig) => {
        this.exited = true
        live.delete(this)
        const err = new Error(`${this.name} exited (${code ?? sig}) ${this.stderrTail()}`)
        for (const p of this.pending.values()) p.reject(err)
        this.pending.clear()
        r()
      }),
    )
  }

  stderrTail(n = 2000): string {
    return this.stderr.slice(-n)
  }

  on(event: string, l: Listener): () => void {
    let s = this.listeners.get(event)
    if (s === undefined) {
      s = new Set()
      this.listeners.set(event, s)
    }
    s.add(l)
    return () => s.delete(l)
  }

  /** Resolves with the next `event` (its data and arrival time), rejects after `timeoutMs` or on exit. */
  once(event: string, timeoutMs: number): Promise<{ data: EventMsg; at: number }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off()
        reject(new Error(`${this.name}: no '${event}' within ${timeoutMs} ms ${this.stderrTail(500)}`))
      }, timeoutMs)
      const off = this.on(event, (data, at) => {
        clearTimeout(timer)
        off()
        resolve({ data, at })
      })
      void this.exit.then(() => {
        clearTimeout(timer)
        off()
        reject(new Error(`${this.name} exited before '${event}' ${this.stderrTail()}`))
      })
    })
  }

  call<T>(cmd: string, args: unknown = {}, timeoutMs = 60_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.name} is not running ${this.stderrTail()}`))
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`${this.name}: '${cmd}' took over ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer)
          resolve(v as T)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        },
      })
      this.proc.send({ id, cmd, args })
    })
  }

  /** Asks the peer to stop, then SIGKILLs it if it is still there after `graceMs`. Safe to call twice. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.exited) return
    this.call('stop', {}, graceMs).catch(() => {})
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs)
    await this.exit
    clearTimeout(timer)
  }
}

/** Starts a peer and waits for its `ready` event; the event's data is returned with it. */
export async function startPeer<Ready>(
  name: string,
  script: string,
  args: string[] = [],
  timeoutMs = 30_000,
): Promise<{ peer: PeerProc; ready: Ready }> {
  const peer = new PeerProc(name, script, args)
  try {
    const { data } = await peer.once('ready', timeoutMs)
    return { peer, ready: data as unknown as Ready }
  } catch (err) {
    await peer.stop()
    throw err
  }
}

/** Stops every baseline peer still running. Safe to call twice. */
export async function stopAllPeers(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()))
}

/** Kills every baseline peer at once (for a synchronous exit path). */
export function killAllPeers(): void {
  for (const p of live) p.proc.kill('SIGKILL')
}
