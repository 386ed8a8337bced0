// A peer that is not murmur: an in-process libp2p node gossips forged and malformed state.
// The agent must keep serving, apply what is genuine, and drop the rest.
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { encodeDeltaFrames, Replica } from '../../src/crdt/index.js'
import { STATE_TOPIC } from '../../src/gossip/state-service.js'
import type { MurmurNode } from '../../src/transport/node.js'
import { systemClock } from '../../src/util/clock.js'
import { startForeignNode } from '../helpers/foreign-node.js'
import { disposeAgents, type Info, TestAgent, testSwarmKeyFile } from '../helpers/agents.js'
import { waitFor } from '../helpers/wait.js'

describe('a hostile peer on the state topic', function () {
  this.timeout(60_000)
  let agents: TestAgent[] = []
  let node: MurmurNode | undefined

  afterEach(async function () {
    await node?.stop()
    await disposeAgents(agents.splice(0), this.currentTest?.state === 'failed')
  })

  it('drops forged and malformed deltas and applies genuine ones', async () => {
    const agent = new TestAgent({ name: 'target' }).start()
    agents = [agent]
    const info = await agent.ready()
    // A member gone bad: it holds the mesh's key.
    node = await startForeignNode(undefined, testSwarmKeyFile())
    node.services.pubsub.subscribe(STATE_TOPIC)
    await node.dial(multiaddr(info.addresses.find((a) => a.includes('127.0.0.1'))!))
    await waitFor(() => node!.services.pubsub.getSubscribers(STATE_TOPIC).length > 0, { what: 'agent to subscribe' })

    const publish = (bytes: Uint8Array) => node!.services.pubsub.publish(STATE_TOPIC, bytes)
    // Forged: a write claiming to come from the agent itself, signed by us.
    const forger = new Replica(info.peerId, systemClock)
    for (const f of encodeDeltaFrames(forger.kvSet('forged', 'x').deltas)) await publish(f)
    // Malformed: garbage, a wrong version byte, and JSON of the wrong shape.
    await publish(new Uint8Array([1, 123, 0xff]))
    await publish(new Uint8Array([9, 0x7b, 0x7d]))
    await publish(new TextEncoder().encode('\u0001{"type":"delta","deltas":[{"id":7}]}'))
    // Genuine: our own write.
    const me = new Replica(node.peerId.toString(), systemClock)
    for (const f of encodeDeltaFrames(me.kvSet('genuine', 'ok').deltas)) await publish(f)

    await waitFor(async () => (await agent.cli(['kv', 'get', 'genuine'])).stdout === 'ok\n', { what: 'genuine write' })
    assert.equal((await agent.cli(['kv', 'get', 'forged'])).code, 1)
    assert.equal((await agent.json<Info>(['info'])).state?.keys, 1)
    assert.match(agent.logs, /dropped malformed message/)
    assert.ok(agent.running)
  })
})
