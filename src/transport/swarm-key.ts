// Pre-shared swarm keys for private meshes, in the libp2p pnet file format.
import { randomBytes } from 'node:crypto'
import { open } from 'node:fs/promises'
import { ConfigError, InvalidInputError } from '../errors.js'

const HEADER = '/key/swarm/psk/1.0.0/\n/base16/\n'

/** Writes a fresh key with mode 0600; never overwrites an existing file. */
export async function writeSwarmKey(path: string): Promise<void> {
  if (!(await ensureSwarmKey(path)))
    throw new InvalidInputError(`${path} already exists; not overwriting a swarm key`)
}

/** Makes a fresh key (mode 0600, fsync'd) at `path` unless a file is there; true when it made one. */
export async function ensureSwarmKey(path: string): Promise<boolean> {
  const key = Buffer.from(HEADER + randomBytes(32).toString('hex'))
  let fh: Awaited<ReturnType<typeof open>>
  try {
    fh = await open(path, 'wx', 0o600)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return false
    throw new InvalidInputError(`cannot create ${path}: ${code}`)
  }
  try {
    await fh.writeFile(key)
    await fh.sync()
  } finally {
    await fh.close()
  }
  return true
}

/** A key in the pnet file format (what `murmur keygen` writes). */
export function formatSwarmKey(key: Uint8Array): string {
  return HEADER + Buffer.from(key).toString('hex')
}

/** Parses the pnet format ("/key/swarm/psk/1.0.0/", "/base16/", 64 hex digits) into the 32-byte key. */
export function parseSwarmKey(bytes: Uint8Array, path: string): Uint8Array {
  const lines = Buffer.from(bytes).toString('utf8').trim().split(/\r?\n/)
  const hex = lines[2] ?? ''
  if (lines[0] !== '/key/swarm/psk/1.0.0/' || lines[1] !== '/base16/' || !/^[0-9a-fA-F]{64}$/.test(hex)) {
    // A broken file the agent was configured with, not bad usage: exit 1 like a config that does not validate.
    throw new ConfigError(`swarm key ${path} is not in the pnet format (make one with: murmur keygen FILE)`)
  }
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}
