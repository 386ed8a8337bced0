// Config layering: config/default.json <- --config FILE <- MURMUR_* env <- flags, merged by one function.
import { existsSync, readFileSync } from 'node:fs'
import stripJsonComments from 'strip-json-comments'
import { homedir, hostname } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { z } from 'zod'
import { ConfigError } from '../errors.js'
import { type IssueLike, issueMessage, issuePath } from '../util/issues.js'
import { type Config, configSchema } from './schema.js'

/** config/default.json of this install, found upwards from this file (it runs from src/ or dist/src/). */
export const DEFAULT_CONFIG_PATH = findDefaults(dirname(fileURLToPath(import.meta.url)))

function findDefaults(from: string): string {
  let dir = from
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'config', 'default.json')
    if (existsSync(candidate)) return candidate
    dir = dirname(dir)
  }
  return join(from, '../../../config/default.json')
}

export function readConfigFile(path: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`)
  }
  let parsed: unknown
  try {
    // Comments (// and /* */) are allowed, so a production config can explain itself.
    parsed = JSON.parse(stripJsonComments(text))
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`)
  }
  return parsed as Record<string, unknown>
}

/** Objects merge key by key; arrays and scalars replace. */
export function mergeLayers(...layers: Array<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue
      const prev = out[k]
      out[k] = isPlainObject(v) && isPlainObject(prev) ? mergeLayers(prev, v) : v
    }
  }
  return out
}

export function validateConfig(raw: unknown, source: string): Config {
  const result = configSchema.safeParse(raw)
  if (!result.success) throw new ConfigError(`${source}: ${describeIssue(result.error.issues[0])}`)
  return result.data
}

export interface LoadOptions {
  file?: string
  env?: NodeJS.ProcessEnv
  flags?: Record<string, unknown>
  defaultsPath?: string
}

/** Loads, merges and validates; also resolves `~` and relative paths and fills the default name. */
export function loadConfig(opts: LoadOptions = {}): Config {
  const defaults = readConfigFile(opts.defaultsPath ?? DEFAULT_CONFIG_PATH)
  const file = opts.file ? readConfigFile(opts.file) : {}
  const env = envLayer(opts.env ?? process.env)
  const merged = mergeLayers(defaults, file, env, opts.flags ?? {})
  const config = validateConfig(merged, opts.file ? `config (${opts.file})` : 'config')
  config.dataDir = expandPath(config.dataDir)
  if (config.open && config.swarmKeyFile) {
    throw new ConfigError('config: open and swarmKeyFile exclude each other (an open mesh has no swarm key)')
  }
  if (config.swarmKeyFile) config.swarmKeyFile = expandPath(config.swarmKeyFile)
  config.name ??= hostname()
  return config
}

function envLayer(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (env.MURMUR_DATA_DIR) out.dataDir = env.MURMUR_DATA_DIR
  if (env.MURMUR_LOG_LEVEL) out.logLevel = env.MURMUR_LOG_LEVEL
  return out
}

export function expandPath(p: string): string {
  if (p === '~') return homedir()
  if (p.startsWith('~/')) return join(homedir(), p.slice(2))
  return resolve(p)
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'invalid'
  const path = issuePath(issue.path)
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (path ? `${path}.${k}` : k)).join(', ')
    return `unknown key ${keys}`
  }
  return `${path || '(root)'}: ${issueMessage(issue as IssueLike)}`
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}
