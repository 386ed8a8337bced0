// Drives the pure Membership state machine from the network: heartbeats and updates over a
// gossipsub topic, direct pings for members that went quiet, and a periodic tick.
import { peerIdFromString } from '@libp2p/peer-id'
import {
  decodeMemberMessage,
  encodeMemberMessage,
  type Member,
  type MemberEvent,
  type Membership,
  type MembershipResult,
} from '../membership/index.js'
import type { MurmurNode } from '../transport/node.js'
import type { Logger } from '../util/log.js'
import { GossipTopic } from './topic.js'

export const MEMBERSHIP_TOPIC = '/murmur/membership/1'

export interface MembershipGossipOptions {
  node: MurmurNode
  membership: Membership
  logger: Logger
  tickMs?: number
  onEvent?: (event: MemberEvent) => void
}

export class MembershipGossip {
  private readonly topic: GossipTopic
  private timer?: NodeJS.Timeout
  private readonly log: Logger

  constructor(private readonly opts: MembershipGossipOptions) {
    this.log = opts.logger
    this.topic = new GossipTopic({
      node: opts.node,
      topic: MEMBERSHIP_TOPIC,
      logger: opts.logger,
      handle: (data, author) => {
        const res = this.opts.membership.receive(decodeMemberMessage(data), author)
        this.apply(res)
        return res.ignored === 'sender-mismatch' ? 'reject' : 'accept'
      },
    })
  }

  start(): void {
    this.topic.start()
    // A peer that just subscribed has not heard our heartbeat yet: tell it now, not in a second.
    this.opts.node.services.pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    const tickMs = this.opts.tickMs ?? Math.max(10, Math.min(200, this.opts.membership.options.heartbeatIntervalMs / 4))
    this.timer = setInterval(() => this.tick(), tickMs)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.opts.node.services.pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
    this.topic.stop()
  }

  /** Applies a self change (tags, addrs) and announces it. */
  apply(res: MembershipResult): void {
    for (const msg of res.publish) void this.topic.publish(encodeMemberMessage(msg))
    for (const ev of res.events) {
      this.logEvent(ev)
      if (ev.type === 'dead') this.hangUp(ev.member.id)
      this.opts.onEvent?.(ev)
    }
  }

  /**
   * A connection to a member we declared dead is likely stalled (a partition): close it so the
   * dialer's fresh connection carries heartbeats the moment the network heals.
   */
  private hangUp(id: string): void {
    if (id === this.opts.membership.self().id) return
    void this.opts.node.hangUp(peerIdFromString(id)).catch(() => {})
  }

  /** Announces our leave; resolves once it was handed to at least one peer, or after the timeout. */
  async leave(timeoutMs = 2000): Promise<void> {
    const res = this.opts.membership.leave()
    const deadline = Date.now() + timeoutMs
    for (const msg of res.publish) {
      const bytes = encodeMemberMessage(msg)
      while ((await this.topic.publish(bytes)) === 0 && Date.now() < deadline && this.topic.subscribers().length > 0) {
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    for (const ev of res.events) this.opts.onEvent?.(ev)
  }

  private readonly onSubscriptionChange = (evt: CustomEvent<{ subscriptions: Array<{ topic: string; subscribe: boolean }> }>) => {
    if (evt.detail.subscriptions.some((s) => s.topic === MEMBERSHIP_TOPIC && s.subscribe)) {
      this.apply(this.opts.membership.heartbeat())
    }
  }

  private tick(): void {
    const res = this.opts.membership.tick()
    this.apply(res)
    for (const id of res.toPing) void this.ping(id)
  }

  private async ping(id: string): Promise<void> {
    let ok = false
    try {
      const timeout = Math.min(2000, this.opts.membership.options.suspectAfterMs)
      await this.opts.node.services.ping.ping(peerIdFromString(id), { signal: AbortSignal.timeout(timeout) })
      ok = true
    } catch (err) {
      this.log.debug('ping failed', { peer: id, error: (err as Error).message })
    }
    this.apply(this.opts.membership.pingResult(id, ok))
  }

  private logEvent(ev: MemberEvent): void {
    const m: Member = ev.member
    const fields = { peer: m.id, name: m.name, status: m.status, incarnation: m.incarnation }
    if (ev.type === 'update') this.log.debug('member updated', fields)
    else this.log.info(`member ${ev.type}`, fields)
  }
}
