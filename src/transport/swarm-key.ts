// Pre-shared swarm keys for private meshes, in the libp2p pnet file format.
import { open } from 'node:fs/promises'
import { generateKey } from '@libp2p/pnet'
import { InvalidInputError } from '../errors.js'

export const SWARM_KEY_BYTES = 95

/** Writes a fresh key with mode 0600; never overwrites an existing file. */
export async function writeSwarmKey(path: string): Promise<void> {
  const key = new Uint8Array(SWARM_KEY_BYTES)
  generateKey(key)
  let fh: Awaited<ReturnType<typeof open>>
  try {
    fh = await open(path, 'wx', 0o600)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new InvalidInputError(code === 'EEXIST' ? `${path} already exists; not overwriting a swarm key` : `cannot create ${path}: ${code}`)
  }
  try {
    await fh.writeFile(key)
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/** The pnet format: "/key/swarm/psk/1.0.0/", "/base16/", 64 hex digits. */
export function checkSwarmKey(bytes: Uint8Array, path: string): void {
  const lines = Buffer.from(bytes).toString('utf8').trim().split(/\r?\n/)
  if (lines[0] !== '/key/swarm/psk/1.0.0/' || lines[1] !== '/base16/' || !/^[0-9a-fA-F]{64}$/.test(lines[2] ?? '')) {
    throw new InvalidInputError(`swarm key ${path} is not in the pnet format (make one with: murmur keygen FILE)`)
  }
}
