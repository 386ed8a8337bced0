// Private meshes under load (issue 15): keyed agents survive bursts of pipelined writes, a keyed
// member sending the largest frames every protocol allows, and a non-member streaming garbage.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import { join } from 'node:path'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { AdminClient } from '../../src/admin/client.js'
import { STATE_TOPIC } from '../../src/gossip/delta-topic.js'
import { SYNC_PROTOCOL } from '../../src/gossip/sync-service.js'
import { MAX_PACKET_BYTES, SWIM_PROTOCOL } from '../../src/membership/limits.js'
import type { MurmurNode } from '../../src/transport/node.js'
import { disposeAgents, type Info, TestAgent } from '../helpers/agents.js'
import { startForeignNode } from '../helpers/foreign-node.js'
import { waitFor } from '../helpers/wait.js'

const MAX_MESSAGE_BYTES = 1 << 20

async function keyedMesh(names: string[]): Promise<{ agents: TestAgent[]; key: string; infos: Info[] }> {
  const agents = names.map((name) => new TestAgent({ name }))
  const key = join(agents[0]!.dataDir, 'mesh.key')
  assert.equal((await agents[0]!.cli(['keygen', key])).code, 0)
  for (const a of agents) a.start(['--swarm-key', key, '--log-level', 'info'])
  const infos = await Promise.all(agents.map((a) => a.ready()))
  const addr = loopbackAddr(infos[0]!)
  for (const a of agents.slice(1)) assert.equal((await a.cli(['join', addr])).code, 0)
  await waitFor(
    async () => {
      const all = await Promise.all(agents.map((a) => a.info()))
      return all.every((i) => i.members.alive === agents.length)
    },
    { what: 'the keyed mesh to form' },
  )
  return { agents, key, infos }
}

function loopbackAddr(info: Info): string {
  return info.addresses.find((a) => a.includes('127.0.0.1'))!
}

async function sameDigest(agents: TestAgent[], keys: number): Promise<void> {
  await waitFor(
    async () => {
      for (const a of agents)
        if (!a.running) throw new Error(`agent ${a.opts.name} died:\n${a.logs.slice(-2000)}`)
      const s = await Promise.all(agents.map((a) => a.info()))
      return s.every((i) => i.state?.keys === keys && i.state.digest === s[0]!.state?.digest)
    },
    { timeoutMs: 60_000, intervalMs: 250, what: `${keys} keys on one digest everywhere` },
  )
}

describe('private mesh under load', function () {
  this.timeout(120_000)
  let agents: TestAgent[] = []
  let node: MurmurNode | undefined

  afterEach(async function () {
    await node?.stop()
    node = undefined
    await disposeAgents(agents.splice(0), this.currentTest?.state === 'failed')
  })

  it('three keyed agents take a burst of pipelined writes on all three and converge', async () => {
    const mesh = await keyedMesh(['load1', 'load2', 'load3'])
    agents = mesh.agents
    const perAgent = 2000
    await Promise.all(
      agents.map(async (a, ai) => {
        // As the client did: two admin connections per agent, 64 requests in flight on each.
        const clients = await Promise.all(
          [0, 1].map(() => AdminClient.connect(a.socket, { timeoutMs: 60_000 })),
        )
        let next = 0
        const worker = async (c: AdminClient): Promise<void> => {
          while (next < perAgent) {
            const i = next++
            await c.call('kv.set', { key: `a${ai}/${i}`, value: `value-${i}-${'x'.repeat(200)}` })
          }
        }
        try {
          await Promise.all(clients.flatMap((c) => Array.from({ length: 64 }, () => worker(c))))
        } finally {
          for (const c of clients) c.close()
        }
      }),
    )
    await sameDigest(agents, 3 * perAgent)
    assert.doesNotMatch(agents.map((a) => a.logs).join(''), /RangeError|uncaught/i)
  })

  it('a keyed member sending the largest frames each protocol allows, as fast as it can, kills no one', async () => {
    const mesh = await keyedMesh(['big1', 'big2'])
    agents = mesh.agents
    const [target, other] = agents as [TestAgent, TestAgent]
    node = await startForeignNode(undefined, mesh.key)
    const peer = multiaddr(loopbackAddr(mesh.infos[0]!))
    await node.dial(peer)
    node.services.pubsub.subscribe(STATE_TOPIC)

    const until = Date.now() + 5000
    let sent = 0
    const flood = async (protocol: string, frameBytes: number): Promise<void> => {
      const frame = randomBytes(frameBytes)
      while (Date.now() < until) {
        try {
          const lp = lpStream(await node!.dialProtocol(peer, protocol), { maxDataLength: frameBytes })
          while (Date.now() < until) {
            await lp.write(frame, { signal: AbortSignal.timeout(5000) })
            sent += frameBytes
          }
        } catch {
          // The agent hung up on this stream (as it should); open another.
        }
      }
    }
    const publish = async (): Promise<void> => {
      const msg = randomBytes(MAX_MESSAGE_BYTES - 1024)
      while (Date.now() < until) {
        await node!.services.pubsub.publish(STATE_TOPIC, msg).catch(() => {})
        await new Promise((r) => setImmediate(r))
      }
    }
    await Promise.all([
      ...Array.from({ length: 4 }, () => flood(SYNC_PROTOCOL, MAX_MESSAGE_BYTES)),
      ...Array.from({ length: 2 }, () => flood(SWIM_PROTOCOL, MAX_PACKET_BYTES)),
      publish(),
    ])
    assert.ok(sent > 4 * MAX_MESSAGE_BYTES, `the flood got ${sent} bytes out`)

    // Both agents still serve, still mesh, and still replicate.
    assert.ok(target.running && other.running)
    assert.equal((await other.cli(['kv', 'set', 'after-flood', 'yes'])).code, 0)
    await waitFor(async () => (await target.cli(['kv', 'get', 'after-flood'])).stdout === 'yes\n', {
      what: 'a write after the flood to reach the target',
    })
    assert.equal((await target.info()).members.alive, 2)
  })

  it('a non-member streaming garbage at a keyed agent is cut off, and the agent keeps serving', async () => {
    const mesh = await keyedMesh(['garbage1'])
    agents = mesh.agents
    const [, , host, , port] = loopbackAddr(mesh.infos[0]!).split('/')
    const sock = connect(Number(port), host)
    let accepted = 0
    const closed = new Promise<void>((resolve) => sock.once('close', () => resolve()))
    sock.on('error', () => {})
    const chunk = randomBytes(64 * 1024)
    const pump = (): void => {
      while (!sock.destroyed && accepted < 256 * 1024 * 1024) {
        accepted += chunk.length
        if (!sock.write(chunk)) {
          sock.once('drain', pump)
          return
        }
      }
    }
    sock.once('connect', pump)
    await waitFor(() => (sock.destroyed || sock.readyState === 'closed' ? true : undefined), {
      timeoutMs: 30_000,
      what: 'the agent to cut the garbage stream off',
    })
    await closed
    assert.ok(accepted < 64 * 1024 * 1024, `cut off after ${accepted} bytes`)
    assert.ok(agents[0]!.running)
    assert.equal((await agents[0]!.cli(['kv', 'set', 'still', 'serving'])).code, 0)
  })
})
