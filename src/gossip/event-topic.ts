// User events over gossipsub: the thin adapter between src/events (the protocol) and the topic.
// Authors are charged per message like on the state topic; a malformed event costs its sender score.
import { UserEvents, type UserEventsOptions } from '../events/user-events.js'
import type { MurmurNode } from '../transport/node.js'
import type { Logger } from '../util/log.js'
import { GossipTopic, OnTopic } from './topic.js'

export const EVENTS_TOPIC = '/murmur/events/1'
/** Events a second one author may send through us (burst: four seconds' worth). */
export const EVENTS_PER_AUTHOR_PER_SECOND = 100
/** Events a second one connection may hand us, whoever wrote them: ten busy authors' worth. */
export const EVENTS_PER_CONNECTION_PER_SECOND = 10 * EVENTS_PER_AUTHOR_PER_SECOND

export interface EventTopicOptions extends Omit<UserEventsOptions, 'broadcast'> {
  node: MurmurNode
  logger: Logger
  onOverBudget: (peer: string, what: string) => void
}

export class EventTopic extends OnTopic {
  readonly events: UserEvents
  protected readonly topic: GossipTopic

  constructor(opts: EventTopicOptions) {
    super()
    this.topic = new GossipTopic({
      node: opts.node,
      topic: EVENTS_TOPIC,
      logger: opts.logger,
      perPeerPerSecond: EVENTS_PER_AUTHOR_PER_SECOND,
      perPeerBurst: 4 * EVENTS_PER_AUTHOR_PER_SECOND,
      perConnectionPerSecond: EVENTS_PER_CONNECTION_PER_SECOND,
      onOverBudget: opts.onOverBudget,
      handle: (data, author) => this.events.receive(data, author),
    })
    this.events = new UserEvents({ ...opts, broadcast: (bytes) => this.topic.publish(bytes) })
  }
}
