// `murmur keys list|install|use|remove` (Serf's `keys`): rotate a private mesh's swarm key without
// stopping it. Each asks the local agent, which applies the change to itself and every live member
// and reports who took it; exit 1 if any member did not. A key is read from a file or stdin in the
// swarm key file format, never from the command line (which `ps` shows); keys are named by fingerprint.
import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import type { KeysFailure, KeysOpResult } from '../../api/index.js'
import { ConfigError, InvalidInputError, IoFailedError, TooLargeError } from '../../errors.js'
import { fingerprintSchema } from '../../transport/keyring.js'
import { parseSwarmKey } from '../../transport/swarm-key.js'
import { call } from '../context.js'
import { printError, printJson, printLine, printTable } from '../output.js'

/** Every member has KEYS_TIMEOUT_MS to answer, all at once; the call outlasts that. */
const KEYS_CALL_TIMEOUT_MS = 30_000
/** A swarm key file is about 100 bytes. */
const MAX_KEY_FILE_BYTES = 4096

export function registerKeys(program: Command): void {
  const keys = program
    .command('keys')
    .description("manage the private mesh's swarm keys on every member: list, install, use, remove")

  keys
    .command('list')
    .description('list the keys the members hold: how many hold each, how many as primary')
    .option('--json', 'print JSON ({ members, keys, failed })')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const r = await call(cmd, 'keys.list', {}, { timeoutMs: KEYS_CALL_TIMEOUT_MS })
      if (r.failed.length > 0) process.exitCode = 1
      if (opts.json) return printJson(r)
      printTable(
        ['FINGERPRINT', 'MEMBERS', 'PRIMARY ON', 'HERE'],
        r.keys.map((k) => [k.fingerprint, `${k.members}/${r.members}`, String(k.primary), k.local ?? '-']),
      )
      reportFailures(r.failed, r.members)
    })

  keys
    .command('install')
    .description('send a key to every member (not primary yet); reads it from FILE, or stdin for -')
    .argument('<file>', 'a swarm key file (murmur keygen FILE), or - for stdin')
    .option('--json', 'print JSON ({ fingerprint, members, ok, failed })')
    .action(async (file: string, opts: { json?: boolean }, cmd: Command) => {
      const key = await readKey(file)
      const r = await call(cmd, 'keys.install', { key }, { timeoutMs: KEYS_CALL_TIMEOUT_MS })
      done(r, 'installed', opts.json)
    })

  for (const [name, what, verb] of [
    [
      'use',
      'make the key with FINGERPRINT primary on every member (each dials with it from then on)',
      'made primary',
    ],
    ['remove', 'remove the key with FINGERPRINT from every member (never the primary)', 'removed'],
  ] as const) {
    keys
      .command(name)
      .description(what)
      .argument('<fingerprint>', '16 hex digits, as `murmur keys list` shows')
      .option('--json', 'print JSON ({ fingerprint, members, ok, failed })')
      .action(async (fp: string, opts: { json?: boolean }, cmd: Command) => {
        const parsed = fingerprintSchema.safeParse(fp)
        if (!parsed.success)
          throw new InvalidInputError(
            `a fingerprint is 16 hex digits (see \`murmur keys list\`), got '${fp}'`,
          )
        const r = await call(
          cmd,
          `keys.${name}`,
          { fingerprint: parsed.data },
          { timeoutMs: KEYS_CALL_TIMEOUT_MS },
        )
        done(r, verb, opts.json)
      })
  }
}

function done(r: KeysOpResult, verb: string, json?: boolean): void {
  if (r.failed.length > 0) process.exitCode = 1
  if (json) {
    printJson(r)
    return
  }
  printLine(`${verb} key ${r.fingerprint} on ${r.ok.length} of ${r.members} members`)
  reportFailures(r.failed, r.members)
}

/** Each member that did not take it, on stderr: one line each, escaped (names come from peers). */
function reportFailures(failed: KeysFailure[], members: number): void {
  for (const f of failed) printError(`${f.name ?? f.id} (${f.id}): ${f.code}: ${f.error}`)
  if (failed.length > 0) printError(`${failed.length} of ${members} members did not answer or refused`)
}

/** The key of a swarm key file (or stdin for `-`), as 64 hex digits; a bad file is bad usage. */
async function readKey(file: string): Promise<string> {
  const bytes =
    file === '-'
      ? await readStdin()
      : await readFile(file).catch((err: NodeJS.ErrnoException) => {
          throw err.code === 'ENOENT' || err.code === 'EISDIR'
            ? new InvalidInputError(`cannot read the key file ${file}: ${err.code}`)
            : new IoFailedError(`cannot read the key file ${file}: ${err.code}`)
        })
  if (bytes.length > MAX_KEY_FILE_BYTES)
    throw new TooLargeError(`${file} holds over ${MAX_KEY_FILE_BYTES} bytes: not a swarm key`)
  try {
    return Buffer.from(parseSwarmKey(bytes, file === '-' ? 'on stdin' : file)).toString('hex')
  } catch (err) {
    if (err instanceof ConfigError) throw new InvalidInputError(err.message)
    throw err
  }
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of process.stdin) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
    size += buf.length
    if (size > MAX_KEY_FILE_BYTES)
      throw new TooLargeError(`stdin holds over ${MAX_KEY_FILE_BYTES} bytes: not a swarm key`)
    chunks.push(buf)
  }
  return Buffer.concat(chunks)
}
