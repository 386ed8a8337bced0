// The keyring on disk: DATADIR/keyring.json, mode 0600, replaced atomically (temporary file,
// fsync, rename, directory fsync), so a crash leaves the old keyring or the new one, never half.
// Once it exists it is what the agent runs on; the configured swarm key file only seeds it.
import { randomBytes } from 'node:crypto'
import { open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { z } from 'zod'
import { IoFailedError, StoreCorruptError } from '../errors.js'
import { Keyring, keyHexSchema, MAX_KEYS } from './keyring.js'

export const KEYRING_FILE = 'keyring.json'
/** A keyring of MAX_KEYS keys is under 2 KiB; anything much larger is not ours. */
const MAX_FILE_BYTES = 16 * 1024

const fileSchema = z
  .object({
    version: z.literal(1),
    primary: keyHexSchema,
    keys: z.array(keyHexSchema).max(MAX_KEYS),
  })
  .strict()

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'))

export function encodeKeyring(ring: Keyring): string {
  return `${JSON.stringify({ version: 1, primary: hex(ring.primary), keys: ring.keys.map(hex) }, null, 2)}\n`
}

/** Parses a keyring file's text; anything but a valid keyring is a damaged file, named. */
export function decodeKeyring(text: string, path: string): Keyring {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    throw new StoreCorruptError(
      `keyring ${path} is not valid JSON: restore it from a backup, or remove it to start from the swarm key file`,
    )
  }
  const parsed = fileSchema.safeParse(doc)
  if (!parsed.success)
    throw new StoreCorruptError(
      `keyring ${path} is not a murmur keyring: restore it from a backup, or remove it to start from the swarm key file`,
    )
  try {
    return Keyring.from(bytes(parsed.data.primary), parsed.data.keys.map(bytes))
  } catch (err) {
    throw new StoreCorruptError(`keyring ${path} breaks a keyring rule: ${(err as Error).message}`)
  }
}

/** The keyring in `dataDir`, or undefined when there is none yet. */
export async function readKeyring(dataDir: string): Promise<Keyring | undefined> {
  const path = join(dataDir, KEYRING_FILE)
  let fh: Awaited<ReturnType<typeof open>>
  try {
    fh = await open(path, 'r')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new IoFailedError(`cannot read the keyring ${path}: ${(err as NodeJS.ErrnoException).code}`)
  }
  try {
    const { size } = await fh.stat()
    if (size > MAX_FILE_BYTES)
      throw new StoreCorruptError(`keyring ${path} is ${size} bytes: not a murmur keyring`)
    return decodeKeyring(await fh.readFile('utf8'), path)
  } finally {
    await fh.close()
  }
}

/** Replaces the keyring in `dataDir`; resolves once it is durable. */
export async function writeKeyring(dataDir: string, ring: Keyring): Promise<void> {
  await writeSecretFile(join(dataDir, KEYRING_FILE), encodeKeyring(ring), 'the keyring')
}

/** Replaces `path` atomically with `text`, mode 0600 (fsync, rename, directory fsync). */
export async function writeSecretFile(path: string, text: string, what: string): Promise<void> {
  const dir = dirname(path)
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  let renamed = false
  try {
    const fh = await open(tmp, 'wx', 0o600)
    try {
      await fh.writeFile(text)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, path)
    renamed = true
    const dh = await open(dir, 'r')
    try {
      await dh.sync()
    } finally {
      await dh.close()
    }
  } catch (err) {
    if (!renamed) await unlink(tmp).catch(() => {})
    throw new IoFailedError(
      `cannot write ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    )
  }
}
