import assert from 'node:assert/strict'
import type { InfoResult, MemberView } from '../../../src/api/results.js'
import { type DoctorInputs, diagnose } from '../../../src/cli/doctor-checks.js'

const member = (name: string, status: MemberView['status'], self = false): MemberView => ({
  id: `id-${name}`,
  name,
  status,
  incarnation: 1,
  tags: {},
  addrs: [],
  addr: null,
  connection: self ? 'self' : 'direct',
  lastSeen: 0,
  self,
  coordinate: null,
  rttMs: null,
})

const info = (over: Partial<InfoResult> = {}): InfoResult => ({
  peerId: 'id-a',
  name: 'a',
  version: '0.1.0',
  addresses: ['/ip4/127.0.0.1/tcp/7946', '/ip4/10.0.0.2/tcp/7946'],
  members: { alive: 2, suspect: 0, dead: 0, left: 0 },
  mesh: { private: true, swarmKeyFile: '/k' },
  state: {
    keys: 1,
    sets: 0,
    counters: 0,
    records: 1,
    tombstones: 0,
    bytes: 10,
    origins: { active: 1, retired: 0 },
    heldBack: { forged: 0, future: 0, origins: 0, caps: 0 },
    digest: 'd',
  },
  membership: {
    activeView: 1,
    connections: 1,
    healthScore: 0,
    queued: 0,
    packetsSent: 0,
    packetsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    dropped: 0,
    duplicatesClosed: 0,
  },
  sync: { sessions: 3, lastAt: 1_000, intervalMs: 10_000 },
  ...over,
})

const run = (x: Partial<DoctorInputs>) =>
  Object.fromEntries(
    diagnose({
      info: info(),
      members: [member('a', 'alive', true), member('b', 'alive')],
      now: 2_000,
      disk: { free: 50 * 1024 ** 3, total: 100 * 1024 ** 3 },
      socket: { mode: 0o600, dirOpen: false },
      ...x,
    }).map((f) => [f.check, `${f.status}: ${f.detail}`]),
  )

describe('murmur doctor', () => {
  it('judges `listen` by the config: no loopback advice for 0.0.0.0 when the network is down', () => {
    // A partition (cable out, interface down): libp2p reports loopback only, the config says 0.0.0.0.
    const cut = info({ addresses: ['/ip4/127.0.0.1/tcp/7946'], listen: ['/ip4/0.0.0.0/tcp/7946'] })
    const finding = run({ info: cut }).listen!
    assert.doesNotMatch(finding, /only loopback|listen on 0\.0\.0\.0/)
    assert.match(finding, /^warn: listens on \/ip4\/0\.0\.0\.0\/tcp\/7946, but .* network down/)
    const up = info({ listen: ['/ip4/0.0.0.0/tcp/7946'] })
    assert.equal(run({ info: up }).listen, 'ok: /ip4/10.0.0.2/tcp/7946')
    const v6 = info({ addresses: ['/ip6/::1/tcp/7946'], listen: ['/ip6/::/tcp/7946'] })
    assert.match(run({ info: v6 }).listen!, /network down/)
  })

  it('finds nothing wrong with a healthy agent', () => {
    const r = run({})
    for (const [check, v] of Object.entries(r)) assert.match(v, /^ok: /, `${check}: ${v}`)
    assert.match(r.sync!, /1 s ago/)
  })

  it('says in plain words what is wrong', () => {
    assert.match(run({ members: [member('a', 'alive', true)] }).members!, /^warn: alone/)
    const retrying = run({
      members: [member('a', 'alive', true)],
      info: info({
        join: {
          addrs: ['/ip4/10.0.0.9/tcp/7946'],
          retrying: true,
          failures: 3,
          lastError: '/ip4/10.0.0.9/tcp/7946: no answer within the dial timeout (5 s)',
          lastAttemptAt: 1_000,
          nextAttemptAt: 5_000,
        },
      }),
    })
    assert.match(
      retrying.join!,
      /^fail: alone and retrying the join to \/ip4\/10.0.0.9\/tcp\/7946: 3 attempt\(s\) failed, the last with .*dial timeout/,
    )
    assert.equal(retrying.members, undefined, 'one finding for being alone')
    assert.match(
      run({ members: [member('a', 'alive', true), member('b', 'alive'), member('c', 'dead')] }).members!,
      /^warn: 2 alive; dead: c$/,
    )
    assert.match(run({ info: info({ addresses: ['/ip4/127.0.0.1/tcp/1'] }) }).listen!, /^warn: only loopback/)
    const loopbackOnly = info({ addresses: ['/ip4/127.0.0.1/tcp/1'], listen: ['/ip4/127.0.0.1/tcp/1'] })
    assert.match(run({ info: loopbackOnly }).listen!, /^warn: only loopback/)
    const noConn = info()
    noConn.membership!.connections = 0
    assert.match(run({ info: noConn }).connections!, /^fail: no connection/)
    assert.match(run({ now: 60_000 }).sync!, /^warn: last anti-entropy session 59 s ago/)
    const ahead = info()
    ahead.state!.heldBack.future = 3
    assert.match(run({ info: ahead }).clock!, /^warn: 3 write\(s\) .* check NTP/)
    const skewed = info({ clock: { peers: 1, ahead: { peer: 'id-b', ms: 3200 }, behind: null } })
    assert.equal(run({ info: skewed }).clock, "warn: b's clock is 3.2 s ahead of this one; check NTP")
    const close = info({ clock: { peers: 1, ahead: { peer: 'id-b', ms: 40 }, behind: null } })
    assert.match(run({ info: close }).clock!, /^ok: within a second of the 1 peer/)
    assert.match(
      run({ disk: { free: 50 * 1024 ** 2, total: 10 * 1024 ** 3 } }).disk!,
      /^fail: .*writes will fail soon/,
    )
    assert.match(run({ disk: { free: 2 * 1024 ** 3, total: 100 * 1024 ** 3 } }).disk!, /^warn: /)
    assert.match(run({ socket: { mode: 0o666, dirOpen: false } }).socket!, /^warn: /)
  })

  it('fails naming the key file when peers refused our swarm key, and only warns in a mesh', () => {
    const refused = { count: 4, lastAt: 1_000, lastAddr: '/ip4/10.0.0.9/tcp/7946' }
    const alone = run({ members: [member('a', 'alive', true)], info: info({ keyRefused: refused }) })
    assert.equal(
      alone['swarm key'],
      "fail: 4 dial(s) refused by the peer's swarm key, the last to /ip4/10.0.0.9/tcp/7946 1 s ago: it holds a different key than this agent's /k; give every agent of the mesh a copy of the same key file (swarm.key in its data directory, or --swarm-key FILE) and restart the one that differs",
    )
    assert.equal(
      alone.members,
      'warn: alone: the peers it reached refused its swarm key (above)',
      'no mDNS advice',
    )
    assert.match(run({ info: info({ keyRefused: refused }) })['swarm key']!, /^warn: 4 dial\(s\) refused/)
    assert.equal(run({ info: info({ keyRefused: null }) })['swarm key'], undefined)
  })
})
