// Claiming the socket path safely: private from birth, and never stolen from a live agent.
import { chmod, lstat, mkdir, stat, unlink } from 'node:fs/promises'
import { connect, type Server } from 'node:net'
import { dirname } from 'node:path'
import { DataDirLockedError, InvalidInputError } from '../errors.js'
import { checkSocketPath } from './protocol.js'

const PROBE_TIMEOUT_MS = 1000

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code
}

function lockedError(socketPath: string): DataDirLockedError {
  return new DataDirLockedError(`another murmur agent is already running with socket ${socketPath}`)
}

/** Binds `server` to `socketPath` with mode 0600 and returns the socket's inode. */
export async function listenOnSocket(server: Server, socketPath: string): Promise<number> {
  checkSocketPath(socketPath)
  await mkdir(dirname(socketPath), { recursive: true, mode: 0o700 })
  await removeStaleSocket(socketPath)
  // bind() creates the inode using the umask, so tightening it is the only way to leave no window
  // in which the socket is group/world accessible. The umask is process-wide; it only ever errs strict.
  const oldUmask = process.umask(0o177)
  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void =>
        reject(errno(err) === 'EADDRINUSE' ? lockedError(socketPath) : err)
      server.once('error', onError)
      server.listen(socketPath, () => {
        server.off('error', onError)
        resolve()
      })
    })
  } finally {
    process.umask(oldUmask)
  }
  await chmod(socketPath, 0o600)
  return (await stat(socketPath)).ino
}

/** A leftover socket from a crashed agent is removed; one that still answers means we must not start. */
async function removeStaleSocket(socketPath: string): Promise<void> {
  let st: Awaited<ReturnType<typeof lstat>>
  try {
    st = await lstat(socketPath)
  } catch (err) {
    if (errno(err) === 'ENOENT') return
    throw err
  }
  if (!st.isSocket()) {
    throw new InvalidInputError(`${socketPath} exists and is not a socket; refusing to replace it`)
  }
  const state = await probe(socketPath)
  if (state === 'live') throw lockedError(socketPath)
  if (state === 'dead') {
    try {
      await unlink(socketPath)
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw err
    }
  }
}

function probe(socketPath: string): Promise<'live' | 'dead' | 'gone'> {
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath)
    // No answer in time: something holds the socket (e.g. a wedged agent); stay out of its way.
    const timer = setTimeout(() => done(() => resolve('live')), PROBE_TIMEOUT_MS)
    const done = (settle: () => void): void => {
      clearTimeout(timer)
      sock.destroy()
      settle()
    }
    sock.once('connect', () => done(() => resolve('live')))
    sock.once('error', (err) => {
      const code = errno(err)
      if (code === 'ECONNREFUSED') done(() => resolve('dead'))
      else if (code === 'ENOENT') done(() => resolve('gone'))
      else done(() => reject(err))
    })
  })
}

/** Removes the socket file on close, unless another process has since put its own there. */
export async function removeOwnSocket(socketPath: string, ino: number): Promise<void> {
  try {
    if ((await lstat(socketPath)).ino === ino) await unlink(socketPath)
  } catch (err) {
    if (errno(err) !== 'ENOENT') throw err
  }
}
