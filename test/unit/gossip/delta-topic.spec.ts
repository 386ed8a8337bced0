// State deltas on a fake gossipsub: merged when the author wrote them, refused as forgeries when
// not, and a forwarding peer past its record budget cut off.
import assert from 'node:assert/strict'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { encodeDeltaFrames, Replica } from '../../../src/crdt/index.js'
import { type DeltaTopic, deltaTopic, STATE_TOPIC } from '../../../src/gossip/delta-topic.js'
import { FakeTimers } from '../../helpers/fake-timers.js'
import { silentLogger } from '../../../src/util/log.js'
import { FakeNet } from './fake-net.js'
import { type FakePubsub, PubsubHub } from './fake-pubsub.js'

describe('delta topic on a fake gossipsub', () => {
  const clock = new FakeTimers()
  const hub = new PubsubHub()
  let net: FakeNet
  let topics: DeltaTopic[] = []

  async function agent(recordsPerSecond?: number) {
    const node = await net.node()
    const replica = new Replica(node.id, clock)
    const pubsub = hub.join(node.peerId)
    const overBudget: string[] = []
    const topic = deltaTopic({
      replica,
      maxMessageBytes: 64 * 1024,
      recordsPerSecond,
      onChanges: () => {},
      onOverBudget: (peer, what) => overBudget.push(`${peer} ${what}`),
    })({ pubsub, clock, logger: silentLogger })
    topic.start()
    topics.push(topic)
    return { node, replica, pubsub: pubsub as FakePubsub, topic, overBudget }
  }

  beforeEach(() => {
    net = new FakeNet()
  })
  afterEach(() => {
    for (const t of topics) t.stop()
    topics = []
  })

  it('a write published by its author is merged by the subscriber', async () => {
    const a = await agent()
    const b = await agent()
    a.topic.publish(a.replica.kvSet('k', 1).deltas)
    await new Promise((r) => setImmediate(r))
    assert.equal(b.replica.kvGet('k'), 1)
    assert.equal(b.topic.traffic.messagesIn.accept, 1)
    assert.equal(a.topic.traffic.messagesOut, 1)
  })

  it("rejects a message carrying another origin's write", async () => {
    const a = await agent()
    const b = await agent()
    const forger = await net.node()
    const [frame] = encodeDeltaFrames(a.replica.kvSet('k', 'mine').deltas)
    const verdict = await b.pubsub.deliver(forger.peerId, forger.peerId, STATE_TOPIC, frame!)
    assert.equal(verdict, TopicValidatorResult.Reject)
    assert.equal(b.replica.kvGet('k'), undefined)
  })

  it('cuts off a forwarding peer past its record budget', async () => {
    const b = await agent(10)
    const a = await agent()
    const deltas = Array.from({ length: 50 }, (_, i) => a.replica.kvSet(`k${i}`, i).deltas).flat()
    const [frame] = encodeDeltaFrames(deltas)
    const verdict = await b.pubsub.deliver(a.node.peerId, a.node.peerId, STATE_TOPIC, frame!)
    assert.equal(verdict, TopicValidatorResult.Ignore)
    assert.deepEqual(b.overBudget, [`${a.node.id} gossip records`])
    assert.equal(b.replica.kvList().length, 0)
  })
})
