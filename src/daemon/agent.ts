// The one place that wires an agent: store -> identity -> libp2p -> membership -> state -> events.
// It serves no socket and handles no signal: run.ts does (an agent can be embedded as a library).
// Start order builds from the bottom up; stop runs it in reverse.
import { existsSync } from 'node:fs'
import type { Server } from 'node:http'
import { join } from 'node:path'
import { z } from 'zod'
import type { MethodRegistry } from '../admin/methods.js'
import type { InfoResult } from '../api/results.js'
import type { Config } from '../config/schema.js'
import { ConfigError, InvalidInputError, NotFoundError } from '../errors.js'
import { INTERNAL_EVENT_PREFIX, type UserEvent } from '../events/user-events.js'
import type { GossipComponents } from '../gossip/components.js'
import { STATE_TOPIC } from '../gossip/delta-topic.js'
import { EVENTS_TOPIC, type EventTopic, eventTopic } from '../gossip/event-topic.js'
import { type KeysService, keysService } from '../gossip/keys-service.js'
import { type MembershipService, membershipService } from '../gossip/membership-service.js'
import { type StateService, stateService } from '../gossip/state-service.js'
import { ed25519WriteSigner, ed25519WriteVerifier } from '../gossip/write-signatures.js'
import { ed25519Signer, ed25519Verifier } from '../membership/claims.js'
import { MAX_INCARNATION, type MemberEvent, type Swim, tagsSchema } from '../membership/index.js'
import { prepareDataDir, tighten, warnIfReadable } from '../state/data-dir.js'
import { incarnationPut, peerDel, peerPut, tagsPut } from '../state/schema.js'
import { Store } from '../state/store.js'
import { Dialer, type JoinResult, type JoinStatus, type KnownPeer } from '../transport/dialer.js'
import { IDENTITY_FILE, loadOrCreateIdentity } from '../transport/identity.js'
import { KEYRING_FILE } from '../transport/keyring-file.js'
import { advertisedAddrs } from '../transport/nat.js'
import { createNode, type MurmurNode } from '../transport/node.js'
import { PeerFilter, type PeerLists } from '../transport/peer-filter.js'
import { RelayGate } from '../transport/relay-gate.js'
import { ensureSwarmKey } from '../transport/swarm-key.js'
import type { Logger } from '../util/log.js'
import type { LogHub } from '../util/log-hub.js'
import { RateLimiter } from '../util/rate-limit.js'
import { eventMethods } from './event-methods.js'
import { gossipComponents } from './gossip-components.js'
import { kvHandlerEvent, MemberHandlerEvents, userHandlerEvent } from './handler-events.js'
import { HandlerRunner } from './handlers.js'
import { KeyringHolder, loadKeyring, type MeshKeysHost } from './keys.js'
import { keysMethods } from './keys-methods.js'
import { membershipMethods } from './membership-methods.js'
import type { AgentMetrics } from './metrics.js'
import { monitorMethods, reloadMethods } from './operating-methods.js'
import { Queries } from './queries.js'
import { queryMethods } from './query-methods.js'
import type { ReloadResult } from './reload.js'
import {
  EMPTY_OVERLAY,
  effectiveTags,
  overriddenKeys,
  parseOverlay,
  type TagOverlay,
  tagDiff,
  updateOverlay,
} from './runtime-tags.js'
import { snapshotMethods } from './snapshot-methods.js'
import { stateMethods } from './state-methods.js'

export const SWARM_KEY_FILE = 'swarm.key'
/** How long a peer over its gossip budget is refused. */
const OVER_BUDGET_BAN_MS = 60_000
/** A peer that left stays a rejoin candidate this long: a mesh stopped together leaves a moment apart. */
const FORGET_LEFT_AFTER_MS = 60_000

/** What the process running an agent lends it for the admin socket; without them the methods are absent. */
export interface AgentHooks {
  /** The sink behind the agent's logger, for `murmur monitor`. */
  logs?: LogHub
  /** Re-reads the config and applies what can change live, for `murmur reload`. */
  reload?: () => ReloadResult
}

export class Agent {
  private dialer!: Dialer
  private eventTopic?: EventTopic
  private queries?: Queries
  private handlers?: HandlerRunner
  private metrics?: AgentMetrics
  private metricsServer?: Server
  private memberEvents!: MemberHandlerEvents
  private gossip!: MembershipService
  /** The swarm keys of a private mesh (`murmur keys`); none in an open mesh. */
  private keyring?: KeyringHolder
  private keys?: KeysService
  private readonly closers: Array<() => unknown> = []
  private stopping?: Promise<void>
  private readonly knownPeers = new Map<string, KnownPeer>()
  /** Peers that left, forgotten after FORGET_LEFT_AFTER_MS unless they come back or we stop. */
  private readonly forgetting = new Map<string, NodeJS.Timeout>()
  private resolveStopped!: () => void
  /** Resolves once the agent has fully stopped, whoever asked (signal or `murmur leave`). */
  readonly stopped = new Promise<void>((r) => {
    this.resolveStopped = r
  })
  node!: MurmurNode
  membership!: Swim
  state!: StateService
  peerId = ''
  /** The swarm key file configured (or DATADIR/swarm.key); null in an open mesh. */
  private configuredKeyFile: string | null = null

  /** A file holding the key this agent dials with (the keyring's primary); null in an open mesh. */
  get swarmKeyFile(): string | null {
    return this.keyring?.keyFile() ?? this.configuredKeyFile
  }
  /** Dials refused by the peer's swarm key since the last connection that got through (`info`). */
  private keyRefused: NonNullable<InfoResult['keyRefused']> | null = null
  private readonly peerFilter: PeerFilter
  private readonly relayLog = new RateLimiter(0.1, 1)
  private tagOverlay: TagOverlay = EMPTY_OVERLAY
  private configTags: Record<string, string> = {}
  private readonly relayGate = new RelayGate({
    onRefused: (peer) => {
      if (this.relayLog.take('refused')) this.log.warn('relay reservation refused: not a member', { peer })
    },
  })
  /** What the process should exit with once stopped: non-zero after a fatal error. */
  exitCode = 0

  private constructor(
    readonly config: Config,
    private readonly log: Logger,
    private readonly store: Store,
    private readonly hooks: AgentHooks,
  ) {
    this.peerFilter = new PeerFilter(config.peers)
  }

  static async start(config: Config, log: Logger, hooks: AgentHooks = {}): Promise<Agent> {
    await prepareDataDir(config.dataDir, (was) =>
      log.warn(`data directory ${config.dataDir} was readable by other users (mode ${was}); made it 0700`),
    )
    const store = await Store.open(config.dataDir, { warn: (msg) => log.warn(msg) })
    await tighten(store.path).catch((err) =>
      log.warn('cannot make the store owner-only', { error: err.message }),
    )
    const agent = new Agent(config, log, store, hooks)
    try {
      await agent.startServices()
    } catch (err) {
      await agent.stop({ leave: false }).catch(() => {})
      throw err
    }
    return agent
  }

  private async startServices(): Promise<void> {
    const { config, store, log } = this
    const privateKey = await loadOrCreateIdentity(config.dataDir)
    // Another local user who can read it can sign as this agent: its claims, writes and events.
    await warnIfReadable(join(config.dataDir, IDENTITY_FILE), 'identity key', (m) => log.warn(m))
    // A restarted member must outrank its previous life, or peers keep it dead.
    const stored = (await store.readIncarnation()) ?? 0
    const sane = Number.isSafeInteger(stored) && stored >= 0 && stored < MAX_INCARNATION - 1 ? stored : 0
    if (sane !== stored)
      log.warn('stored incarnation out of range; starting a new life from the clock', { stored })
    const incarnation = Math.max(sane + 1, Date.now())
    await store.write([incarnationPut(incarnation)])
    for (const peer of await store.readKnownPeers()) this.knownPeers.set(peer.id, peer)
    this.tagOverlay = parseOverlay(await store.readTags())
    const startTags = this.tagsOver(config.tags)

    this.configuredKeyFile = await this.resolveSwarmKey()
    if (this.configuredKeyFile)
      this.keyring = await KeyringHolder.open(
        await loadKeyring(config.dataDir, this.configuredKeyFile, log),
        config.dataDir,
        this.configuredKeyFile,
      )
    const keyring = this.keyring
    this.node = await createNode({
      privateKey,
      listen: config.listen,
      announce: config.announce,
      bootstrap: config.join.filter((a) => a.includes('/p2p/')),
      mdns: config.mdns,
      swarmKeyFile: this.swarmKeyFile,
      ...(keyring ? { keyring: () => keyring.view() } : {}),
      maxConnections: config.limits.maxConnections,
      maxMessageBytes: config.limits.maxMessageBytes,
      topics: [STATE_TOPIC, EVENTS_TOPIC],
      metrics: config.metrics.enabled,
      logger: log.child('transport'),
      peerFilter: this.peerFilter,
      nat: config.nat,
      relayGate: this.relayGate,
      onKeyRefused: (remote) => {
        this.keyRefused = {
          count: (this.keyRefused?.count ?? 0) + 1,
          lastAt: Date.now(),
          lastAddr: remote,
        }
      },
    })
    // A connection that got through proves our key is the mesh's: earlier refusals are history.
    this.node.addEventListener('connection:open', () => {
      this.keyRefused = null
    })
    await this.node.start()
    this.peerId = this.node.peerId.toString()
    if (config.metrics.enabled) this.metrics = await this.createMetrics()
    this.memberEvents = new MemberHandlerEvents(this.peerId)
    this.handlers = new HandlerRunner(
      log.child('handlers'),
      { id: this.peerId, name: () => this.membership?.self().name ?? config.name ?? 'murmur' },
      config.handlers,
    )

    // The gossip services see the node only through these (each service logs under its own name).
    const components: GossipComponents = gossipComponents(this.node, log)
    this.gossip = membershipService({
      privateKey,
      self: {
        id: this.peerId,
        name: config.name ?? 'murmur',
        incarnation,
        tags: startTags,
        addrs: advertisedAddrs(this.node.getMultiaddrs()),
      },
      options: { ...config.membership, reconnectIntervalMs: config.reconnectIntervalMs },
      onEvent: (ev) => {
        this.rememberPeer(ev)
        this.relayFollows(ev)
        const hev = this.memberEvents.next(ev)
        if (hev !== undefined && this.handlers?.wants('member')) this.handlers.dispatch(hev)
      },
      avoid: (id) => !this.peerFilter.allows(id),
      onProbeRtt: (ms) => this.metrics?.probeRtt.observe(ms / 1000),
    })(components)
    this.membership = this.gossip.swim
    this.relayGate.attach((id) => this.isLiveMember(id))
    await this.gossip.start()
    if (keyring) {
      this.keys = keysService({
        apply: (req) => keyring.apply(req),
        isMember: (id) => this.isLiveMember(id),
      })({ ...components, logger: log.child('keys') })
      await this.keys.start()
    }

    const state = stateService({
      store,
      syncIntervalMs: config.sync.intervalMs,
      tombstoneHorizonMs: config.sync.tombstoneHorizonMs,
      isLiveMember: (id) => this.isLiveMember(id),
      maxMessageBytes: config.limits.maxMessageBytes,
      maxClockDriftMs: config.limits.maxClockDriftMs,
      maxRecords: config.limits.maxRecords,
      maxStateBytes: config.limits.maxStateBytes,
      gossipBytesPerSecond: config.limits.gossipBytesPerSecond,
      gossipRecordsPerSecond: config.limits.gossipRecordsPerSecond,
      syncBytesPerSecond: config.limits.syncBytesPerSecond,
      signer: ed25519WriteSigner(privateKey),
      verifier: ed25519WriteVerifier(),
      onOverBudget: (peer) => this.refuse(peer, OVER_BUDGET_BAN_MS),
      onFatal: () => {
        this.exitCode = 1
        void this.stop({ leave: true })
      },
      syncPeers: () => this.gossip.syncPeers(),
      onWriteAck: (seconds) => this.metrics?.writeAck.observe(seconds),
      meshSize: () => this.membership.counts().alive,
    })(components)
    await state.start()
    this.state = state

    this.eventTopic = eventTopic({
      selfId: this.peerId,
      maxDriftMs: config.limits.maxClockDriftMs,
      isMember: (id) => this.isLiveMember(id),
      onOverBudget: (peer) => this.refuse(peer, OVER_BUDGET_BAN_MS),
      onInternal: (e) => this.onInternalEvent(e),
    })(components)
    this.eventTopic.start()
    this.eventTopic.events.subscribe(undefined, (e) => {
      if (this.handlers?.wants('user'))
        this.handlers.dispatch(userHandlerEvent(e, this.membership.get(e.origin)?.name))
    })
    this.queries = new Queries(
      {
        selfId: this.peerId,
        self: () => this.membership.self(),
        nameOf: (id) => this.membership.get(id)?.name,
        isMember: (id) => this.isLiveMember(id),
        publish: (name, payload) => this.eventTopic!.events.publishInternal(name, payload),
        dispatch: (ev) => this.handlers?.dispatch(ev) ?? 0,
        signer: ed25519Signer(privateKey),
        verifier: ed25519Verifier(),
      },
      { ...components, logger: log.child('query') },
    )
    await this.queries.start()
    this.state.watch(undefined, (c) => {
      const ev = this.handlers?.wants('kv') ? kvHandlerEvent(c) : undefined
      if (ev !== undefined) this.handlers?.dispatch(ev)
    })

    this.dialer = new Dialer({
      node: this.node,
      logger: log.child('dialer'),
      joinAddrs: config.join,
      swarmKeyFile: () => this.swarmKeyFile,
      alone: () => {
        const c = this.membership.counts()
        return c.alive + c.suspect <= 1
      },
      intervalMs: config.reconnectIntervalMs,
      wanted: () => this.gossip.wanted(),
      wantsDiscovered: (id) => this.gossip.wantsDiscovered(id),
      onReached: (id) => this.gossip.join(id),
    })
    this.dialer.start()
    // A restarted agent rejoins through the peers it knew, no --join needed.
    const known = [...this.knownPeers.values()].sort(() => Math.random() - 0.5).slice(0, 8)
    for (const peer of known) void this.rejoin(peer)

    if (this.metrics) {
      const at = config.metrics.listen
      const { serveMetrics } = await import('./metrics.js')
      this.metricsServer = await serveMetrics(at, this.metrics, log.child('metrics')).catch((err: Error) => {
        throw new ConfigError(`metrics.listen: cannot serve metrics on ${at}: ${err.message}`)
      })
      log.info('serving metrics', { url: `http://${at}/metrics` })
    }
    log.info('agent started', {
      peer: this.peerId,
      name: this.membership.self().name,
      addrs: this.node.getMultiaddrs().map((m) => m.toString()),
    })
  }

  /**
   * The admin API's methods over this agent, for an admin socket (run.ts serves them; an
   * embedding program may serve them, or not).
   */
  adminMethods(): MethodRegistry {
    return {
      ...membershipMethods(this),
      ...stateMethods(this.state),
      ...snapshotMethods(this.store, () => ({ peerId: this.peerId, name: this.membership.self().name })),
      ...eventMethods(this.eventTopic!.events, (id) => this.membership.get(id)?.name),
      ...queryMethods(this.queries!, (id) => this.membership.get(id)?.name),
      ...keysMethods(() => this.meshKeys()),
      ...(this.hooks.logs ? monitorMethods(this.hooks.logs) : {}),
      ...(this.hooks.reload ? reloadMethods(this.hooks.reload) : {}),
    }
  }

  /** The file of this agent's swarm keyring; null in an open mesh. */
  keyringFile(): string | null {
    return this.keyring ? join(this.config.dataDir, KEYRING_FILE) : null
  }

  /** `murmur keys`: this agent's keyring and the live members to apply an operation to. */
  private meshKeys(): MeshKeysHost {
    const { keyring, keys } = this
    if (!keyring || !keys) throw new InvalidInputError('this agent runs an open mesh: it has no swarm keys')
    return {
      keyring,
      selfId: this.peerId,
      selfName: () => this.membership.self().name,
      peers: () =>
        this.membership
          .list()
          .filter((m) => m.id !== this.peerId && (m.status === 'alive' || m.status === 'suspect'))
          .map((m) => ({ id: m.id, name: m.name })),
      ask: (peer, req) => keys.ask(peer, req),
    }
  }

  /** Runs `fn` when the agent stops: after its leave, before its services stop (an admin socket). */
  onStopping(fn: () => unknown): void {
    this.closers.push(fn)
  }

  /** Private by default: a configured key, else DATADIR/swarm.key, made at first start. */
  private async resolveSwarmKey(): Promise<string | null> {
    const { config, log } = this
    if (config.open) {
      log.warn('open mesh: no swarm key, so anyone who can reach the listen addresses can join and write', {
        listen: config.listen,
      })
      return null
    }
    const file = config.swarmKeyFile ?? join(config.dataDir, SWARM_KEY_FILE)
    // Once a keyring exists it holds the keys (keys.ts): no new key file then.
    const hasKeyring = existsSync(join(config.dataDir, KEYRING_FILE))
    if (!config.swarmKeyFile && !hasKeyring && (await ensureSwarmKey(file))) {
      // Told to join a mesh that exists: that mesh has its own key, and refuses this new one.
      if (config.join.length > 0)
        log.warn(
          "created a new swarm key, but this agent is told to join a mesh, whose agents hold their own key and will refuse this one: stop it, copy the mesh's key file over this one (or pass --swarm-key FILE), start again",
          { file, join: config.join },
        )
      else
        log.info('created a swarm key for a new private mesh; copy it to every machine that joins', { file })
    }
    // A key copied in with a loose umask is readable by everyone on this machine.
    await warnIfReadable(file, 'swarm key', (m) => log.warn(m))
    return file
  }

  join(addrs: string[]): Promise<JoinResult> {
    return this.dialer.join(addrs)
  }

  joinStatus(): JoinStatus {
    return this.dialer.joinStatus()
  }

  keyRefusals(): InfoResult['keyRefused'] {
    return this.keyRefused
  }

  /** `murmur tags set/del`: applied, then kept in the store over the config file's tags (runtime-tags.ts). */
  async updateTags(set: Record<string, string>, del: string[]): Promise<{ tags: Record<string, string> }> {
    const overlay = updateOverlay(this.tagOverlay, set, del)
    // Applied first: bad input throws here, to the client, and nothing is stored.
    this.gossip.setTags(set, del)
    await this.store.write([tagsPut(overlay)])
    this.tagOverlay = overlay
    return { tags: this.membership.self().tags }
  }

  /**
   * `murmur force-leave MEMBER [--prune]` (Serf's): a member held dead here is shown left (or with
   * `prune` forgotten) at once, and the others are told; each does the same only if it holds that
   * member dead too (forced.ts), so no member can force out one that is alive.
   */
  async forceLeave(
    member: string,
    prune: boolean,
  ): Promise<{ id: string; name: string; outcome: 'left' | 'pruned'; recipients: number }> {
    const matches = this.membership.list().filter((m) => m.id === member || m.name === member)
    if (matches.length === 0) throw new NotFoundError(`no member named '${member}'`)
    if (matches.length > 1)
      throw new InvalidInputError(`${matches.length} members are named '${member}': give the peer id`)
    const m = matches[0]!
    const outcome = this.membership.forceLeave(m.id, prune)
    if (outcome === 'unknown') throw new InvalidInputError(`'${member}' is this agent: use \`murmur leave\``)
    if (outcome === 'not-dead')
      throw new InvalidInputError(
        `member '${member}' is ${m.status}: force-leave takes only members held dead`,
      )
    const payload = JSON.stringify({ id: m.id, incarnation: m.incarnation, prune })
    const { recipients } = await this.eventTopic!.events.publishInternal(FORCE_LEAVE_EVENT, payload)
    this.log.info('member forced out', { peer: m.id, name: m.name, outcome })
    return { id: m.id, name: m.name, outcome, recipients }
  }

  /** The agents' own events: a query, or a force-leave from another member (checked, then applied if dead here). */
  private onInternalEvent(e: UserEvent): void {
    this.queries?.onInternalEvent(e)
    if (e.name !== FORCE_LEAVE_EVENT) return
    const p = forceLeavePayload.safeParse(safeJson(e.payload))
    if (!p.success) return
    const outcome = this.membership.forceLeave(p.data.id, p.data.prune, p.data.incarnation)
    if (outcome === 'left' || outcome === 'pruned')
      this.log.info('member forced out', { peer: p.data.id, outcome, by: e.origin })
  }

  /** `murmur tags reset`: the config file's tags alone again. */
  async resetTags(): Promise<{ tags: Record<string, string> }> {
    await this.store.write([tagsPut(EMPTY_OVERLAY)])
    this.tagOverlay = EMPTY_OVERLAY
    this.applyTags(this.configTags)
    return { tags: this.membership.self().tags }
  }

  /** A reload's tags: the file's, with the run-time overlay over them; returns the keys it overrides. */
  reloadTags(fileTags: Record<string, string>): string[] {
    this.configTags = fileTags
    this.applyTags(this.tagsOver(fileTags))
    return overriddenKeys(fileTags, this.tagOverlay)
  }

  private applyTags(wanted: Record<string, string>): void {
    const { set, del } = tagDiff(this.membership.self().tags, wanted)
    if (Object.keys(set).length > 0 || del.length > 0) this.gossip.setTags(set, del)
  }

  /** The file's tags with the overlay over them; the file's alone if that breaks a limit. */
  private tagsOver(fileTags: Record<string, string>): Record<string, string> {
    this.configTags = fileTags
    const tags = effectiveTags(fileTags, this.tagOverlay)
    if (tagsSchema.safeParse(tags).success) return tags
    this.log.warn("tags set at run time do not fit with the config file's; using the file's alone", {
      runtime: Object.keys(this.tagOverlay.set).length,
    })
    return fileTags
  }

  /** New allow and deny lists (SIGHUP): connections to peers now refused are closed. */
  updatePeerLists(lists: PeerLists): { closed: number } {
    this.peerFilter.set(lists)
    return { closed: this.dropRefused() }
  }

  /** A peer over a budget: hung up on and refused for `ms` (then it may rejoin). */
  private refuse(peer: string, ms: number): void {
    this.peerFilter.ban(peer, ms)
    this.dropRefused()
  }

  private dropRefused(): number {
    this.membership.viewChanged()
    let closed = 0
    for (const conn of this.node.getConnections()) {
      if (this.peerFilter.allows(conn.remotePeer.toString())) continue
      closed++
      void conn.close().catch(() => conn.abort(new Error('peer refused')))
    }
    return closed
  }

  addresses(): string[] {
    return this.node.getMultiaddrs().map((m) => m.toString())
  }

  listenAddrs(): string[] {
    return [...this.config.listen]
  }

  connections(): Array<{ peer: string; addr: string; outbound: boolean }> {
    return this.node.getConnections().map((c) => ({
      peer: c.remotePeer.toString(),
      addr: c.remoteAddr.toString(),
      outbound: c.direction === 'outbound',
    }))
  }

  natInfo(): InfoResult['nat'] {
    return this.node?.services.nat.info(this.node.getMultiaddrs())
  }

  clockSkew(): InfoResult['clock'] {
    return this.state?.skew.summary(Date.now())
  }

  stateSummary(): InfoResult['state'] {
    return this.state?.summary()
  }

  syncStats(): InfoResult['sync'] {
    const t = this.state?.traffic().sync
    if (!t) return undefined
    return {
      sessions: t.sessions.initiated + t.sessions.answered,
      lastAt: t.lastAt,
      intervalMs: this.config.sync.intervalMs,
    }
  }

  membershipStats(): ReturnType<MembershipService['stats']> {
    return this.gossip.stats()
  }

  private async rejoin(peer: KnownPeer): Promise<void> {
    const res = await this.dialer.join(
      peer.addrs.map((a) => (a.includes('/p2p/') ? a : `${a}/p2p/${peer.id}`)),
      { retry: false },
    )
    if (res.reached === 0) void this.gossip.join(peer.id, peer.addrs)
  }

  /** Graceful leave requested by a client: answer first, then stop. */
  async leave(): Promise<void> {
    await this.gossip.leave()
    setImmediate(() => void this.stop({ leave: false }))
  }

  stop(opts: { leave: boolean }): Promise<void> {
    this.stopping ??= this.doStop(opts.leave)
    return this.stopping
  }

  private async doStop(leave: boolean): Promise<void> {
    const step = async (what: string, fn: () => unknown) => {
      try {
        await fn()
      } catch (err) {
        this.log.warn(`stop: ${what} failed`, { error: (err as Error).message })
      }
    }
    for (const t of this.forgetting.values()) clearTimeout(t)
    if (leave && this.gossip) await step('leave', () => this.gossip.leave())
    for (const close of this.closers) await step('closing', close)
    this.dialer?.stop()
    this.eventTopic?.stop()
    if (this.queries) await step('queries', () => this.queries?.stop())
    if (this.keys) await step('keys', () => this.keys?.stop())
    this.handlers?.stop()
    this.metricsServer?.close()
    if (this.gossip) await step('membership', () => this.gossip.stop())
    if (this.state) await step('state', () => this.state.stop())
    if (this.node) await step('libp2p', () => this.node.stop())
    await step('store', () => this.store.close())
    this.log.info('agent stopped')
    this.resolveStopped()
  }

  /** Alive or suspect: a member whose word counts (events, relay slots) and whose origin is not retired. */
  private isLiveMember(id: string): boolean {
    const status = this.membership.get(id)?.status
    return status === 'alive' || status === 'suspect'
  }

  /** Relay slots are for members: a member that joins may take one, one that leaves or dies frees its. */
  private relayFollows(ev: MemberEvent): void {
    if (ev.type === 'join' || ev.type === 'alive') this.relayGate.notify(ev.member.id)
    else if (ev.type === 'leave' || ev.type === 'dead' || ev.type === 'reap')
      this.node.services.nat.release(ev.member.id)
  }

  private forgetPeer(id: string): void {
    if (this.knownPeers.delete(id)) void this.store.write([peerDel(id)], { sync: false }).catch(() => {})
  }

  /** Loaded only when enabled (off by default): prom-client costs every agent memory. */
  private async createMetrics(): Promise<AgentMetrics> {
    const { AgentMetrics } = await import('./metrics.js')
    return new AgentMetrics({
      members: () => this.membership.counts(),
      membership: () => this.gossip.stats(),
      state: () => this.state?.summary(),
      topics: () => [
        ...(this.state ? [{ topic: STATE_TOPIC, traffic: this.state.traffic().gossip }] : []),
        ...(this.eventTopic ? [{ topic: EVENTS_TOPIC, traffic: this.eventTopic.traffic }] : []),
      ],
      sync: () => this.state?.traffic().sync,
      events: () =>
        this.eventTopic?.events.counts ?? {
          sent: 0,
          received: 0,
          duplicate: 0,
          stale: 0,
          invalid: 0,
          nonMember: 0,
        },
      handlers: () => this.handlers?.counts ?? { run: 0, failed: 0, timedOut: 0, dropped: 0 },
    })
  }

  /** Replaces the event handlers (config reload). */
  setHandlers(specs: Config['handlers']): void {
    this.handlers?.set(specs)
  }

  /** Known peers persist so a restarted agent rejoins without --join. */
  private rememberPeer(ev: MemberEvent): void {
    const m = ev.member
    if (m.id === this.peerId) {
      if (ev.type === 'refute' || ev.type === 'update') {
        void this.store.write([incarnationPut(m.incarnation)]).catch(() => {})
      }
      return
    }
    if (ev.type === 'leave') {
      // The whole mesh may be stopping (a restart), and our own SIGTERM may come a moment after
      // the others' leaves: forgetting them at once would leave nobody to dial when it comes back.
      if (this.stopping || this.forgetting.has(m.id)) return
      const t = setTimeout(() => {
        this.forgetting.delete(m.id)
        if (!this.stopping) this.forgetPeer(m.id)
      }, FORGET_LEFT_AFTER_MS)
      t.unref()
      this.forgetting.set(m.id, t)
      return
    }
    if (ev.type === 'reap') {
      if (!this.stopping) this.forgetPeer(m.id)
      return
    }
    clearTimeout(this.forgetting.get(m.id))
    this.forgetting.delete(m.id)
    const prev = this.knownPeers.get(m.id)
    if (prev && prev.addrs.join() === m.addrs.join()) return
    const peer = { id: m.id, addrs: m.addrs }
    this.knownPeers.set(m.id, peer)
    // Not fsync'd: a hint for rejoining after a restart, rewritten whenever a member's addresses
    // change. A fleet joining at once wrote one per member learnt, each with its own fsync.
    void this.store.write([peerPut(peer)], { sync: false }).catch(() => {})
  }
}

const FORCE_LEAVE_EVENT = `${INTERNAL_EVENT_PREFIX}force-leave`
const forceLeavePayload = z
  .object({ id: z.string().min(1).max(128), incarnation: z.number().int().min(0), prune: z.boolean() })
  .strict()
const safeJson = (s: string): unknown => {
  try {
    return JSON.parse(s)
  } catch {
    return undefined
  }
}
