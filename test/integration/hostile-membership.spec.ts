// A peer that is not murmur speaks /murmur/swim/3.0.0 to an agent: garbage, a `dead` about a
// malformed id, and accusations at the incarnation bound. The agent drops them all, keeps its
// view of the mesh, and restarts cleanly on its data dir.
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { ed25519Signer, signUpdate } from '../../src/membership/claims.js'
import { MAX_INCARNATION, SWIM_PROTOCOL } from '../../src/membership/limits.js'
import type { Accusation, AliveClaim } from '../../src/membership/messages.js'
import { encodePacket, memberIdBytes } from '../../src/membership/wire.js'
import type { MurmurNode } from '../../src/transport/node.js'
import { disposeAgents, type MemberRow, TestAgent, testSwarmKeyFile } from '../helpers/agents.js'
import { startForeignNode } from '../helpers/foreign-node.js'
import { waitFor } from '../helpers/wait.js'

describe('a hostile peer on the membership protocol', function () {
  this.timeout(90_000)
  let agents: TestAgent[] = []
  let node: MurmurNode | undefined

  afterEach(async function () {
    await node?.stop()
    await disposeAgents(agents.splice(0), this.currentTest?.state === 'failed')
  })

  it('drops garbage, a dead about a malformed id and accusations past the bound; restarts cleanly', async () => {
    agents = ['a', 'b'].map((name) => new TestAgent({ name }).start())
    const [a, b] = agents as [TestAgent, TestAgent]
    const [ia, ib] = await Promise.all(agents.map((x) => x.ready()))
    const addrA = ia!.addresses.find((x) => x.includes('127.0.0.1'))!
    assert.equal((await b.cli(['join', addrA])).code, 0)
    const bothAlive = async (): Promise<boolean> => {
      const rows = await a.json<MemberRow[]>(['members'])
      return rows.length === 2 && rows.every((m) => m.status === 'alive')
    }
    await waitFor(bothAlive, { what: 'a to list a and b alive' })
    const before = await a.json<MemberRow[]>(['members'])

    const key = await generateKeyPair('Ed25519')
    node = await startForeignNode(key, testSwarmKeyFile())
    const hostile = ed25519Signer(key)
    const send = async (frames: Uint8Array[]): Promise<void> => {
      const stream = await node!.dialProtocol(multiaddr(addrA), SWIM_PROTOCOL)
      const lp = lpStream(stream)
      for (const f of frames) await lp.write(f).catch(() => {})
      await stream.close().catch(() => {})
    }
    const accuse = (type: 'suspect' | 'dead', id: string, incarnation: number): Accusation =>
      signUpdate<Accusation>(hostile, { type, id, incarnation, from: hostile.id })

    // A `dead` about "not-a-peer-id": the codec cannot even write that id, so forge the bytes.
    const fakeId = ed25519Signer(await generateKeyPair('Ed25519')).id
    const valid = encodePacket({ type: 'gossip', updates: [accuse('dead', fakeId, 5)] })
    const idBytes = memberIdBytes(fakeId)
    const at = Buffer.from(valid).indexOf(Buffer.from(idBytes))
    const malformedId = Buffer.from(valid)
    Buffer.from('not-a-peer-id').copy(malformedId, at + 2)

    await send([new Uint8Array([2, 99, 1, 2, 3])])
    await send([new Uint8Array(malformedId)])
    await send([
      encodePacket({
        type: 'gossip',
        updates: [
          accuse('dead', ib!.peerId, MAX_INCARNATION),
          accuse('dead', ib!.peerId, MAX_INCARNATION - 1),
          accuse('suspect', ia!.peerId, MAX_INCARNATION),
          accuse('dead', fakeId, 7),
        ],
      }),
    ])

    await waitFor(() => /malformed membership packet/.test(a.logs) || undefined, {
      what: 'a to log the garbage',
    })
    await waitFor(() => (a.logs.match(/membership input dropped/g)?.length ?? 0) >= 4 || undefined, {
      what: 'a to drop the four accusations',
    })
    const after = await a.json<MemberRow[]>(['members'])
    assert.deepEqual(
      after.map((m) => [m.id, m.status, m.incarnation]),
      before.map((m) => [m.id, m.status, m.incarnation]),
      'nothing changed: no stranger stored, no incarnation raised',
    )
    assert.ok(a.running)

    // The store holds nothing that stops a restart.
    a.kill('SIGKILL')
    await a.waitExit()
    a.start()
    await a.ready()
    await waitFor(bothAlive, { what: 'a to list a and b alive after restart' })
  })

  it('a member that signs dead about a healthy one after every refutation never makes it dead, and is muted', async () => {
    agents = ['a', 'b'].map((name) => new TestAgent({ name }).start())
    const [a, b] = agents as [TestAgent, TestAgent]
    const [ia, ib] = await Promise.all(agents.map((x) => x.ready()))
    const addrA = ia!.addresses.find((x) => x.includes('127.0.0.1'))!
    assert.equal((await b.cli(['join', addrA])).code, 0)
    const statusOfB = async (): Promise<MemberRow | undefined> =>
      (await a.json<MemberRow[]>(['members'])).find((m) => m.id === ib!.peerId)
    await waitFor(async () => (await statusOfB())?.status === 'alive', { what: 'a to list b alive' })

    // The attacker is a member: its own signed claim rides in front of each accusation.
    const key = await generateKeyPair('Ed25519')
    node = await startForeignNode(key, testSwarmKeyFile())
    const hostile = ed25519Signer(key)
    // It takes a's membership streams and reads them (it answers nothing: a ends up holding it dead).
    await node.handle(SWIM_PROTOCOL, async (stream) => {
      for await (const _ of stream) {
      }
    })
    const send = async (frames: Uint8Array[]): Promise<void> => {
      const stream = await node!.dialProtocol(multiaddr(addrA), SWIM_PROTOCOL)
      const lp = lpStream(stream)
      for (const f of frames) await lp.write(f)
      await stream.close().catch(() => {})
    }
    const claim = signUpdate<AliveClaim>(hostile, {
      type: 'alive',
      id: hostile.id,
      incarnation: Date.now(),
      name: 'mallory',
      tags: {},
      addrs: [],
    })
    const seen: string[] = []
    for (let round = 0; round < 8; round++) {
      const victim = (await statusOfB())!
      seen.push(victim.status)
      const dead = signUpdate<Accusation>(hostile, {
        type: 'dead',
        id: ib!.peerId,
        incarnation: victim.incarnation,
        from: hostile.id,
      })
      const frame = encodePacket({ type: 'gossip', updates: [claim, dead] })
      // a hangs up once it holds the silent attacker dead: the attacker just dials again.
      await send([frame]).catch(() => send([frame]))
      // Not synchronisation: the attack's pace, about one accusation per refutation.
      await new Promise((r) => setTimeout(r, 600))
    }
    seen.push((await statusOfB())!.status)
    assert.ok(!seen.includes('dead'), `b was listed ${seen.join(', ')}`)
    assert.match(a.logs, /muted-accuser/, 'a muted the accuser')
    assert.deepEqual(
      seen.slice(-3),
      ['alive', 'alive', 'alive'],
      'once muted, its accusations change nothing',
    )
    const deaths = a.logs.split('\n').filter((l) => l.includes('"member dead"') && l.includes(ib!.peerId))
    assert.deepEqual(deaths, [], 'no member-failed for b')
  })
})
