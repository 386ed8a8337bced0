// Baseline: OrbitDB 4 (@orbitdb/core on helia 6), peers as separate processes on 127.0.0.1
// (bench/orbitdb-peer.ts). A keyvalue database: K puts on peer A until peer B (connected to A before
// the puts) holds all K, then a late joiner C opens the database's address and catches up. The
// workload of murmur's bulk-write and late-joiner figures (bench/agents.ts); see docs/benchmarks.md.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type PeerProc, startPeer } from './peer-proc.js'
import { type Figure, fmtBytes, fmtMs, int, log, now, rssOf, sleep } from './util.js'

export interface OrbitdbBaselineOptions {
  /** One run per K: K puts on A; each run has fresh peers and a fresh database. */
  puts: number[]
  /** Puts in flight on A (OrbitDB queues them one at a time anyway; murmur's bench keeps 32). */
  inFlight: number
  /** Whether a late joiner C opens the database after the puts. */
  lateJoiner: boolean
  /** Longer than this until B (or C) holds all K is reported as "> T". */
  syncTimeoutMs: number
}

export const ORBITDB_DEFAULTS: OrbitdbBaselineOptions = {
  puts: [1000, 10_000],
  inFlight: 32,
  lateJoiner: true,
  syncTimeoutMs: 120_000,
}

/** Tiny sizes for the smoke test (test/integration/bench-smoke.spec.ts). */
export const ORBITDB_SMOKE: OrbitdbBaselineOptions = {
  puts: [20],
  inFlight: 4,
  lateJoiner: true,
  syncTimeoutMs: 15_000,
}

interface Ready {
  peerId: string
  addr: string
}

const SECTION = 'baseline: OrbitDB 4'

/**
 * @orbitdb/core 4 declares Node >= 22, and murmur needs only Node 20, so it is not in the default
 * install (helia and the rest of this baseline's packages are, they accept Node 20). Installed on
 * demand; the next plain `npm install` removes it again.
 */
export const ORBITDB_INSTALL = 'npm install --no-save @orbitdb/core@^4.0.0'

function orbitdbInstalled(): boolean {
  try {
    import.meta.resolve('@orbitdb/core')
    return true
  } catch {
    return false
  }
}

/** Data directories of peers not yet cleaned up, for removeOrbitdbDirs() on an early exit. */
const liveDirs = new Set<string>()

/** Removes every peer data directory still there (after the peers are stopped). Safe to call twice. */
export function removeOrbitdbDirs(): void {
  for (const d of liveDirs) rmSync(d, { recursive: true, force: true })
  liveDirs.clear()
}

/** What one run measured, for callers (the smoke test) that check it. */
export interface OrbitRunResult {
  puts: number
  /** ms from the first put until B held all K (Infinity if not within the timeout). */
  replicateMs: number
  putMs: number
  /** Keys B reads back afterwards (should be K). */
  keysOnB: number
  /** ms from C's open call until C held all K (undefined without a late joiner). */
  lateMs?: number
  keysOnC?: number
}

export interface OrbitdbBaselineResult {
  figures: Figure[]
  runs: OrbitRunResult[]
}

async function until(what: string, timeoutMs: number, ok: () => Promise<boolean>): Promise<void> {
  const deadline = now() + timeoutMs
  while (!(await ok())) {
    if (now() > deadline) throw new Error(`OrbitDB baseline: timed out waiting for ${what}`)
    await sleep(50)
  }
}

/** Resolves with the arrival time of `synced`, or Infinity after `timeoutMs`. */
const syncedAt = (p: PeerProc, timeoutMs: number): Promise<number> =>
  p.once('synced', timeoutMs).then(
    ({ at }) => at,
    () => Number.POSITIVE_INFINITY,
  )

async function oneRun(
  k: number,
  opts: OrbitdbBaselineOptions,
  figs: Figure[],
  peers: PeerProc[],
  dirs: string[],
): Promise<OrbitRunResult> {
  const start = (name: string) => {
    const dir = mkdtempSync(join(tmpdir(), `murmur-bench-orbitdb-${name}-`))
    dirs.push(dir)
    liveDirs.add(dir)
    return startPeer<Ready>(name, './orbitdb-peer.js', [name, dir], 60_000).then((s) => {
      peers.push(s.peer)
      return s
    })
  }
  log(`orbitdb baseline: K=${int(k)}, starting peers A and B`)
  const [a, b] = await Promise.all([start('orbit-a'), start('orbit-b')])
  await b.peer.call('dial', { addr: a.ready.addr })
  const address = await a.peer.call<string>('create', { dbName: `bench-kv-${k}` })
  const bSynced = syncedAt(b.peer, opts.syncTimeoutMs)
  await b.peer.call('open', { address, expect: k })
  await until('A and B to exchange heads', 30_000, async () => {
    const [pa, pb] = await Promise.all([a.peer.call<number>('peers'), b.peer.call<number>('peers')])
    return pa >= 1 && pb >= 1
  })

  log(`orbitdb baseline: ${int(k)} puts on A`)
  const t0 = now()
  const putMs = await a.peer.call<number>(
    'put',
    { count: k, prefix: 'bulk', inFlight: opts.inFlight },
    opts.syncTimeoutMs,
  )
  const replicateMs = (await bSynced) - t0
  const t1 = now()
  const keysOnB = await b.peer.call<number>('count', {}, opts.syncTimeoutMs)
  const readMs = now() - t1
  const ok = Number.isFinite(replicateMs)
  figs.push({
    section: SECTION,
    name: `OrbitDB: ${int(k)} puts on A -> all on B`,
    value: ok ? fmtMs(replicateMs) : `> ${fmtMs(opts.syncTimeoutMs)}`,
    detail:
      `${ok ? `${int(Math.round((k / replicateMs) * 1000))} writes/s; ` : ''}the puts alone took ${fmtMs(putMs)} ` +
      `(${int(Math.round((k / putMs) * 1000))} writes/s, ${opts.inFlight} in flight); ` +
      `B then reads back ${int(keysOnB)} keys in ${fmtMs(readMs)}`,
    ms: replicateMs,
    count: k,
  })
  const res: OrbitRunResult = { puts: k, replicateMs, putMs, keysOnB }

  if (opts.lateJoiner) {
    log(`orbitdb baseline: late joiner C opens the ${int(k)}-entry database`)
    const c = await start('orbit-c')
    await Promise.all([a, b].map((x) => c.peer.call('dial', { addr: x.ready.addr })))
    const cSynced = syncedAt(c.peer, opts.syncTimeoutMs)
    const t2 = now()
    await c.peer.call('open', { address, expect: k }, opts.syncTimeoutMs)
    res.lateMs = (await cSynced) - t2
    res.keysOnC = await c.peer.call<number>('count', {}, opts.syncTimeoutMs)
    const lateOk = Number.isFinite(res.lateMs)
    figs.push({
      section: SECTION,
      name: `OrbitDB: late joiner opens the db -> holds all ${int(k)}`,
      value: lateOk ? fmtMs(res.lateMs) : `> ${fmtMs(opts.syncTimeoutMs)}`,
      detail:
        `from C's open call (connected to A and B) until its log holds the head at ${int(k)}; ` +
        `${lateOk ? `${int(Math.round((k / res.lateMs) * 1000))} entries/s; ` : ''}reads back ${int(res.keysOnC)} keys`,
      ms: res.lateMs,
      count: k,
    })
  }
  const rss = peers.map((p) => rssOf(p.proc.pid)).filter((x): x is number => x !== undefined)
  figs.push({
    section: SECTION,
    name: `OrbitDB: RSS per peer with ${int(k)} entries (mean)`,
    value: rss.length > 0 ? fmtBytes(rss.reduce((s, x) => s + x, 0) / rss.length) : 'n/a',
    detail: rss.length > 0 ? `min ${fmtBytes(Math.min(...rss))}, max ${fmtBytes(Math.max(...rss))}` : '',
  })
  return res
}

/** Runs the baseline; every peer it starts is stopped, and its files removed, before it returns or throws. */
export async function runOrbitdbBaseline(
  opts: OrbitdbBaselineOptions = ORBITDB_DEFAULTS,
): Promise<OrbitdbBaselineResult> {
  const figures: Figure[] = []
  const runs: OrbitRunResult[] = []
  if (!orbitdbInstalled()) {
    const detail = `@orbitdb/core is not installed (it declares Node >= 22, so it is not in the default install); to measure it: ${ORBITDB_INSTALL}`
    log(`orbitdb baseline skipped: ${detail}`)
    figures.push({ section: SECTION, name: 'OrbitDB 4 baseline', value: 'skipped', detail })
    return { figures, runs }
  }
  for (const k of opts.puts) {
    const peers: PeerProc[] = []
    const dirs: string[] = []
    try {
      runs.push(await oneRun(k, opts, figures, peers, dirs))
    } finally {
      await Promise.all(peers.map((p) => p.stop()))
      for (const d of dirs) {
        rmSync(d, { recursive: true, force: true })
        liveDirs.delete(d)
      }
    }
  }
  return { figures, runs }
}
