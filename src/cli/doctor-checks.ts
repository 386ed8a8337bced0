// `murmur doctor`'s checks: pure functions from what the agent reports (and the disk it runs on)
// to findings in plain words. The command (commands/doctor.ts) gathers the inputs.
import type { InfoResult, MemberView } from '../api/results.js'

export type Severity = 'ok' | 'warn' | 'fail'
export interface Finding {
  check: string
  status: Severity
  detail: string
}

export interface DoctorInputs {
  info: InfoResult
  members: MemberView[]
  now: number
  /** Free and total bytes of the data directory's file system, if it could be read. */
  disk?: { free: number; total: number }
  /** Mode bits of the socket file and whether its directory is writable by others. */
  socket?: { mode: number; dirOpen: boolean }
}

const LOOPBACK = /^\/ip4\/127\.|^\/ip6\/::1\//
const GiB = 1024 ** 3
const MiB = 1024 ** 2
const secs = (ms: number) => `${Math.round(ms / 1000)} s`
const secs1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`
const names = (ms: MemberView[]) => ms.map((m) => m.name).join(', ')

export function diagnose(x: DoctorInputs): Finding[] {
  const out: Finding[] = []
  const add = (check: string, status: Severity, detail: string) => out.push({ check, status, detail })
  const { info } = x

  add('agent', 'ok', `${info.name} (${info.peerId}), murmur ${info.version}`)

  if (x.socket) {
    const loose = (x.socket.mode & 0o077) !== 0
    if (loose || x.socket.dirOpen)
      add(
        'socket',
        'warn',
        'the admin socket or its directory is open to other users: only its owner should reach it',
      )
    else add('socket', 'ok', 'owner-only')
  }

  // Advice about `listen` follows the config (an older agent does not report it: then what it
  // listens on now). What is reachable now changes with the network, not with the config.
  const configured = info.listen ?? info.addresses
  const reachable = info.addresses.filter((a) => !LOOPBACK.test(a))
  if (configured.length === 0)
    add('listen', 'fail', 'the agent listens on no address: check `listen` in its config')
  else if (configured.every((a) => LOOPBACK.test(a)))
    add(
      'listen',
      'warn',
      'only loopback addresses: agents on other machines cannot reach this one; listen on 0.0.0.0 or a LAN address',
    )
  else if (reachable.length === 0)
    add(
      'listen',
      'warn',
      `listens on ${configured.join(' ')}, but this machine has no address but loopback now: is its network down?`,
    )
  else add('listen', 'ok', reachable.join(' '))

  const others = x.members.filter((m) => !m.self)
  const alive = others.filter((m) => m.status === 'alive')
  const suspect = others.filter((m) => m.status === 'suspect')
  const dead = others.filter((m) => m.status === 'dead')
  // Peers we dialled hung up in the private-mesh handshake: our key is not theirs. Alone, that is
  // why; in a mesh, some peer (another mesh on the LAN?) holds another key.
  const refused = info.keyRefused
  if (refused)
    add(
      'swarm key',
      alive.length === 0 ? 'fail' : 'warn',
      `${refused.count} dial(s) refused by the peer's swarm key, the last to ${refused.lastAddr} ${secs(x.now - refused.lastAt)} ago: it holds a different key than this agent's ${info.mesh.swarmKeyFile ?? '(none: open mesh)'}; give every agent of the mesh a copy of the same key file (swarm.key in its data directory, or --swarm-key FILE) and restart the one that differs`,
    )

  const join = info.join
  if (join?.retrying)
    add(
      'join',
      'fail',
      `alone and retrying the join to ${join.addrs.join(' ')}: ${join.failures} attempt(s) failed, the last with ${join.lastError ?? 'no answer'}; check the address, that the agent there runs, and that both hold the same swarm key`,
    )
  else if (others.length === 0)
    add(
      'members',
      'warn',
      // A refused key is the reason (the swarm key check says so): mDNS would not help.
      refused
        ? 'alone: the peers it reached refused its swarm key (above)'
        : 'alone: no other member known; `murmur join ADDRESS`, or set `join` (or enable mDNS on a LAN)',
    )
  else if (alive.length === 0) add('members', 'fail', `no other member is alive (${others.length} known)`)
  else {
    const parts = [`${alive.length + 1} alive`]
    if (suspect.length) parts.push(`suspect: ${names(suspect)}`)
    if (dead.length) parts.push(`dead: ${names(dead)}`)
    add('members', suspect.length || dead.length ? 'warn' : 'ok', parts.join('; '))
  }

  const conns = info.membership?.connections
  if (conns !== undefined && alive.length > 0) {
    if (conns === 0)
      add('connections', 'fail', 'no connection to any member: check firewalls and the swarm key')
    else
      add(
        'connections',
        'ok',
        `${conns} connection(s), ${info.membership?.activeView ?? 0} neighbour(s) in the active view`,
      )
  }

  const sync = info.sync
  if (sync && alive.length > 0) {
    if (sync.lastAt === null) add('sync', 'warn', 'no anti-entropy session has completed yet')
    else {
      const ago = x.now - sync.lastAt
      if (ago > 3 * sync.intervalMs)
        add(
          'sync',
          'warn',
          `last anti-entropy session ${secs(ago)} ago (every ${secs(sync.intervalMs)} expected)`,
        )
      else add('sync', 'ok', `last anti-entropy session ${secs(ago)} ago`)
    }
  }

  const held = info.state?.heldBack
  const nameOf = (id: string) => x.members.find((m) => m.id === id)?.name ?? id
  const clock: string[] = []
  if (held && held.future > 0)
    clock.push(`${held.future} write(s) from peers held back as dated too far ahead`)
  const skew = info.clock
  if (skew?.ahead && skew.ahead.ms > 1000)
    clock.push(`${nameOf(skew.ahead.peer)}'s clock is ${secs1(skew.ahead.ms)} ahead of this one`)
  if (skew?.behind && skew.behind.ms > 5000)
    clock.push(
      `${nameOf(skew.behind.peer)}'s clock is ${secs1(skew.behind.ms)} behind this one (or its writes arrive late)`,
    )
  if (clock.length > 0) add('clock', 'warn', `${clock.join('; ')}; check NTP`)
  else if (skew && skew.peers > 0)
    add('clock', 'ok', `within a second of the ${skew.peers} peer(s) that wrote recently`)
  else if (held) add('clock', 'ok', 'no peer write dated beyond the drift bound')
  if (held) {
    if (held.forged > 0)
      add(
        'writes',
        'warn',
        `${held.forged} record(s) with bad signatures refused: a peer sends forged writes`,
      )
    if (held.caps > 0 || held.origins > 0)
      add(
        'writes',
        'warn',
        `${held.caps + held.origins} record(s) held back at the state caps (limits.maxRecords, maxStateBytes)`,
      )
  }

  if (x.disk) {
    const { free, total } = x.disk
    const detail = `${(free / GiB).toFixed(1)} GiB free of ${(total / GiB).toFixed(1)} GiB on the data directory's disk`
    if (free < 100 * MiB) add('disk', 'fail', `${detail}: writes will fail soon`)
    else if (free < GiB || free < total / 10) add('disk', 'warn', detail)
    else add('disk', 'ok', detail)
  }
  return out
}
