// Membership commands: members, join, leave, info, tags. Each is a thin client of one admin method.
import { type Command, Option } from 'commander'
import type { InfoResult, MemberView } from '../../api/index.js'
import { MAX_TAG_KEY_BYTES, MAX_TAG_VALUE_BYTES, MAX_TAGS } from '../../membership/limits.js'
import { formatAge, formatTable, printError, printJson, printLine } from '../output.js'
import { checkMultiaddr, collect, parseKeyValue, parseTags } from '../parse.js'
import { call } from '../context.js'

const STATUSES = ['alive', 'suspect', 'dead', 'left']

export function registerMembership(program: Command): void {
  program
    .command('members')
    .description('list the members of the mesh')
    .option('--json', 'print JSON')
    .addOption(new Option('--status <status>', 'only members with this status').choices(STATUSES))
    .option('--name <regex>', 'only members whose whole name matches this regular expression')
    .option(
      '--tag <key=regex>',
      'only members with tag KEY whose whole value matches the regular expression (repeatable: all must match)',
      collect,
    )
    .action(
      async (opts: { json?: boolean; status?: string; name?: string; tag?: string[] }, cmd: Command) => {
        const tags =
          opts.tag === undefined
            ? undefined
            : Object.fromEntries(opts.tag.map((t) => parseKeyValue(t, '--tag')))
        const status = opts.status as MemberView['status'] | undefined
        const { members } = await call(cmd, 'members', { status, name: opts.name, tags })
        if (opts.json) return printJson(members)
        process.stdout.write(`${membersTable(members, Date.now())}\n`)
      },
    )

  program
    .command('join')
    .description('connect to peers of a mesh')
    .argument('<multiaddr...>', 'peer addresses, e.g. /ip4/10.0.0.2/tcp/7946')
    .option('--json', 'print the result as JSON ({ reached, failed, retrying? }); exit 1 if none was reached')
    .action(async (addrs: string[], opts: { json?: boolean }, cmd: Command) => {
      for (const a of addrs) checkMultiaddr(a, 'join')
      // The agent gives each dial 5 s and its push-pull answer 5 s; the call must outlast both.
      const res = await call(cmd, 'join', { addrs }, { timeoutMs: 20_000 })
      if (res.reached === 0) process.exitCode = 1
      if (opts.json) return printJson(res)
      for (const f of res.failed) printError(`could not reach ${f.addr}: ${f.error}`)
      printLine(`joined: reached ${res.reached} of ${addrs.length} peer(s)`)
      if (res.retrying)
        printError('the agent is alone and keeps retrying in the background; `murmur info` shows how it goes')
    })

  program
    .command('leave')
    .description('leave the mesh gracefully; the agent then exits')
    .option('--json', 'print JSON ({ ok: true })')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const res = await call(cmd, 'leave', {})
      if (opts.json) return printJson(res)
      printLine('left the mesh; agent is shutting down')
    })

  program
    .command('info')
    .description("show this agent's identity, addresses and member counts")
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const info = await call(cmd, 'info', {})
      if (opts.json) return printJson(info)
      for (const line of infoLines(info, Date.now())) printLine(line)
    })

  const tags = program.command('tags').description("change this member's tags")
  tags
    .command('set')
    .description(
      `set tags; peers see the change (at most ${MAX_TAGS} tags, keys of 1 to ${MAX_TAG_KEY_BYTES} bytes, values up to ${MAX_TAG_VALUE_BYTES})`,
    )
    .argument('<key=value...>')
    .option('--json', "print this member's tags after the change as JSON")
    .action(async (pairs: string[], opts: { json?: boolean }, cmd: Command) => {
      const res = await call(cmd, 'tags.set', { tags: parseTags(pairs, 'tags set') })
      printTags(res.tags, opts.json)
    })
  tags
    .command('del')
    .description('delete tags')
    .argument('<key...>')
    .option('--json', "print this member's tags after the change as JSON")
    .action(async (keys: string[], opts: { json?: boolean }, cmd: Command) => {
      const res = await call(cmd, 'tags.del', { keys })
      printTags(res.tags, opts.json)
    })
  tags
    .command('reset')
    .description("drop the changes made with `tags set` and `tags del`: the config file's tags alone again")
    .option('--json', "print this member's tags after the change as JSON")
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const res = await call(cmd, 'tags.reset', {})
      printTags(res.tags, opts.json)
    })
}

/** `murmur members`: one row per member (each cell escaped, see output.ts). */
export function membersTable(members: MemberView[], now: number): string {
  return formatTable(
    ['NAME', 'PEER ID', 'STATUS', 'ADDRESS', 'TAGS', 'LAST SEEN'],
    members.map((m) => [
      m.self ? `${m.name} (self)` : m.name,
      m.id,
      m.status,
      m.addr?.replace(/\/p2p\/.*$/, '') ?? '-',
      Object.entries(m.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(',') || '-',
      m.self ? '-' : formatAge(now - m.lastSeen),
    ]),
  )
}

/** `murmur info`'s lines, unescaped (printLine escapes each): `key:   value`, a blank line, the hint. */
export function infoLines(info: InfoResult, now: number): string[] {
  const lines = [
    ['name', info.name],
    ['peer id', info.peerId],
    ['version', info.version],
    ['addresses', info.addresses.join(' ') || '-'],
    [
      'members',
      Object.entries(info.members)
        .map(([s, n]) => `${s}=${n}`)
        .join(' '),
    ],
  ]
  lines.push([
    'mesh',
    info.mesh.private ? `private, swarm key ${info.mesh.swarmKeyFile}` : 'open (no swarm key)',
  ])
  if (info.state) {
    const { origins, tombstones } = info.state
    lines.push(
      ['state keys', String(info.state.keys)],
      ['tombstones', String(tombstones)],
      ['origins', `${origins.active}${origins.retired > 0 ? ` (${origins.retired} retired)` : ''}`],
      ['state digest', info.state.digest],
    )
    const held = Object.entries(info.state.heldBack).filter(([, n]) => n > 0)
    // Peers' records this agent refused to merge: a sign of a bad peer, a skewed clock or a cap.
    if (held.length > 0) lines.push(['held back', held.map(([k, n]) => `${k}=${n}`).join(' ')])
  }
  if (info.nat) {
    const { reachability, reservations, relay } = info.nat
    lines.push(['reachability', reachability])
    if (reservations.length > 0) lines.push(['relayed via', reservations.join(' ')])
    if (relay.serving)
      lines.push(['relay for', relay.clients.length > 0 ? relay.clients.join(' ') : '(none yet)'])
  }
  const join = info.join
  if (join?.retrying) {
    const next =
      join.nextAttemptAt === null
        ? ''
        : `, next in ${Math.max(0, Math.round((join.nextAttemptAt - now) / 1000))} s`
    lines.push(['joining', `alone, retrying ${join.addrs.join(' ')} (${join.failures} failed${next})`])
    if (join.lastError) lines.push(['last failure', join.lastError])
  }
  return [...lines.map(([k, v]) => `${`${k}:`.padEnd(14)}${v}`), '', ...addMachineHint(info)]
}

/** What a user does to bring one more machine into this mesh, as lines. */
function addMachineHint(info: InfoResult): string[] {
  const addr =
    info.addresses.find((a) => !a.startsWith('/ip4/127.') && !a.startsWith('/ip6/::1/')) ?? info.addresses[0]
  const join = addr
    ? `murmur agent --join ${addr}${addr.includes('/p2p/') ? '' : `/p2p/${info.peerId}`}`
    : 'murmur agent --join ADDR'
  if (!info.mesh.private) return [`to add a machine: on it, run  ${join} --open`]
  return [
    `to add a machine: copy ${info.mesh.swarmKeyFile} to it (as swarm.key in its data directory,`,
    `or pass --swarm-key FILE), then on it run  ${join}`,
  ]
}

function printTags(tags: Record<string, string>, json?: boolean): void {
  if (json) {
    printJson(tags)
    return
  }
  const entries = Object.entries(tags)
  if (entries.length === 0) printLine('(no tags)')
  for (const [k, v] of entries) printLine(`${k}=${v}`)
}
