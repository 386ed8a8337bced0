// Own writes out, peers' writes in, on the gossipsub topic /murmur/state/4. Each message is a
// frame of deltas, all by the message's signed author: agents gossip only their own writes, so
// anyone else's dot in it is a forgery. Deltas are charged per record to the forwarding peer and
// to the author, on top of the topic's byte budgets.
import { type Change, type Delta, decodeMessage, encodeDeltaFrames, type Replica } from '../crdt/index.js'
import { RateLimiter } from '../util/rate-limit.js'
import { GossipTopic, OnTopic, type TopicComponents } from './topic.js'

export const STATE_TOPIC = '/murmur/state/4'
/** Default of limits.gossipRecordsPerSecond. */
export const DEFAULT_GOSSIP_RECORDS_PER_SECOND = 50_000

export interface DeltaTopicInit {
  replica: Replica
  maxMessageBytes: number
  /** Gossip bytes a second one peer may hand us (burst: four seconds' worth). */
  bytesPerSecond?: number
  /** Gossiped records a second one peer may hand us (burst: four seconds' worth). */
  recordsPerSecond?: number
  /** A message was merged, with the visible changes it made. */
  onChanges: (changes: Change[], author: string) => void
  /** A message carried a fresh write of `author` stamped `wallMs` by its clock (clock-skew.ts). */
  onFresh?: (author: string, wallMs: number) => void
  onOverBudget: (peer: string, what: string) => void
}

export function deltaTopic(init: DeltaTopicInit): (components: TopicComponents) => DeltaTopic {
  return (components) => new DeltaTopic(init, components)
}

export class DeltaTopic extends OnTopic {
  protected readonly topic: GossipTopic
  /** Gossiped records a second per connected peer and per author (burst: four seconds' worth). */
  private readonly records: RateLimiter

  constructor(
    private readonly opts: DeltaTopicInit,
    components: TopicComponents,
  ) {
    super()
    const records = opts.recordsPerSecond ?? DEFAULT_GOSSIP_RECORDS_PER_SECOND
    this.records = new RateLimiter(records, 4 * records, components.clock)
    this.topic = new GossipTopic(
      {
        topic: STATE_TOPIC,
        bytesPerSecond: opts.bytesPerSecond,
        burstBytes: opts.bytesPerSecond === undefined ? undefined : 4 * opts.bytesPerSecond,
        onOverBudget: opts.onOverBudget,
        handle: (data, author, from) => {
          const msg = decodeMessage(data, opts.maxMessageBytes)
          if (msg.type !== 'delta') return 'reject'
          if (msg.deltas.some((d) => d.dot.origin !== author)) return 'reject'
          // Records are charged like bytes: the forwarding peer past its budget is cut off.
          if (!this.records.take(`peer:${from}`, msg.deltas.length)) {
            opts.onOverBudget(from, 'gossip records')
            return 'ignore'
          }
          if (!this.records.take(`author:${author}`, msg.deltas.length)) return 'ignore'
          const changes: Change[] = []
          for (const d of msg.deltas) changes.push(...opts.replica.applyDelta(d))
          const lww = msg.deltas.find((d) => d.record.t === 'lww')?.record
          if (lww?.t === 'lww') opts.onFresh?.(author, lww.hlc.wall)
          opts.onChanges(changes, author)
          return 'accept'
        },
      },
      components,
    )
  }

  /** One gossip message per frame's worth of signed deltas. */
  publish(deltas: readonly Delta[]): void {
    if (deltas.length === 0) return
    for (const frame of encodeDeltaFrames(deltas, this.opts.maxMessageBytes)) void this.topic.publish(frame)
  }
}
