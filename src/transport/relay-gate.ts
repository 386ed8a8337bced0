// Relay reservations only for members (#29.3). A relay slot is scarce (limits: nat.relay.
// maxReservations) and lasts an hour, so key holders that are not members could take them all.
// libp2p asks the connection gater before it grants one; this answers "members only". A member
// behind a NAT asks as soon as it connects to the relay, often before the relay has its claim
// (the join's push-pull runs on the same connection), so the answer waits a few seconds for the
// peer to become a member instead of refusing at once. Waits are bounded in number and time.

/** How long a reservation request waits for its peer to be listed as a member. */
export const MEMBER_WAIT_MS = 5000
/** Requests waiting at once; past it a non-member is refused at once. */
export const MAX_WAITING = 32

export class RelayGate {
  private isMember?: (id: string) => boolean
  private readonly waiting = new Map<string, Set<(member: boolean) => void>>()
  private count = 0

  constructor(
    private readonly opts: { waitMs?: number; maxWaiting?: number; onRefused?: (peer: string) => void } = {},
  ) {}

  /** Who counts as a member; until it is set (no membership yet) every peer is refused. */
  attach(isMember: (id: string) => boolean): void {
    this.isMember = isMember
  }

  /** A peer may have become a member: answers its waiting requests. */
  notify(id: string): void {
    const waiters = this.waiting.get(id)
    if (waiters === undefined || !this.member(id)) return
    for (const done of [...waiters]) done(true)
  }

  /** The connection gater's denyInboundRelayReservation: true refuses. */
  async deny(peer: string): Promise<boolean> {
    const refused = !(await this.admit(peer))
    if (refused) this.opts.onRefused?.(peer)
    return refused
  }

  private async admit(peer: string): Promise<boolean> {
    if (this.member(peer)) return true
    if (this.count >= (this.opts.maxWaiting ?? MAX_WAITING)) return false
    return new Promise<boolean>((resolve) => {
      const waiters = this.waiting.get(peer) ?? new Set()
      this.waiting.set(peer, waiters)
      this.count++
      const done = (m: boolean): void => {
        clearTimeout(timer)
        waiters.delete(done)
        if (waiters.size === 0) this.waiting.delete(peer)
        this.count--
        resolve(m)
      }
      const timer = setTimeout(() => done(this.member(peer)), this.opts.waitMs ?? MEMBER_WAIT_MS)
      waiters.add(done)
    })
  }

  private member(id: string): boolean {
    return this.isMember?.(id) ?? false
  }
}
