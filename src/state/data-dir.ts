// The data directory holds the identity key, the swarm key and the store: another user who can
// write it could swap any of them, so the agent refuses such a directory rather than fixing it.
import { chmod, mkdir, stat } from 'node:fs/promises'
import { ConfigError } from '../errors.js'

/**
 * Creates `dir` (0700) or checks that an existing one is ours and not writable by others. One that
 * others can only read or enter is made 0700, with `onTightened` told: its files are 0600 already,
 * but their names and sizes are nobody else's business, and a file copied in loosely is not.
 */
export async function prepareDataDir(dir: string, onTightened?: (was: string) => void): Promise<void> {
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
  if ((mode & 0o077) !== 0) {
    await chmod(dir, 0o700)
    onTightened?.(mode.toString(8).padStart(4, '0'))
  }
}

/** Something the agent made itself (the store's directory) loses any group or other access. */
export async function tighten(path: string, mode = 0o700): Promise<void> {
  const st = await stat(path)
  if ((st.mode & 0o077) !== 0) await chmod(path, mode)
}

/** A secret file other local users can read is warned about, with the command that fixes it. */
export async function warnIfReadable(
  file: string,
  what: string,
  warn: (msg: string) => void,
): Promise<boolean> {
  const mode = await stat(file).then(
    (st) => st.mode & 0o777,
    () => undefined,
  )
  if (mode === undefined || (mode & 0o077) === 0) return false
  warn(
    `${what} ${file} is readable by other users (mode ${mode.toString(8).padStart(4, '0')}); run: chmod 600 ${file}`,
  )
  return true
}
