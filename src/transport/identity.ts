// The peer's Ed25519 identity, created on first start and kept in the data directory (mode 0600).
import { chmod, open, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { StoreCorruptError } from '../errors.js'

export const IDENTITY_FILE = 'identity.key'

export async function loadOrCreateIdentity(dataDir: string): Promise<PrivateKey> {
  const path = join(dataDir, IDENTITY_FILE)
  let bytes: Buffer | undefined
  try {
    bytes = await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  if (bytes) {
    try {
      return privateKeyFromProtobuf(bytes)
    } catch (err) {
      throw new StoreCorruptError(
        `identity key ${path} is unreadable (${(err as Error).message}); restore it from a backup or remove it to start as a new peer`,
      )
    }
  }
  const key = await generateKeyPair('Ed25519')
  // 'wx' never overwrites: two racing starts cannot silently swap identities.
  const fh = await open(path, 'wx', 0o600)
  try {
    await fh.writeFile(privateKeyToProtobuf(key))
    await fh.sync()
  } finally {
    await fh.close()
  }
  await chmod(path, 0o600)
  return key
}
