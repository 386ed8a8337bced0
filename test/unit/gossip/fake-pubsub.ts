// Gossipsub for topic tests: one hop, every subscriber's validator sees each message at once.
// `deliver` hands a node a message as some peer forwarding some author's, as a real mesh can.
import { type Message, TopicValidatorResult } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import type { Pubsub } from '../../../src/gossip/components.js'

export class PubsubHub {
  private readonly members = new Map<string, FakePubsub>()

  join(self: PeerId): FakePubsub {
    const p = new FakePubsub(this, self)
    this.members.set(self.toString(), p)
    return p
  }

  /** Publishes from `from`: the peers subscribed to `topic` that accepted it. */
  async send(from: PeerId, topic: string, data: Uint8Array): Promise<PeerId[]> {
    const to: PeerId[] = []
    for (const p of this.members.values()) {
      if (p.self.equals(from) || !p.topics.has(topic)) continue
      if ((await p.deliver(from, from, topic, data)) === TopicValidatorResult.Accept) to.push(p.self)
    }
    return to
  }
}

export class FakePubsub {
  readonly topicValidators: Pubsub['topicValidators'] = new Map()
  readonly topics = new Set<string>()

  constructor(
    private readonly hub: PubsubHub,
    readonly self: PeerId,
  ) {}

  subscribe(topic: string): void {
    this.topics.add(topic)
  }

  unsubscribe(topic: string): void {
    this.topics.delete(topic)
  }

  async publish(topic: string, data: Uint8Array): Promise<{ recipients: PeerId[] }> {
    return { recipients: await this.hub.send(this.self, topic, data) }
  }

  getSubscribers(): PeerId[] {
    return []
  }

  /** A message signed by `author`, handed to us by `peer`: what our validator says of it. */
  async deliver(
    peer: PeerId,
    author: PeerId,
    topic: string,
    data: Uint8Array,
  ): Promise<TopicValidatorResult> {
    const validate = this.topicValidators.get(topic)
    if (!validate) return TopicValidatorResult.Ignore
    const msg = { type: 'signed', from: author, topic, data, sequenceNumber: 1n } as unknown as Message
    return validate(peer, msg)
  }
}
