// The membership table as a pure state machine: inputs are received messages, ping
// outcomes, clock ticks and self updates; outputs are messages to publish and events.
// No I/O happens here, so every rule runs under a fake clock in tests.

import { InvalidInputError, MurmurError } from '../errors.js'
import { type Clock, systemClock } from '../util/clock.js'
import { encodeMemberMessage, validateMemberMessage } from './codec.js'
import { DEFAULT_MEMBERSHIP_OPTIONS, type MembershipOptions } from './constants.js'
import { speakerOf, statusOf, supersedes } from './precedence.js'
import {
  type AliveMessage,
  type IgnoreReason,
  MEMBER_STATUSES,
  type Member,
  type MemberEventType,
  type MemberMessage,
  type MembershipResult,
  type MemberStatus,
  type TickResult,
} from './types.js'

export interface SelfInfo {
  id: string
  name: string
  /** Must increase across restarts (the daemon persists it), or peers ignore the new life. */
  incarnation: number
  tags?: Record<string, string>
  addrs?: string[]
}

export interface MembershipInit {
  self: SelfInfo
  clock?: Clock
  options?: Partial<MembershipOptions>
}

export interface ListFilter {
  status?: MemberStatus | readonly MemberStatus[]
}

interface Entry {
  member: Member
  /** A ping was handed out by tick() and its outcome is not in yet. */
  pingPending: boolean
  /** When we last re-published this member's suspicion or death to it (rate limit). */
  reassertedAt?: number
}

const EVENT_FOR: Record<MemberStatus, MemberEventType> = {
  alive: 'alive',
  suspect: 'suspect',
  dead: 'dead',
  left: 'leave',
}

const snapshot = (m: Member): Member => ({ ...m, tags: { ...m.tags }, addrs: [...m.addrs] })
const ignored = (reason: IgnoreReason): MembershipResult => ({ publish: [], events: [], ignored: reason })
const sameTags = (a: Record<string, string>, b: Record<string, string>): boolean => {
  const ka = Object.keys(a)
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k])
}
const sameAddrs = (a: string[], b: string[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i])
const fieldsDiffer = (m: Member, msg: AliveMessage): boolean =>
  m.name !== msg.name || !sameTags(m.tags, msg.tags) || !sameAddrs(m.addrs, msg.addrs)

function checkOptions(o: MembershipOptions): void {
  for (const [k, v] of Object.entries(o)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new InvalidInputError(`membership option ${k} must be a positive number`)
    }
  }
}

/** Validates against the wire limits; what self cannot publish it must not hold either. */
function checkedAlive(msg: AliveMessage): AliveMessage {
  const valid = validateMemberMessage(msg) as AliveMessage
  encodeMemberMessage(valid)
  return valid
}

export class Membership {
  readonly options: Readonly<MembershipOptions>
  private readonly clock: Clock
  private readonly table = new Map<string, Entry>()
  private readonly me: Member
  private lastHeartbeat = Number.NEGATIVE_INFINITY

  constructor(init: MembershipInit) {
    this.clock = init.clock ?? systemClock
    // Undefined entries fall back to defaults, so a config object can be passed as is.
    const given = Object.entries(init.options ?? {}).filter(([, v]) => v !== undefined)
    this.options = Object.freeze({ ...DEFAULT_MEMBERSHIP_OPTIONS, ...Object.fromEntries(given) })
    checkOptions(this.options)
    const { id, name, incarnation, tags = {}, addrs = [] } = init.self
    const valid = checkedAlive({ type: 'alive', id, incarnation, name, tags, addrs })
    const now = this.clock.now()
    this.me = {
      id,
      name: valid.name,
      status: 'alive',
      incarnation,
      tags: valid.tags,
      addrs: valid.addrs,
      lastSeen: now,
      statusSince: now,
    }
    this.table.set(id, { member: this.me, pingPending: false })
  }

  // ---- queries ----

  self(): Member {
    return snapshot(this.me)
  }

  get(id: string): Member | undefined {
    const e = this.table.get(id)
    return e ? snapshot(e.member) : undefined
  }

  /** Members including self, sorted by name then id (code-unit order, not locale). */
  list(filter: ListFilter = {}): Member[] {
    const wanted = filter.status === undefined ? undefined : new Set<MemberStatus>([filter.status].flat())
    const out: Member[] = []
    for (const { member } of this.table.values()) {
      if (!wanted || wanted.has(member.status)) out.push(snapshot(member))
    }
    const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
    return out.sort((a, b) => cmp(a.name, b.name) || cmp(a.id, b.id))
  }

  counts(): Record<MemberStatus, number> {
    const c = Object.fromEntries(MEMBER_STATUSES.map((s) => [s, 0])) as Record<MemberStatus, number>
    for (const { member } of this.table.values()) c[member.status]++
    return c
  }

  // ---- inputs from peers ----

  /** Applies a decoded message; `sender` is the gossipsub-verified author. */
  receive(msg: MemberMessage, sender: string): MembershipResult {
    if (speakerOf(msg) !== sender) return ignored('sender-mismatch')
    if (msg.id === this.me.id) return this.aboutSelf(msg)
    const now = this.clock.now()
    const entry = this.table.get(msg.id)
    if (!entry) return this.first(msg, now)

    const m = entry.member
    if (!supersedes(msg, m)) {
      const publish = msg.type === 'alive' ? this.reassert(entry, now) : []
      // A heartbeat of the current life proves the member is up, but clears no suspicion:
      // only a refutation (higher incarnation) does.
      if (
        msg.type === 'alive' &&
        msg.incarnation === m.incarnation &&
        m.status !== 'dead' &&
        m.status !== 'left'
      ) {
        m.lastSeen = now
        entry.pingPending = false
        return { publish, events: [] }
      }
      return publish.length > 0 ? { publish, events: [], ignored: 'stale' } : ignored('stale')
    }

    const prev = m.status
    const next = statusOf(msg)
    m.incarnation = msg.incarnation
    // Same status at a higher incarnation keeps statusSince: a suspicion is never re-armed.
    if (next !== prev) {
      m.status = next
      m.statusSince = now
    }
    let changed = false
    if (msg.type === 'alive') {
      changed = this.applyFields(m, msg)
      m.lastSeen = now
      entry.pingPending = false
    } else if (msg.type === 'leave') {
      m.lastSeen = now
    }
    const type = next !== prev ? EVENT_FOR[next] : changed ? 'update' : undefined
    return { publish: [], events: type ? [{ type, member: snapshot(m) }] : [] }
  }

  /**
   * A member that still sends heartbeats while we hold it suspect or dead may never have heard
   * that verdict (it was published while a partition cut it off). Tell it again, at most once per
   * heartbeat interval, so it can refute with a higher incarnation.
   */
  private reassert(entry: Entry, now: number): MemberMessage[] {
    const m = entry.member
    if (m.status !== 'suspect' && m.status !== 'dead') return []
    if (entry.reassertedAt !== undefined && now - entry.reassertedAt < this.options.heartbeatIntervalMs) return []
    entry.reassertedAt = now
    return [{ type: m.status, id: m.id, incarnation: m.incarnation, from: this.me.id }]
  }

  /**
   * A member we do not know. alive adds it; dead and leave are recorded as tombstones (name '',
   * no tags) so that a late, older alive cannot resurrect it; they are reaped like any other.
   * A suspicion about a stranger is dropped: there is nothing to time out.
   */
  private first(msg: MemberMessage, now: number): MembershipResult {
    if (msg.type === 'suspect') return ignored('unknown-member')
    const alive = msg.type === 'alive'
    const member: Member = {
      id: msg.id,
      name: alive ? msg.name : '',
      status: statusOf(msg),
      incarnation: msg.incarnation,
      tags: alive ? { ...msg.tags } : {},
      addrs: alive ? [...msg.addrs] : [],
      lastSeen: now,
      statusSince: now,
    }
    this.table.set(msg.id, { member, pingPending: false })
    const type: MemberEventType = alive ? 'join' : EVENT_FOR[member.status]
    return { publish: [], events: [{ type, member: snapshot(member) }] }
  }

  private applyFields(m: Member, msg: AliveMessage): boolean {
    const changed = fieldsDiffer(m, msg)
    m.name = msg.name
    m.tags = { ...msg.tags }
    m.addrs = [...msg.addrs]
    return changed
  }

  /** Self never accepts suspect/dead/left about itself: it refutes with a higher incarnation. */
  private aboutSelf(msg: MemberMessage): MembershipResult {
    if (this.me.status === 'left') return ignored('self-left')
    // alive/leave about self can only be our own echo; a suspect "from" self was never sent.
    if (msg.type === 'alive' || msg.type === 'leave' || msg.from === this.me.id) return ignored('about-self')
    if (msg.incarnation < this.me.incarnation) return ignored('stale')
    this.me.incarnation = msg.incarnation + 1
    return this.announce('refute')
  }

  // ---- failure detection ----

  /** Call periodically (e.g. every 200 ms). Publishes the heartbeat when due. */
  tick(): TickResult {
    const now = this.clock.now()
    const { suspectAfterMs, suspicionTimeoutMs, reapAfterMs, heartbeatIntervalMs } = this.options
    const out: TickResult = { publish: [], events: [], toPing: [] }
    if (this.me.status === 'alive') this.me.lastSeen = now
    if (this.me.status === 'alive' && now - this.lastHeartbeat >= heartbeatIntervalMs) {
      out.publish.push(this.aliveMessage())
      this.lastHeartbeat = now
    }
    for (const [id, entry] of this.table) {
      const m = entry.member
      if (m === this.me) continue
      if (m.status === 'alive') {
        // One ping per suspicion round: the adapter reports each outcome through pingResult.
        if (!entry.pingPending && now - m.lastSeen >= suspectAfterMs) {
          entry.pingPending = true
          out.toPing.push(id)
        }
      } else if (m.status === 'suspect') {
        if (now - m.statusSince >= suspicionTimeoutMs) {
          m.status = 'dead'
          m.statusSince = now
          out.publish.push({ type: 'dead', id, incarnation: m.incarnation, from: this.me.id })
          out.events.push({ type: 'dead', member: snapshot(m) })
        }
      } else if (now - m.statusSince >= reapAfterMs) {
        this.table.delete(id)
        out.events.push({ type: 'reap', member: snapshot(m) })
      }
    }
    return out
  }

  /** Outcome of a ping that tick() asked for. A failure makes us suspect the member. */
  pingResult(id: string, ok: boolean): MembershipResult {
    const entry = this.table.get(id)
    if (!entry?.pingPending) return ignored('no-ping-outstanding')
    entry.pingPending = false
    const m = entry.member
    const now = this.clock.now()
    if (ok) {
      if (m.status === 'alive' || m.status === 'suspect') m.lastSeen = now
      return { publish: [], events: [] }
    }
    if (m.status !== 'alive') return { publish: [], events: [] }
    m.status = 'suspect'
    m.statusSince = now
    return {
      publish: [{ type: 'suspect', id, incarnation: m.incarnation, from: this.me.id }],
      events: [{ type: 'suspect', member: snapshot(m) }],
    }
  }

  // ---- self ----

  /** Graceful leave: peers show self as 'left', never 'dead'. Further self updates throw. */
  leave(): MembershipResult {
    if (this.me.status === 'left') return ignored('self-left')
    const now = this.clock.now()
    this.me.status = 'left'
    this.me.statusSince = now
    return {
      publish: [{ type: 'leave', id: this.me.id, incarnation: this.me.incarnation }],
      events: [{ type: 'leave', member: snapshot(this.me) }],
    }
  }

  /** Applies `set`, then removes `del`. No change: no new incarnation, nothing to publish. */
  setTags(set: Record<string, string>, del: readonly string[] = []): MembershipResult {
    const tags = Object.fromEntries(
      Object.entries({ ...this.me.tags, ...set }).filter(([k]) => !del.includes(k)),
    )
    return this.updateSelf({ tags })
  }

  setAddrs(addrs: readonly string[]): MembershipResult {
    return this.updateSelf({ addrs: [...addrs] })
  }

  setName(name: string): MembershipResult {
    return this.updateSelf({ name })
  }

  private updateSelf(patch: Partial<Pick<Member, 'name' | 'tags' | 'addrs'>>): MembershipResult {
    if (this.me.status === 'left') throw new MurmurError('SHUTTING_DOWN', 'self has left the mesh')
    const candidate = checkedAlive({ ...this.aliveMessage(), ...patch, incarnation: this.me.incarnation + 1 })
    if (!fieldsDiffer(this.me, candidate)) return { publish: [], events: [] }
    this.applyFields(this.me, candidate)
    this.me.incarnation = candidate.incarnation
    return this.announce('update')
  }

  /** Self's alive message for a peer that just arrived; counts as the heartbeat. Nothing once left. */
  heartbeat(): MembershipResult {
    if (this.me.status !== 'alive') return { publish: [], events: [] }
    this.lastHeartbeat = this.clock.now()
    return { publish: [this.aliveMessage()], events: [] }
  }

  /** Publishes self's alive now; it also counts as the heartbeat. */
  private announce(type: MemberEventType): MembershipResult {
    const now = this.clock.now()
    this.me.lastSeen = now
    this.lastHeartbeat = now
    return { publish: [this.aliveMessage()], events: [{ type, member: snapshot(this.me) }] }
  }

  private aliveMessage(): AliveMessage {
    const { id, incarnation, name, tags, addrs } = this.me
    return { type: 'alive', id, incarnation, name, tags: { ...tags }, addrs: [...addrs] }
  }
}
