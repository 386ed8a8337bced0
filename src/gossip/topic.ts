// A gossipsub topic with validation: every message is decoded and checked before gossipsub
// forwards it, so malformed data is rejected (and its sender penalised) instead of flooding.
import { type Message, TopicValidatorResult } from '@libp2p/gossipsub'
import type { Clock } from '../util/clock.js'
import type { Logger } from '../util/log.js'
import { RateLimiter } from '../util/rate-limit.js'
import type { Pubsub } from './components.js'

export type Verdict = 'accept' | 'ignore' | 'reject'

export interface TopicInit {
  topic: string
  /** Handles one message from its signed author, handed to us by `from`; throwing counts as 'reject'. */
  handle: (data: Uint8Array, author: string, from: string) => Verdict
  /** Messages a second (burst: four seconds' worth) per author. */
  perPeerPerSecond?: number
  perPeerBurst?: number
  /** Messages a second (burst: four seconds' worth) per connection peer, whoever the authors. */
  perConnectionPerSecond?: number
  /** Bytes a second (and burst) per connection peer and per author; see TopicBudget. */
  bytesPerSecond?: number
  burstBytes?: number
  /** The peer that handed us the message went over its byte budget (disconnect and refuse it). */
  onOverBudget?: (peer: string, what: string) => void
}

export interface TopicComponents {
  pubsub: Pubsub
  clock: Clock
  logger: Logger
}

const RESULT: Record<Verdict, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  ignore: TopicValidatorResult.Ignore,
  reject: TopicValidatorResult.Reject,
}

/** Default byte budget per peer: far above any honest share of a mesh's writes (see docs/security.md). */
export const DEFAULT_TOPIC_BYTES_PER_SECOND = 8 * 1024 * 1024
export const DEFAULT_TOPIC_BURST_BYTES = 32 * 1024 * 1024

/** Messages and bytes through one topic since start, for metrics. */
export interface TopicTraffic {
  messagesIn: Record<Verdict, number>
  bytesIn: number
  messagesOut: number
  bytesOut: number
}

/** A module that carries one kind of message on its own topic: its traffic, start and stop are the topic's. */
export abstract class OnTopic {
  protected abstract readonly topic: GossipTopic

  get traffic(): TopicTraffic {
    return this.topic.traffic
  }

  start(): void {
    this.topic.start()
  }

  stop(): void {
    this.topic.stop()
  }
}

export class GossipTopic {
  readonly traffic: TopicTraffic = {
    messagesIn: { accept: 0, ignore: 0, reject: 0 },
    bytesIn: 0,
    messagesOut: 0,
    bytesOut: 0,
  }
  private readonly limiter: RateLimiter
  private readonly perConnection?: RateLimiter
  private readonly bytes: RateLimiter
  private readonly logLimiter = new RateLimiter(1, 5)

  constructor(
    private readonly opts: TopicInit,
    private readonly c: TopicComponents,
  ) {
    this.limiter = new RateLimiter(opts.perPeerPerSecond ?? 500, opts.perPeerBurst ?? 2000, c.clock)
    if (opts.perConnectionPerSecond !== undefined) {
      this.perConnection = new RateLimiter(
        opts.perConnectionPerSecond,
        4 * opts.perConnectionPerSecond,
        c.clock,
      )
    }
    this.bytes = new RateLimiter(
      opts.bytesPerSecond ?? DEFAULT_TOPIC_BYTES_PER_SECOND,
      opts.burstBytes ?? DEFAULT_TOPIC_BURST_BYTES,
      c.clock,
    )
  }

  get name(): string {
    return this.opts.topic
  }

  start(): void {
    const { topic } = this.opts
    this.c.pubsub.topicValidators.set(topic, (peer, msg) => RESULT[this.validate(peer.toString(), msg)])
    this.c.pubsub.subscribe(topic)
  }

  stop(): void {
    const { topic } = this.opts
    this.c.pubsub.topicValidators.delete(topic)
    try {
      this.c.pubsub.unsubscribe(topic)
    } catch {}
  }

  /** Publishes; losing a message is acceptable (anti-entropy repairs), so errors are only logged. */
  async publish(data: Uint8Array): Promise<number> {
    this.traffic.messagesOut++
    this.traffic.bytesOut += data.length
    try {
      const res = await this.c.pubsub.publish(this.opts.topic, data)
      return res.recipients.length
    } catch (err) {
      this.c.logger.debug('publish failed', { topic: this.opts.topic, error: (err as Error).message })
      return 0
    }
  }

  subscribers(): string[] {
    return this.c.pubsub.getSubscribers(this.opts.topic).map((p) => p.toString())
  }

  private validate(from: string, m: Message): Verdict {
    const v = this.check(from, m)
    this.traffic.messagesIn[v]++
    this.traffic.bytesIn += m.data.length
    return v
  }

  private check(from: string, m: Message): Verdict {
    // StrictSign: an unsigned message is a protocol violation.
    if (m.type !== 'signed') return 'reject'
    const author = m.from.toString()
    const size = m.data.length
    // The connection's peer is charged too: identities are free, connections are not. Over its
    // budget it is cut off; an author over its own is only not forwarded (its forwarders are honest).
    if (!this.bytes.take(`peer:${from}`, size)) {
      this.opts.onOverBudget?.(from, 'gossip byte')
      return 'ignore'
    }
    if (this.perConnection && !this.perConnection.take(from)) return 'ignore'
    if (!this.bytes.take(`author:${author}`, size) || !this.limiter.take(author)) return 'ignore'
    try {
      return this.opts.handle(m.data, author, from)
    } catch (err) {
      if (this.logLimiter.take('x')) {
        this.c.logger.warn('dropped malformed message', {
          topic: this.opts.topic,
          author,
          error: (err as Error).message,
        })
      }
      return 'reject'
    }
  }
}
