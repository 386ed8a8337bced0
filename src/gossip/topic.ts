// A gossipsub topic with validation: every message is decoded and checked before gossipsub
// forwards it, so malformed data is rejected (and its sender penalised) instead of flooding.
import { type Message, TopicValidatorResult } from '@libp2p/gossipsub'
import type { MurmurNode } from '../transport/node.js'
import type { Logger } from '../util/log.js'
import { RateLimiter } from '../util/rate-limit.js'

export type Verdict = 'accept' | 'ignore' | 'reject'

export interface TopicOptions {
  node: MurmurNode
  topic: string
  logger: Logger
  /** Handles one message from its signed author; throwing counts as 'reject'. */
  handle: (data: Uint8Array, author: string) => Verdict
  perPeerPerSecond?: number
  perPeerBurst?: number
}

const RESULT: Record<Verdict, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  ignore: TopicValidatorResult.Ignore,
  reject: TopicValidatorResult.Reject,
}

export class GossipTopic {
  private readonly limiter: RateLimiter
  private readonly logLimiter = new RateLimiter(1, 5)

  constructor(private readonly opts: TopicOptions) {
    this.limiter = new RateLimiter(opts.perPeerPerSecond ?? 500, opts.perPeerBurst ?? 2000)
  }

  start(): void {
    const { node, topic } = this.opts
    node.services.pubsub.topicValidators.set(topic, (_peer, msg) => RESULT[this.validate(msg)])
    node.services.pubsub.subscribe(topic)
  }

  stop(): void {
    const { node, topic } = this.opts
    node.services.pubsub.topicValidators.delete(topic)
    try {
      node.services.pubsub.unsubscribe(topic)
    } catch {}
  }

  /** Publishes; losing a message is acceptable (anti-entropy repairs), so errors are only logged. */
  async publish(data: Uint8Array): Promise<number> {
    try {
      const res = await this.opts.node.services.pubsub.publish(this.opts.topic, data)
      return res.recipients.length
    } catch (err) {
      this.opts.logger.debug('publish failed', { topic: this.opts.topic, error: (err as Error).message })
      return 0
    }
  }

  subscribers(): string[] {
    return this.opts.node.services.pubsub.getSubscribers(this.opts.topic).map((p) => p.toString())
  }

  private validate(m: Message): Verdict {
    // StrictSign: an unsigned message is a protocol violation.
    if (m.type !== 'signed') return 'reject'
    const author = m.from.toString()
    if (!this.limiter.take(author)) return 'ignore'
    try {
      return this.opts.handle(m.data, author)
    } catch (err) {
      if (this.logLimiter.take('x')) {
        this.opts.logger.warn('dropped malformed message', {
          topic: this.opts.topic,
          author,
          error: (err as Error).message,
        })
      }
      return 'reject'
    }
  }
}
