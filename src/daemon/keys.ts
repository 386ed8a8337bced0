// The agent's swarm keyring: where it comes from at start, how a change is applied (one at a time,
// on disk before it counts), and the mesh-wide operations behind `murmur keys`.
//
// The rule at start: DATADIR/keyring.json, once it exists, is the agent's keys; the configured swarm
// key file (or DATADIR/swarm.key) only seeds it at the first start with a keyring. So a key rotated
// with `murmur keys` survives restarts and reloads whatever the config's file holds.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { KeysFailure, KeysListResult, KeysOpResult } from '../api/keys.js'
import { ConfigError } from '../errors.js'
import type { KeysAnswer, KeysHeld, KeysRequest } from '../gossip/keys-service.js'
import { fingerprint, Keyring, type KeyringView } from '../transport/keyring.js'
import { KEYRING_FILE, readKeyring, writeKeyring, writeSecretFile } from '../transport/keyring-file.js'
import { formatSwarmKey, parseSwarmKey } from '../transport/swarm-key.js'
import type { Logger } from '../util/log.js'

/** The keyring the agent starts with: the persisted one, else the swarm key file's key, persisted. */
export async function loadKeyring(dataDir: string, swarmKeyFile: string, log: Logger): Promise<Keyring> {
  let fileKey: Uint8Array | undefined
  let fileError: Error | undefined
  try {
    fileKey = parseSwarmKey(await readFile(swarmKeyFile), swarmKeyFile)
  } catch (err) {
    // With a keyring the file is not needed; without one it is the only key there is.
    fileError =
      err instanceof ConfigError
        ? err
        : new ConfigError(`swarmKeyFile: cannot read ${swarmKeyFile}: ${(err as NodeJS.ErrnoException).code}`)
  }
  const stored = await readKeyring(dataDir)
  const file = join(dataDir, KEYRING_FILE)
  if (stored) {
    if (fileKey && !stored.has(fingerprint(fileKey)))
      log.warn(
        `the keyring ${file} holds this agent's swarm keys; the key in ${swarmKeyFile} is not among them and is not used (murmur keys install to add it)`,
        { primary: stored.primaryFingerprint },
      )
    return stored
  }
  if (!fileKey) throw fileError!
  const ring = Keyring.of(fileKey)
  await writeKeyring(dataDir, ring)
  log.info('keyring created from the swarm key file', {
    file,
    from: swarmKeyFile,
    primary: ring.primaryFingerprint,
  })
  return ring
}

/** Where the agent keeps a copy of its primary key when the configured file holds another. */
export const PRIMARY_KEY_FILE = 'swarm.key'

/**
 * The file a new machine copies to join (what `info` names): the configured swarm key file while
 * it holds the primary key, else DATADIR/swarm.key, rewritten here with the primary.
 */
async function primaryKeyFile(ring: Keyring, configured: string, dataDir: string): Promise<string> {
  try {
    if (fingerprint(parseSwarmKey(await readFile(configured), configured)) === ring.primaryFingerprint)
      return configured
  } catch {
    // Unreadable or not a key: the copy below is the one to hand out.
  }
  const own = join(dataDir, PRIMARY_KEY_FILE)
  await writeSecretFile(own, formatSwarmKey(ring.primary), 'the primary swarm key')
  return own
}

/** Holds the running keyring: changes one at a time, each on disk before it takes effect. */
export class KeyringHolder {
  private chain: Promise<unknown> = Promise.resolve()
  private file: string

  private constructor(
    private ring: Keyring,
    private readonly dataDir: string,
    private readonly configured: string,
  ) {
    this.file = configured
  }

  static async open(ring: Keyring, dataDir: string, configured: string): Promise<KeyringHolder> {
    const h = new KeyringHolder(ring, dataDir, configured)
    h.file = await primaryKeyFile(ring, configured, dataDir)
    return h
  }

  /** A file holding the primary key: what a new machine needs a copy of. */
  keyFile(): string {
    return this.file
  }

  /** What the protector reads for each new connection. */
  view(): KeyringView {
    return this.ring
  }

  held(): KeysHeld {
    return { keys: this.ring.fingerprints(), primary: this.ring.primaryFingerprint }
  }

  apply(req: KeysRequest): Promise<KeysHeld> {
    const run = this.chain.then(async () => {
      const next = this.change(req)
      if (next !== this.ring) {
        await writeKeyring(this.dataDir, next)
        const primaryMoved = next.primaryFingerprint !== this.ring.primaryFingerprint
        this.ring = next
        if (primaryMoved) this.file = await primaryKeyFile(next, this.configured, this.dataDir)
      }
      return this.held()
    })
    this.chain = run.catch(() => {})
    return run
  }

  private change(req: KeysRequest): Keyring {
    switch (req.op) {
      case 'list':
        return this.ring
      case 'install':
        return this.ring.install(Uint8Array.from(Buffer.from(req.key, 'hex')))
      case 'use':
        return this.ring.use(req.fingerprint)
      case 'remove':
        return this.ring.remove(req.fingerprint)
    }
  }
}

/** What a mesh-wide operation needs of the agent. */
export interface MeshKeysHost {
  keyring: KeyringHolder
  selfId: string
  /** Live members other than this agent, with their names. */
  peers(): Array<{ id: string; name: string | null }>
  ask(peer: string, req: KeysRequest): Promise<KeysAnswer>
  selfName(): string | null
}

/** Applies `req` here (an error here is the caller's, nothing is sent), then on every member. */
async function everywhere(
  host: MeshKeysHost,
  req: KeysRequest,
): Promise<{ local: KeysHeld; answers: Array<{ id: string; name: string | null; answer: KeysAnswer }> }> {
  const local = await host.keyring.apply(req)
  const peers = host.peers()
  const answers = await Promise.all(peers.map(async (p) => ({ ...p, answer: await host.ask(p.id, req) })))
  return { local, answers }
}

const failure = (id: string, name: string | null, a: KeysAnswer & { ok: false }): KeysFailure => ({
  id,
  name,
  code: a.code,
  error: a.message,
})

export async function meshKeyOp(
  host: MeshKeysHost,
  req: KeysRequest & { op: 'install' | 'use' | 'remove' },
): Promise<KeysOpResult> {
  const { answers } = await everywhere(host, req)
  const ok = [{ id: host.selfId, name: host.selfName() }]
  const failed: KeysFailure[] = []
  for (const { id, name, answer } of answers) {
    if (answer.ok) ok.push({ id, name })
    else failed.push(failure(id, name, answer))
  }
  const fp = req.op === 'install' ? fingerprint(Buffer.from(req.key, 'hex')) : req.fingerprint
  return { fingerprint: fp, members: answers.length + 1, ok, failed }
}

export async function meshKeyList(host: MeshKeysHost): Promise<KeysListResult> {
  const { local, answers } = await everywhere(host, { v: 1, op: 'list' })
  const counts = new Map<string, { members: number; primary: number }>()
  const count = (held: KeysHeld) => {
    for (const fp of held.keys) {
      const c = counts.get(fp) ?? { members: 0, primary: 0 }
      c.members++
      if (fp === held.primary) c.primary++
      counts.set(fp, c)
    }
  }
  count(local)
  const failed: KeysFailure[] = []
  for (const { id, name, answer } of answers) {
    if (answer.ok) count(answer)
    else failed.push(failure(id, name, answer))
  }
  const keys = [...counts].map(([fp, c]) => ({
    fingerprint: fp,
    ...c,
    local:
      fp === local.primary ? ('primary' as const) : local.keys.includes(fp) ? ('installed' as const) : null,
  }))
  keys.sort(
    (a, b) => b.primary - a.primary || b.members - a.members || a.fingerprint.localeCompare(b.fingerprint),
  )
  return { members: answers.length + 1, keys, failed }
}
