// Snapshots (src/state/snapshot*.ts): save from a store, restore into a data directory, and every
// way a file or a target can be refused, by typed code.
import assert from 'node:assert/strict'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { decodeEntry, encodeEntry, Replica } from '../../../src/crdt/index.js'
import { MurmurError, SnapshotError } from '../../../src/errors.js'
import { ed25519WriteSigner, ed25519WriteVerifier } from '../../../src/gossip/write-signatures.js'
import { incarnationPut, peerPut, recordPut, seqPut, tagsPut, versionPut } from '../../../src/state/schema.js'
import { RESTORING_DIR, restoreSnapshot, saveSnapshot } from '../../../src/state/snapshot.js'
import { SnapshotDecoder, SnapshotEncoder } from '../../../src/state/snapshot-format.js'
import { Store } from '../../../src/state/store.js'
import { IDENTITY_FILE } from '../../../src/transport/identity.js'
import { FakeClock } from '../../../src/util/clock.js'

const verifier = ed25519WriteVerifier()
const header = { peerId: 'saver', name: 'a', createdAt: 1 }

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    if (err instanceof SnapshotError) return `${err.code}/${err.problem}`
    if (err instanceof MurmurError) return err.code
    throw err
  }
  assert.fail('expected a refusal')
}

/** A replica signing as `key`, with a few keys, a set and a counter, stored in `dir`'s store. */
async function storeWithState(dir: string, key: PrivateKey, prefix = 'a'): Promise<Replica> {
  const id = peerIdFromPrivateKey(key).toString()
  const r = new Replica(id, new FakeClock(1_700_000_000_000), { signer: ed25519WriteSigner(key) })
  r.kvSet(`${prefix}/x`, 1)
  r.kvSet(`${prefix}/y`, { deep: [1, 'two', null] })
  r.kvSet(`${prefix}/gone`, 'soon')
  r.kvDel(`${prefix}/gone`)
  r.setAdd(`${prefix}-set`, ['e1', 'e2', 'e3'])
  r.setRemove(`${prefix}-set`, ['e2'])
  r.counterAdd(`${prefix}-count`, 7)
  const store = await Store.open(dir)
  await store.write([
    ...[...r.entries()].map(([rid, rec]) => recordPut(rid, rec)),
    ...Object.entries(r.versionVector()).map(([o, s]) => versionPut(o, s)),
    seqPut(r.nextSeq),
  ])
  await store.close()
  return r
}

async function stateOf(dir: string) {
  const store = await Store.open(dir)
  try {
    const s = await store.readReplicaState()
    const replica = Replica.restore('reader', new FakeClock(0), s.records, s.vv, 1, s)
    return {
      ...s,
      digest: replica.digest(),
      store: {
        peers: await store.readKnownPeers(),
        tags: await store.readTags(),
        incarnation: await store.readIncarnation(),
      },
    }
  } finally {
    await store.close()
  }
}

/**
 * A snapshot at `file` of the store in `dir`, each record's bytes passed through `record` (the
 * other entries as they are), under store format `format`.
 */
async function rewrittenSnapshot(
  dir: string,
  file: string,
  record: (raw: Uint8Array) => Uint8Array,
  format?: number,
): Promise<void> {
  const enc = new SnapshotEncoder(format)
  const parts = [enc.start(header)]
  const store = await Store.open(dir)
  try {
    for await (const [k, raw] of store.replicatedEntries())
      parts.push(enc.entry(k, k.startsWith('rec:') ? record(raw) : raw))
  } finally {
    await store.close()
  }
  parts.push(enc.end().bytes)
  writeFileSync(file, Buffer.concat(parts))
}

describe('snapshots: save and restore', function () {
  this.timeout(30_000)
  let root: string
  let key: PrivateKey
  let a: string
  let file: string
  let saved: Replica

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'murmur-snap-'))
    key = await generateKeyPair('Ed25519')
    a = join(root, 'a')
    file = join(root, 'snap.bin')
    saved = await storeWithState(a, key)
    const store = await Store.open(a)
    try {
      await saveSnapshot(store, file, header)
    } finally {
      await store.close()
    }
  })

  afterEach(() => rmSync(root, { recursive: true, force: true }))

  it('restores exactly what was saved into a fresh data directory, file mode 0600', async () => {
    assert.equal(statSync(file).mode & 0o777, 0o600)
    const c = join(root, 'c')
    const r = await restoreSnapshot(file, c, { verifier })
    assert.equal(r.records, [...saved.entries()].length)
    assert.equal(r.origins, 1)
    assert.equal(r.replaced, false)
    assert.deepEqual(r.header, header)
    const [before, after] = await Promise.all([stateOf(a), stateOf(c)])
    assert.equal(after.digest, saved.digest())
    assert.equal(after.digest, before.digest)
    assert.deepEqual(after.vv, before.vv)
    assert.deepEqual(after.records, before.records)
    assert.equal(statSync(join(c, 'state.db')).mode & 0o777, 0o700)
    assert.ok(!existsSync(join(c, RESTORING_DIR)))
  })

  it('restores a snapshot of store format 5 (records as JSON), its records stored binary', async () => {
    const old = join(root, 'format5.bin')
    await rewrittenSnapshot(a, old, (raw) => new TextEncoder().encode(JSON.stringify(decodeEntry(raw)[1])), 5)
    const c = join(root, 'c')
    const r = await restoreSnapshot(old, c, { verifier })
    assert.equal(r.storeFormat, 5)
    assert.equal(r.records, [...saved.entries()].length)
    const [before, after] = await Promise.all([stateOf(a), stateOf(c)])
    assert.equal(after.digest, before.digest)
    assert.deepEqual(after.records, before.records)
  })

  it('saves a consistent copy while the store is written to', async () => {
    const store = await Store.open(a)
    try {
      const writes = Array.from({ length: 50 }, (_, i) => store.write([versionPut(`peer${i}`, i + 1)]))
      const r = await saveSnapshot(store, join(root, 'busy.bin'), header)
      await Promise.all(writes)
      // A cut of the store at one batch: the entries counted match the file's.
      const dec = new SnapshotDecoder()
      dec.push(readFileSync(join(root, 'busy.bin')))
      assert.equal(dec.end().entries, r.entries)
    } finally {
      await store.close()
    }
  })

  it('refuses a store holding state without --force; --force replaces it and keeps its own keys', async () => {
    const c = join(root, 'c')
    const otherKey = await generateKeyPair('Ed25519')
    await storeWithState(c, otherKey, 'other')
    const store = await Store.open(c)
    const peer = { id: 'somepeer', addrs: ['/ip4/127.0.0.1/tcp/1'] }
    await store.write([peerPut(peer), tagsPut({ set: { role: 'db' }, del: [] }), incarnationPut(42)])
    await store.close()
    assert.equal(await codeOf(restoreSnapshot(file, c, { verifier })), 'STATE_NOT_EMPTY')
    const r = await restoreSnapshot(file, c, { verifier, force: true })
    assert.equal(r.replaced, true)
    const after = await stateOf(c)
    assert.equal(after.digest, saved.digest(), 'the state is the snapshot, not a merge')
    assert.deepEqual(after.store.peers, [peer])
    assert.deepEqual(after.store.tags, { set: { role: 'db' }, del: [] })
    assert.equal(after.store.incarnation, 42)
  })

  it("restored under the saver's own identity, the next own write comes after the snapshot's", async () => {
    const c = join(root, 'c')
    const { mkdirSync } = await import('node:fs')
    mkdirSync(c, { mode: 0o700 })
    writeFileSync(join(c, IDENTITY_FILE), privateKeyToProtobuf(key), { mode: 0o600 })
    const r = await restoreSnapshot(file, c, { verifier })
    assert.equal(r.nextSeq, saved.nextSeq)
    assert.ok(r.nextSeq > (saved.versionVector()[saved.selfId] ?? 0))
  })

  it('refuses a store another process holds open (a running agent)', async () => {
    const store = await Store.open(a)
    try {
      assert.equal(await codeOf(restoreSnapshot(file, a, { verifier, force: true })), 'DATA_DIR_LOCKED')
    } finally {
      await store.close()
    }
  })

  it('refuses foreign, truncated, damaged and newer files, leaving the target as it was', async () => {
    const bytes = readFileSync(file)
    const c = join(root, 'c')
    await storeWithState(c, await generateKeyPair('Ed25519'), 'mine')
    const before = await stateOf(c)
    const cases: Array<[string, Uint8Array, string]> = [
      ['empty', new Uint8Array(0), 'damaged'],
      ['text', Buffer.from('{"not":"a snapshot"}\n'), 'foreign'],
      ['half magic', bytes.subarray(0, 4), 'damaged'],
      ['no end', bytes.subarray(0, bytes.length - 40), 'damaged'],
      ['no checksum', bytes.subarray(0, bytes.length - 1), 'damaged'],
      ['extra byte', Buffer.concat([bytes, Buffer.from([0])]), 'damaged'],
    ]
    const flipped = (i: number) => {
      const b = Buffer.from(bytes)
      b[i]! ^= 0x10
      return b
    }
    cases.push(['magic flipped', flipped(3), 'foreign'])
    cases.push(['newer format', flipped(9), 'newer'])
    cases.push(['other store format', flipped(11), 'newer'])
    for (let i = 12; i < bytes.length; i += 61) cases.push([`byte ${i} flipped`, flipped(i), 'damaged'])
    for (const [what, b, problem] of cases) {
      const f = join(root, 'bad.bin')
      writeFileSync(f, b)
      assert.equal(
        await codeOf(restoreSnapshot(f, c, { verifier, force: true })),
        `SNAPSHOT_INVALID/${problem}`,
        what,
      )
    }
    const after = await stateOf(c)
    assert.equal(after.digest, before.digest)
    assert.ok(!existsSync(join(c, RESTORING_DIR)))
  })

  it('refuses an intact file whose record is not signed by its origin (invalid), writing nothing', async () => {
    const f = join(root, 'forged.bin')
    await rewrittenSnapshot(a, f, (raw) => {
      const [id, r] = decodeEntry(raw)
      return encodeEntry(id, r.t === 'lww' && r.value === 1 ? { ...r, value: 2 } : r)
    })
    const c = join(root, 'c')
    assert.equal(await codeOf(restoreSnapshot(f, c, { verifier })), 'SNAPSHOT_INVALID/invalid')
    assert.ok(!existsSync(join(c, 'state.db')))
    assert.ok(!existsSync(join(c, RESTORING_DIR)))
  })

  it('decodes the same entries whatever the chunking', () => {
    const bytes = readFileSync(file)
    const whole = new SnapshotDecoder({ verifier })
    const all = whole.push(bytes)
    const wholeEnd = whole.end()
    const bytewise = new SnapshotDecoder({ verifier })
    const some = [...bytes].flatMap((b) => bytewise.push(Uint8Array.of(b)))
    assert.deepEqual(some, all)
    assert.deepEqual(bytewise.end(), wholeEnd)
  })

  it('save refuses a relative path and a missing directory', async () => {
    const store = await Store.open(a)
    try {
      assert.equal(await codeOf(saveSnapshot(store, 'rel.bin', header)), 'INVALID_INPUT')
      assert.equal(await codeOf(saveSnapshot(store, join(root, 'no', 'such.bin'), header)), 'INVALID_INPUT')
      if (process.getuid?.() !== 0) {
        const ro = join(root, 'ro')
        const { mkdirSync } = await import('node:fs')
        mkdirSync(ro)
        chmodSync(ro, 0o500)
        assert.equal(await codeOf(saveSnapshot(store, join(ro, 'x.bin'), header)), 'IO_FAILED')
      }
    } finally {
      await store.close()
    }
  })
})
