// Keyring operations across an in-memory mesh: members apply what they are asked and answer with
// their fingerprints; non-members, malformed frames, floods and silence are answered or timed out;
// the mesh-wide operations behind `murmur keys` count who took a change.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { lpStream } from '@libp2p/utils'
import {
  type KeyringHolder as Holder,
  KeyringHolder,
  meshKeyList,
  meshKeyOp,
} from '../../../src/daemon/keys.js'
import {
  decodeKeysAnswer,
  KEYS_PROTOCOL,
  type KeysService,
  keysService,
} from '../../../src/gossip/keys-service.js'
import { fingerprint, Keyring } from '../../../src/transport/keyring.js'
import { readKeyring } from '../../../src/transport/keyring-file.js'
import { parseSwarmKey } from '../../../src/transport/swarm-key.js'
import { FakeNet, type FakeNode } from './fake-net.js'

const key = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (i * 17 + n * 29) & 0xff)
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const A = key(1)
const B = key(2)

interface Member {
  node: FakeNode
  holder: Holder
  svc: KeysService
  dir: string
}

describe('keys service on an in-memory net', () => {
  let members: Member[] = []
  let net: FakeNet
  /** Who counts as a member, for every node. */
  let isMember: (peer: string) => boolean

  async function member(ring = Keyring.of(A)): Promise<Member> {
    const node = await net.node()
    const dir = mkdtempSync(join(tmpdir(), 'murmur-keys-svc-'))
    const holder = await KeyringHolder.open(ring, dir, join(dir, 'configured.key'))
    const svc = keysService({ apply: (r) => holder.apply(r), isMember: (p) => isMember(p) })(
      node.components(),
    )
    await svc.start()
    const m = { node, holder, svc, dir }
    members.push(m)
    return m
  }

  /** `from`'s view of the mesh for meshKeyOp/meshKeyList: every other member. */
  const host = (from: Member) => ({
    keyring: from.holder,
    selfId: from.node.id,
    selfName: () => 'self',
    peers: () => members.filter((m) => m !== from).map((m) => ({ id: m.node.id, name: null })),
    ask: (peer: string, req: Parameters<KeysService['ask']>[1]) => from.svc.ask(peer, req),
  })

  beforeEach(() => {
    net = new FakeNet()
    isMember = () => true
  })
  afterEach(async () => {
    for (const m of members) {
      await m.svc.stop()
      rmSync(m.dir, { recursive: true, force: true })
    }
    members = []
  })

  it('rotates three members from A to B: install, use, remove; list counts holders and primaries', async () => {
    const [a, b, c] = [await member(), await member(), await member()]
    const install = await meshKeyOp(host(a), { v: 1, op: 'install', key: hex(B) })
    assert.equal(install.fingerprint, fingerprint(B))
    assert.deepEqual([install.members, install.ok.length, install.failed], [3, 3, []])
    let list = await meshKeyList(host(b))
    assert.deepEqual(list.keys, [
      { fingerprint: fingerprint(A), members: 3, primary: 3, local: 'primary' },
      { fingerprint: fingerprint(B), members: 3, primary: 0, local: 'installed' },
    ])
    // Removing the primary is refused here, before anything is sent.
    await assert.rejects(meshKeyOp(host(a), { v: 1, op: 'remove', fingerprint: fingerprint(A) }), {
      code: 'INVALID_INPUT',
    })
    assert.equal(
      (await meshKeyOp(host(a), { v: 1, op: 'use', fingerprint: fingerprint(B) })).failed.length,
      0,
    )
    assert.equal(
      (await meshKeyOp(host(c), { v: 1, op: 'remove', fingerprint: fingerprint(A) })).failed.length,
      0,
    )
    list = await meshKeyList(host(a))
    assert.deepEqual(list.keys, [{ fingerprint: fingerprint(B), members: 3, primary: 3, local: 'primary' }])
    // Each member's keyring is on its disk, and the file a new machine copies holds the new primary.
    for (const m of [a, b, c]) {
      assert.deepEqual((await readKeyring(m.dir))?.fingerprints(), [fingerprint(B)])
      assert.equal(m.holder.keyFile(), join(m.dir, 'swarm.key'))
      assert.deepEqual(parseSwarmKey(readFileSync(m.holder.keyFile()), 'k'), B)
      assert.equal(statSync(m.holder.keyFile()).mode & 0o777, 0o600)
    }
  })

  it('a member that cannot apply it, or does not answer, is listed failed with its code', async () => {
    const a = await member()
    const b = await member(Keyring.of(B))
    const c = await member()
    c.node.unreachable = true
    const r = await meshKeyOp(host(a), { v: 1, op: 'install', key: hex(key(3)) })
    assert.equal(r.ok.length, 2)
    assert.deepEqual(
      r.failed.map((f) => [f.id, f.code]),
      [[c.node.id, 'DIAL_FAILED']],
    )
    c.node.unreachable = false
    // b lacks A: it cannot make it primary.
    await a.holder.apply({ v: 1, op: 'install', key: hex(B) })
    const use = await meshKeyOp(host(a), { v: 1, op: 'use', fingerprint: fingerprint(B) })
    assert.deepEqual(
      use.failed.map((f) => f.code),
      ['NOT_FOUND'],
    )
    assert.equal(use.failed[0]!.id, c.node.id)
    assert.equal(b.holder.held().primary, fingerprint(B))
  })

  it('a peer that is not a member is refused, and its request changes nothing', async () => {
    const a = await member()
    const b = await member()
    isMember = (p) => p !== a.node.id
    const r = await a.svc.ask(b.node.id, { v: 1, op: 'install', key: hex(B) })
    assert.equal(r.ok, false)
    assert.deepEqual(b.holder.held().keys, [fingerprint(A)])
  })

  it('a malformed request gets INVALID_INPUT; a flood gets TOO_LARGE past its burst', async () => {
    const a = await member()
    const b = await member()
    const raw = async (frame: Uint8Array) => {
      const lp = lpStream(await net.newStream(a.node, b.node.id, KEYS_PROTOCOL))
      await lp.write(frame)
      return decodeKeysAnswer((await lp.read()).subarray())
    }
    const bad = await raw(new TextEncoder().encode('{"v":2,"op":"list"}'))
    assert.deepEqual([bad.ok, !bad.ok && bad.code], [false, 'INVALID_INPUT'])
    const codes: string[] = []
    for (let i = 0; i < 12; i++) {
      const r = await a.svc.ask(b.node.id, { v: 1, op: 'list' })
      codes.push(r.ok ? 'ok' : r.code)
    }
    assert.ok(codes.includes('TOO_LARGE'), codes.join())
    assert.equal(codes.filter((c) => c === 'ok').length, 9, 'a burst of 10, the malformed one included')
  })

  it('a member that never answers is given up on at the timeout (fake clock)', async () => {
    const a = await member()
    const b = await member()
    // b's handler reads and never writes.
    b.node.handlers.set(KEYS_PROTOCOL, () => {})
    const asking = a.svc.ask(b.node.id, { v: 1, op: 'list' }, 5000)
    await new Promise((r) => setImmediate(r))
    net.clock.advance(5000)
    const r = await asking
    assert.deepEqual([r.ok, !r.ok && r.code], [false, 'DIAL_FAILED'])
    assert.match(!r.ok ? r.message : '', /no answer within 5000 ms/)
  })
})
