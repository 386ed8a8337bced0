// The data directory holds the identity key, the swarm key and the store: another user who can
// write it could swap any of them, so the agent refuses such a directory rather than fixing it.
import { chmod, mkdir, stat } from 'node:fs/promises'
import { ConfigError } from '../errors.js'

/** Creates `dir` (0700) or checks that an existing one is ours and not writable by others. */
export async function prepareDataDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 })
  } catch (err) {
    throw new ConfigError(`data directory ${dir}: cannot create it (${(err as NodeJS.ErrnoException).code})`)
  }
  const st = await stat(dir)
  if (!st.isDirectory()) throw new ConfigError(`data directory ${dir} is not a directory`)
  const uid = process.getuid?.()
  if (uid !== undefined && st.uid !== uid) {
    throw new ConfigError(
      `data directory ${dir} belongs to uid ${st.uid}, not to this user (uid ${uid}); refusing it`,
    )
  }
  const mode = st.mode & 0o777
  if ((mode & 0o022) !== 0) {
    throw new ConfigError(
      `data directory ${dir} is writable by other users (mode ${mode.toString(8).padStart(4, '0')}); run: chmod 700 ${dir}`,
    )
  }
}

/** Something the agent made itself (the store's directory) loses any group or other access. */
export async function tighten(path: string, mode = 0o700): Promise<void> {
  const st = await stat(path)
  if ((st.mode & 0o077) !== 0) await chmod(path, mode)
}
