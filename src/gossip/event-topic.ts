// User events over gossipsub: the thin adapter between src/events (the protocol) and the topic.
// Authors are charged per message like on the state topic; a malformed event costs its sender score.
import { UserEvents, type UserEventsOptions } from '../events/user-events.js'
import { GossipTopic, OnTopic, type TopicComponents } from './topic.js'

export const EVENTS_TOPIC = '/murmur/events/1'
/** Events a second one author may send through us (burst: four seconds' worth). */
export const EVENTS_PER_AUTHOR_PER_SECOND = 100
/** Events a second one connection may hand us, whoever wrote them: ten busy authors' worth. */
export const EVENTS_PER_CONNECTION_PER_SECOND = 10 * EVENTS_PER_AUTHOR_PER_SECOND

export interface EventTopicInit extends Omit<UserEventsOptions, 'broadcast' | 'clock'> {
  onOverBudget: (peer: string, what: string) => void
}

export function eventTopic(init: EventTopicInit): (components: TopicComponents) => EventTopic {
  return (components) => new EventTopic(init, components)
}

export class EventTopic extends OnTopic {
  readonly events: UserEvents
  protected readonly topic: GossipTopic

  constructor(init: EventTopicInit, components: TopicComponents) {
    super()
    const logger = components.logger.child('events')
    this.topic = new GossipTopic(
      {
        topic: EVENTS_TOPIC,
        perPeerPerSecond: EVENTS_PER_AUTHOR_PER_SECOND,
        perPeerBurst: 4 * EVENTS_PER_AUTHOR_PER_SECOND,
        perConnectionPerSecond: EVENTS_PER_CONNECTION_PER_SECOND,
        onOverBudget: init.onOverBudget,
        handle: (data, author) => this.events.receive(data, author),
      },
      { ...components, logger },
    )
    this.events = new UserEvents({
      ...init,
      clock: components.clock,
      broadcast: (bytes) => this.topic.publish(bytes),
    })
  }
}
