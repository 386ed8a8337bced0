// Config reload (SIGHUP and `murmur reload`): which changed keys the running agent applies and
// which need a restart. The agent keeps running on the old values of the latter.
import type { ReloadResult } from '../api/index.js'
import type { Config } from '../config/schema.js'
import { canonicalJson } from '../crdt/index.js'

/** Top-level keys applied without a restart. */
export const LIVE_KEYS: ReadonlySet<keyof Config> = new Set<keyof Config>([
  'tags',
  'logLevel',
  'handlers',
  'peers',
])

export type { ReloadResult }

/** The top-level keys whose values differ, split by whether they apply live. */
export function configChanges(running: Config, next: Config): ReloadResult {
  const applied: string[] = []
  const needsRestart: string[] = []
  for (const key of Object.keys(next) as Array<keyof Config>) {
    if (canonicalJson(running[key] ?? null) === canonicalJson(next[key] ?? null)) continue
    ;(LIVE_KEYS.has(key) ? applied : needsRestart).push(key)
  }
  return { applied: applied.sort(), needsRestart: needsRestart.sort() }
}

/** `running` with the live keys of `next`: what the agent runs on after applying them. */
export function withLiveKeys(running: Config, next: Config): Config {
  const out: Record<string, unknown> = { ...running }
  for (const key of LIVE_KEYS) out[key] = next[key]
  return out as Config
}
