// Heal after a partition, in-process (part 'heal1m'): two pure replicas (src/crdt) that share
// 1,000,000 keys (written by 100 other origins) each write 5,000 keys of their own (10,000 divergent in all), then one
// anti-entropy session over memoryDuplexPair() brings them together. Timed with its bytes, and
// against the same heal with no common keys (issue #10: < 3 s, bytes <= 2x the no-common heal).
import { Replica } from '../src/crdt/index.js'
import { systemClock } from '../src/util/clock.js'
import { syncPair } from './crdt.js'
import { type Figure, fmtBytes, fmtMs, int, log, now } from './util.js'

const S = 'heal'
/** Realistic origins: libp2p Ed25519 peer ids are 52 characters. */
const ORIGIN_A = '12D3KooWHea1BenchPeerAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const ORIGIN_B = '12D3KooWHea1BenchPeerBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'
/** Records per applyRecords call when merging the common state into the two replicas. */
const COPY_BATCH = 10_000

export interface HealOptions {
  /** Keys both replicas hold before the partition. */
  common: number
  /** How many origins wrote them (besides the two replicas, which write the divergent keys). */
  origins: number
  /** Keys each side writes during it (the divergent keys are twice this). */
  perSide: number
}

export const HEAL_FULL: HealOptions = { common: 1_000_000, origins: 100, perSide: 5_000 }
/** A size the smoke test can afford (well under a second). */
export const HEAL_SMOKE: HealOptions = { common: 2_000, origins: 4, perSide: 100 }

const heapMiB = (): string => fmtBytes(process.memoryUsage().heapUsed)

function write(r: Replica, n: number, prefix: string): void {
  for (let i = 0; i < n; i++) r.kvSet(`${prefix}${i}`, { n: i })
}

interface HealResult {
  ms: number
  bytes: number
  frames: number
  aSent: number
  bSent: number
  equal: boolean
  keys: number
}

/** Each side writes `perSide` keys of its own, then one session; digests compared afterwards. */
async function diverge(a: Replica, b: Replica, perSide: number, tag: string): Promise<HealResult> {
  write(a, perSide, `${tag}/a/`)
  write(b, perSide, `${tag}/b/`)
  const s = await syncPair(a, b)
  const keys = a.stats().keys
  return { ...s, equal: a.digest() === b.digest() && keys === b.stats().keys, keys }
}

/** A 52-character origin like a libp2p Ed25519 peer id, distinct for each `i`. */
const writerId = (i: number): string => `12D3KooWHea1BenchWriter${String(i).padStart(6, '0')}`.padEnd(52, 'w')

/**
 * The two replicas holding `common` keys, written by `origins` writers (as a mesh's state is) and
 * merged into both with applyRecords, one writer's records at a time; and the build time.
 */
function buildCommon(common: number, origins: number): { a: Replica; b: Replica; ms: number } {
  const a = new Replica(ORIGIN_A, systemClock)
  const b = new Replica(ORIGIN_B, systemClock)
  const t0 = now()
  const per = Math.ceil(common / origins)
  for (let o = 0, left = common; left > 0; o++, left -= per) {
    const w = new Replica(writerId(o), systemClock)
    write(w, Math.min(per, left), `common/${o}/`)
    const records = [...w.entries()]
    const vv = w.versionVector()
    // Each in batches, the last with the writer's vv, as a complete anti-entropy answer ends.
    for (const r of [a, b]) {
      for (let i = 0; i < records.length; i += COPY_BATCH) {
        const last = i + COPY_BATCH >= records.length
        r.applyRecords(records.slice(i, i + COPY_BATCH), last ? vv : undefined)
      }
    }
  }
  const ms = now() - t0
  if (a.digest() !== b.digest()) throw new Error('heal bench: the common state differs between the two')
  return { a, b, ms }
}

export async function runHealBench(opts: HealOptions = HEAL_FULL): Promise<Figure[]> {
  const figs: Figure[] = []
  const { common, origins, perSide } = opts
  const divergent = 2 * perSide

  // The reference: the same heal with no common keys (run twice, the first as JIT warm-up).
  log(`heal: ${int(divergent)} divergent keys, no common keys`)
  await diverge(new Replica(ORIGIN_A, systemClock), new Replica(ORIGIN_B, systemClock), perSide, 'warm')
  const bare = await diverge(
    new Replica(ORIGIN_A, systemClock),
    new Replica(ORIGIN_B, systemClock),
    perSide,
    'div',
  )
  figs.push({
    section: S,
    name: `heal ${int(divergent)} divergent, no common keys`,
    value: fmtMs(bare.ms),
    detail:
      `one session: ${fmtBytes(bare.bytes)} in ${bare.frames} frames, records a->b ${int(bare.aSent)}, ` +
      `b->a ${int(bare.bSent)}; digests equal after: ${bare.equal ? 'yes' : 'NO'} (${int(bare.keys)} keys)`,
    ms: bare.ms,
  })

  log(`heal: building ${int(common)} common keys from ${int(origins)} origins`)
  const { a, b, ms: buildMs } = buildCommon(common, origins)
  log(`heal: built in ${fmtMs(buildMs)}; JS heap ${heapMiB()}`)
  const heal = await diverge(a, b, perSide, 'div')
  const ratio = heal.bytes / bare.bytes
  figs.push({
    section: S,
    name: `heal ${int(divergent)} divergent on ${int(common)} common keys`,
    value: fmtMs(heal.ms),
    detail:
      `one session: ${fmtBytes(heal.bytes)} in ${heal.frames} frames, records a->b ${int(heal.aSent)}, ` +
      `b->a ${int(heal.bSent)}; digests equal after: ${heal.equal ? 'yes' : 'NO'} (${int(heal.keys)} keys); ` +
      `target < 3 s`,
    ms: heal.ms,
  })
  figs.push({
    section: S,
    name: `heal on ${int(common)} common: bytes / no-common bytes`,
    value: `${ratio.toFixed(2)}x`,
    detail:
      `${int(heal.bytes)} B against ${int(bare.bytes)} B; target <= 2x. The common keys: ` +
      `${int(origins)} origins' writes, merged into both (built in ${fmtMs(buildMs)}); ` +
      `JS heap then ${heapMiB()} for both replicas`,
  })
  return figs
}
