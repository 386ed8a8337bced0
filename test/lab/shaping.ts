import { errorText, run } from './run.js'

export interface NetemOptions {
  lossPct?: number
  delayMs?: number
  jitterMs?: number
  /** Also shape the bridge-side veth, i.e. traffic *towards* the host (default: host egress only). */
  bothWays?: boolean
}

/** What actually got installed: real netem, or the loss-only BPF fallback. */
export type ShapingKind = 'netem' | 'bpf-loss' | 'none'

// Classic BPF ancillary load of a random u32 (SKF_AD_OFF + SKF_AD_RANDOM)
const LD_RANDOM = 0xfffff000 + 56

/**
 * cBPF for `tc filter ... bpf da`: drop (TC_ACT_SHOT=2) when random < threshold, else pass (TC_ACT_OK=0).
 * Used when the kernel lacks sch_netem, which some CI/VM kernels do.
 */
export function lossBytecode(pct: number): string {
  const threshold = Math.min(0xffffffff, Math.round((pct / 100) * 2 ** 32))
  return `4,32 0 0 ${LD_RANDOM},53 0 1 ${threshold},6 0 0 0,6 0 0 2`
}

// Classic BPF negative offset: loads relative to the network header (SKF_NET_OFF), whatever the L2 header
const NET_OFF = 0x100000000 - 0x100000

/** cBPF for `tc filter ... bpf da`: drop IPv4 TCP (protocol byte 6), pass everything else (mDNS is UDP). */
export function dropTcpBytecode(): string {
  return `4,48 0 0 ${NET_OFF + 9},21 0 1 6,6 0 0 2,6 0 0 0`
}

/** Drop every TCP segment leaving `dev` (so no TCP connection to or from the host can form). */
export async function blockTcp(ns: string, dev: string): Promise<void> {
  await unshape(ns, dev)
  await tc(ns, ['qdisc', 'add', 'dev', dev, 'clsact'])
  await tc(ns, ['filter', 'add', 'dev', dev, 'egress', 'bpf', 'da', 'bytecode', dropTcpBytecode()])
}

function tc(ns: string, args: string[]): Promise<string> {
  return run('ip', ['netns', 'exec', ns, 'tc', ...args])
}

function check(name: string, v: number | undefined, max: number): number {
  const n = v ?? 0
  if (!Number.isFinite(n) || n < 0 || n > max) throw new Error(`${name} must be within 0..${max}, got ${v}`)
  return n
}

/** Remove whatever shaping is on `dev` (both kinds); missing qdiscs are fine. */
export async function unshape(ns: string, dev: string): Promise<void> {
  await tc(ns, ['qdisc', 'del', 'dev', dev, 'root']).catch(() => {})
  await tc(ns, ['qdisc', 'del', 'dev', dev, 'clsact']).catch(() => {})
}

/** Shape egress of `dev` in `ns`. Replaces any previous shaping on it. */
export async function shape(ns: string, dev: string, opts: NetemOptions): Promise<ShapingKind> {
  const loss = check('lossPct', opts.lossPct, 100)
  const delay = check('delayMs', opts.delayMs, 60_000)
  const jitter = check('jitterMs', opts.jitterMs, 60_000)
  await unshape(ns, dev)
  if (loss === 0 && delay === 0 && jitter === 0) return 'none'

  const args: string[] = []
  if (delay > 0 || jitter > 0) args.push('delay', `${delay}ms`, ...(jitter > 0 ? [`${jitter}ms`] : []))
  if (loss > 0) args.push('loss', `${loss}%`)
  try {
    await tc(ns, ['qdisc', 'replace', 'dev', dev, 'root', 'netem', ...args])
    return 'netem'
  } catch (err) {
    if (!/qdisc kind is unknown|unknown qdisc/i.test(errorText(err))) throw err
    if (delay > 0 || jitter > 0) {
      throw new Error(
        'this kernel has no netem qdisc (CONFIG_NET_SCH_NETEM): delay/jitter cannot be emulated; loss alone works (BPF fallback)',
      )
    }
  }
  await tc(ns, ['qdisc', 'add', 'dev', dev, 'clsact'])
  await tc(ns, ['filter', 'add', 'dev', dev, 'egress', 'bpf', 'da', 'bytecode', lossBytecode(loss)])
  return 'bpf-loss'
}

/** Human summary of the shaping on `dev`, e.g. 'netem delay 50ms 20ms loss 20%' or 'bpf loss 20%'. */
export async function describeShaping(ns: string, dev: string): Promise<string> {
  const qdiscs = await tc(ns, ['qdisc', 'show', 'dev', dev]).catch(() => '')
  const netem = /netem \S+ root.*?(?:limit \d+ )?(.*)$/m.exec(qdiscs)
  if (netem) return `netem ${netem[1]?.trim() ?? ''}`.trim()
  if (!qdiscs.includes('clsact')) return 'none'
  const filters = await tc(ns, ['filter', 'show', 'dev', dev, 'egress']).catch(() => '')
  const t = /,53 0 1 (\d+),/.exec(filters)?.[1]
  if (t === undefined) return 'clsact (unknown filter)'
  return `bpf loss ${Math.round((Number(t) / 2 ** 32) * 1000) / 10}%`
}
