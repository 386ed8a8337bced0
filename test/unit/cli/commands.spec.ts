// Every command of the CLI, run in-process: bad usage exits 2 with one line, --json everywhere,
// one error per failure (text, or one JSON line on stderr with --json), and the results of the
// commands that print JSON, against a fake agent on a temporary admin socket.
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type { Command } from 'commander'
import { AdminServer } from '../../../src/admin/server.js'
import { implement } from '../../../src/api/index.js'
import { readStdinValue } from '../../../src/cli/commands/state.js'
import { multiaddrFor } from '../../../src/cli/parse.js'
import { buildProgram, runCli } from '../../../src/cli/program.js'
import { NotFoundError } from '../../../src/errors.js'
import { captureOutput } from '../../helpers/capture.js'
import { tempDir } from '../admin/helpers.js'

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs `murmur --socket SOCKET ...args` in this process, capturing what it writes. */
async function murmur(socket: string, args: string[]): Promise<Run> {
  const { result, stdout, stderr } = await captureOutput(() =>
    runCli(['node', 'murmur', '--socket', socket, ...args]),
  )
  return { code: result, stdout, stderr }
}

/** Every command that runs (no subcommands), by its path after `murmur`. */
function leaves(c: Command = buildProgram(), path: string[] = []): string[][] {
  const subs = c.commands.filter((s) => s.name() !== 'help')
  if (subs.length === 0) return [path]
  return subs.flatMap((s) => leaves(s, [...path, s.name()]))
}

const KEY_HEX = '0f'.repeat(32)
const KEYS_DIR = mkdtempSync(join(tmpdir(), 'murmur-cli-keys-'))
const KEY_FILE = join(KEYS_DIR, 'good.key')
writeFileSync(KEY_FILE, `/key/swarm/psk/1.0.0/\n/base16/\n${KEY_HEX}\n`, { mode: 0o600 })
const BAD_KEY_FILE = join(KEYS_DIR, 'bad.key')
writeFileSync(BAD_KEY_FILE, 'not a key\n', { mode: 0o600 })

/** A bad option value, a bad argument or a missing one for each command; exit 2 before any call. */
const BAD: Record<string, string[][]> = {
  agent: [
    ['--log-level', 'loud'],
    ['--listen', '10.0.0.1:7946'],
    ['--join', '/ip4/1.2.3.4/tcp/x'],
    ['--tag', 'novalue'],
    ['--tag', `${'k'.repeat(300)}=v`],
    ['--open', '--swarm-key', '/k'],
    ['--name', ''],
  ],
  members: [
    ['--status', 'sleepy'],
    ['--tag', 'novalue'],
  ],
  join: [['10.77.0.12:7946'], []],
  leave: [['now']],
  'force-leave': [[], ['a', 'b']],
  rtt: [[], ['a', 'b', 'c']],
  info: [['me']],
  'tags set': [['novalue'], [`${'k'.repeat(300)}=v`]],
  'tags del': [[]],
  'tags reset': [['x']],
  'kv set': [['k'], ['k', '{bad', '--json']],
  'kv get': [[]],
  'kv del': [['a', 'b']],
  'kv list': [['extra']],
  'set add': [['s']],
  'set rm': [['s']],
  'set members': [[]],
  'set list': [['s']],
  'counter incr': [['c', 'abc']],
  'counter decr': [['c', '0']],
  'counter get': [[]],
  'counter list': [['c']],
  watch: [['x']],
  event: [[]],
  events: [['x']],
  query: [
    [],
    ['uptime', '--node', '(unclosed'],
    ['uptime', '--tag', 'role=[x'],
    ['uptime', '--tag', 'novalue'],
    ['uptime', '--timeout', '5'],
    ['uptime', '--timeout', '10m'],
  ],
  monitor: [['--log-level', 'bogus']],
  reload: [['x']],
  doctor: [['x']],
  keygen: [[]],
  'snapshot save': [[], ['a', 'b']],
  'snapshot restore': [[], ['a', 'b']],
  'keys list': [['x']],
  // A missing key file, one not in the swarm key format, a key on the command line.
  'keys install': [[], ['/nonexistent/murmur.key'], [BAD_KEY_FILE], ['a'.repeat(64)]],
  'keys use': [[], ['xyz'], ['0123456789abcdef0']],
  'keys remove': [[], ['0123']],
}

const KEYS_OK = { fingerprint: 'abcdef0123456789', members: 1, ok: [{ id: 'p1', name: 'a' }], failed: [] }
const KEYS_FAILED = {
  fingerprint: 'abcdef0123456789',
  members: 2,
  ok: [{ id: 'p1', name: 'a' }],
  failed: [{ id: 'p2', name: 'b\x1b', code: 'DIAL_FAILED', error: 'no answer within 5000 ms' }],
}
const KEYS_LIST = {
  members: 2,
  keys: [
    { fingerprint: 'abcdef0123456789', members: 2, primary: 2, local: 'primary' as const },
    { fingerprint: '0123456789abcdef', members: 1, primary: 0, local: null },
  ],
  failed: [],
}

describe('murmur commands', () => {
  let socket: string
  let cleanup: () => Promise<void>
  let server: AdminServer | undefined
  before(async () => {
    const t = await tempDir()
    cleanup = t.cleanup
    socket = join(t.dir, 'murmur.sock')
  })
  after(async () => {
    await server?.close()
    await cleanup()
  })

  it('every command has --help and --json, and a bad-usage case below', async () => {
    const all = leaves()
    assert.ok(all.length >= 25, `${all.length} commands`)
    for (const path of all) {
      const name = path.join(' ')
      assert.ok(BAD[name], `${name}: add a bad-usage case to BAD`)
      const help = await murmur(socket, [...path, '--help'])
      assert.equal(help.code, 0, name)
      assert.match(help.stdout, /--json/, `${name} takes --json`)
    }
    assert.deepEqual(Object.keys(BAD).sort(), all.map((p) => p.join(' ')).sort())
  })

  it('the agent lists every option it takes in its help', async () => {
    const { stdout } = await murmur(socket, ['agent', '--help'])
    for (const flag of [
      '--data-dir',
      '--config',
      '--listen',
      '--join',
      '--swarm-key',
      '--log-level',
      'MURMUR_DATA_DIR',
    ])
      assert.ok(stdout.includes(flag), flag)
  })

  it('bad usage exits 2 with one line, as text or with --json as one JSON line, before any call', async () => {
    // No agent listens on `socket` yet: a command that got past its checks would exit 1.
    for (const [name, cases] of Object.entries(BAD)) {
      for (const args of [...cases, ['--no-such-option']]) {
        const what = `${name} ${args.join(' ')}`
        if (!args.includes('--json')) {
          const r = await murmur(socket, [...name.split(' '), ...args])
          assert.equal(r.code, 2, `${what}: exit ${r.code}, ${r.stderr}`)
          assert.equal(r.stdout, '', what)
          assert.match(r.stderr, /^murmur: [^\n]+\n$/, what)
          assert.ok(r.stderr.length < 300, `${what}: a short line: ${r.stderr}`)
        }
        const j = await murmur(socket, [...name.split(' '), ...args.filter((a) => a !== '--json'), '--json'])
        assert.equal(j.code, 2, `${what} --json`)
        assert.equal(j.stdout, '', what)
        assert.equal(j.stderr.split('\n').length, 2, `${what} --json: one line: ${j.stderr}`)
        const err = JSON.parse(j.stderr) as { error: { code: string; message: string } }
        assert.equal(err.error.code, 'INVALID_INPUT', what)
      }
    }
  })

  it('names the limit a tag breaks, without echoing a huge key', async () => {
    const r = await murmur(socket, ['tags', 'set', `${'k'.repeat(300)}=v`])
    assert.match(r.stderr, /tag key is 300 bytes; the limit is 128/)
    assert.ok(!r.stderr.includes('k'.repeat(40)), r.stderr)
  })

  it('suggests the multiaddr a host:port means', () => {
    assert.equal(multiaddrFor('10.77.0.12:7946'), '/ip4/10.77.0.12/tcp/7946')
    assert.equal(multiaddrFor('[fd00::2]:7000'), '/ip6/fd00::2/tcp/7000')
    assert.equal(multiaddrFor('node-b.lan:7946'), '/dns4/node-b.lan/tcp/7946')
    assert.equal(multiaddrFor('10.0.0.2'), '/ip4/10.0.0.2/tcp/7946')
    assert.equal(multiaddrFor('fd00::2'), '/ip6/fd00::2/tcp/7946')
    assert.equal(multiaddrFor('a b:1'), undefined)
    assert.equal(multiaddrFor('nonsense'), undefined)
    assert.equal(multiaddrFor('localhost:7000'), '/dns4/localhost/tcp/7000')
    assert.equal(multiaddrFor('host:99999'), undefined)
  })

  it('prints one JSON document per command with --json, and each error once', async () => {
    const calls: Array<[string, unknown]> = []
    const seen =
      <T>(method: string, result: T) =>
      (p: unknown) => {
        calls.push([method, p])
        return result
      }
    server = new AdminServer({
      socketPath: socket,
      methods: {
        'tags.set': implement('tags.set', seen('tags.set', { tags: { role: 'db' } })),
        'tags.del': implement('tags.del', seen('tags.del', { tags: {} })),
        'tags.reset': implement('tags.reset', seen('tags.reset', { tags: { role: 'web' } })),
        'kv.set': implement('kv.set', seen('kv.set', { ok: true as const })),
        'kv.del': implement('kv.del', seen('kv.del', { deleted: true })),
        'kv.get': implement('kv.get', () => {
          throw new NotFoundError("key 'nope' not found")
        }),
        'set.add': implement('set.add', seen('set.add', { ok: true as const })),
        'set.rm': implement('set.rm', seen('set.rm', { ok: true as const })),
        'set.list': implement('set.list', seen('set.list', { sets: [{ name: 'admins', size: 2 }] })),
        'counter.incr': implement('counter.incr', seen('counter.incr', { value: 3 })),
        'counter.decr': implement('counter.decr', seen('counter.decr', { value: 2 })),
        'counter.get': implement('counter.get', seen('counter.get', { value: 2 })),
        'counter.list': implement(
          'counter.list',
          seen('counter.list', { counters: [{ name: 'hits', value: 2 }] }),
        ),
        join: implement(
          'join',
          seen('join', { reached: 0, failed: [{ addr: '/ip4/10.0.0.9/tcp/7946', error: 'timeout' }] }),
        ),
        leave: implement('leave', seen('leave', { ok: true as const })),
        'force-leave': implement(
          'force-leave',
          seen('force-leave', { id: 'p', name: 'db-3', outcome: 'pruned' as const, recipients: 2 }),
        ),
        'keys.install': implement('keys.install', seen('keys.install', KEYS_OK)),
        'keys.use': implement('keys.use', seen('keys.use', KEYS_FAILED)),
        'keys.list': implement('keys.list', seen('keys.list', KEYS_LIST)),
        rtt: implement('rtt', (p) => {
          if (p.a === 'ghost') throw new NotFoundError("no coordinate for member 'ghost' yet")
          return { a: { id: 'pa', name: p.a }, b: { id: 'pb', name: p.b ?? 'me' }, rttMs: 1.5 }
        }),
      },
    })
    await server.listen()
    const expect: Array<[string[], unknown, number?]> = [
      [['tags', 'set', 'role=db'], { role: 'db' }],
      [['tags', 'del', 'zone'], {}],
      [['tags', 'reset'], { role: 'web' }],
      [['kv', 'set', 'k', '{"a":1}'], { ok: true }],
      [['kv', 'del', 'k'], { deleted: true }],
      [['set', 'add', 's', 'x'], { ok: true }],
      [['set', 'rm', 's', 'x'], { ok: true }],
      [['set', 'list'], [{ name: 'admins', size: 2 }]],
      [['counter', 'incr', 'c'], 3],
      [['counter', 'decr', 'c', '1'], 2],
      [['counter', 'get', 'c'], 2],
      [['counter', 'list'], [{ name: 'hits', value: 2 }]],
      [
        ['join', '/ip4/10.0.0.9/tcp/7946'],
        { reached: 0, failed: [{ addr: '/ip4/10.0.0.9/tcp/7946', error: 'timeout' }] },
        1,
      ],
      [['leave'], { ok: true }],
      [['force-leave', 'db-3', '--prune'], { id: 'p', name: 'db-3', outcome: 'pruned', recipients: 2 }],
      [['keys', 'install', KEY_FILE], KEYS_OK],
      // A member that did not take it: the whole answer on stdout, exit 1.
      [['keys', 'use', 'ABCDEF0123456789'], KEYS_FAILED, 1],
      [['keys', 'list'], KEYS_LIST],
      [['rtt', 'db-3'], { a: { id: 'pa', name: 'db-3' }, b: { id: 'pb', name: 'me' }, rttMs: 1.5 }],
      [['rtt', 'db-3', 'web'], { a: { id: 'pa', name: 'db-3' }, b: { id: 'pb', name: 'web' }, rttMs: 1.5 }],
    ]
    for (const [args, result, code = 0] of expect) {
      const r = await murmur(socket, [...args, '--json'])
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`)
      assert.deepEqual(JSON.parse(r.stdout), result, args.join(' '))
      assert.equal(r.stderr, '', args.join(' '))
    }
    assert.deepEqual(calls.find(([m]) => m === 'kv.set')?.[1], { key: 'k', value: { a: 1 } })
    // The key goes to the agent as hex from the file; a fingerprint in lower case.
    assert.deepEqual(calls.find(([m]) => m === 'keys.install')?.[1], { key: KEY_HEX })
    assert.deepEqual(calls.find(([m]) => m === 'keys.use')?.[1], { fingerprint: 'abcdef0123456789' })
    const used = await murmur(socket, ['keys', 'use', 'abcdef0123456789'])
    assert.equal(used.code, 1)
    assert.equal(used.stdout, 'made primary key abcdef0123456789 on 1 of 2 members\n')
    assert.equal(
      used.stderr,
      'murmur: b\\x1b (p2): DIAL_FAILED: no answer within 5000 ms\nmurmur: 1 of 2 members did not answer or refused\n',
    )
    assert.equal(
      (await murmur(socket, ['keys', 'list'])).stdout,
      'FINGERPRINT       MEMBERS  PRIMARY ON  HERE\nabcdef0123456789  2/2      2           primary\n0123456789abcdef  1/2      0           -\n',
    )

    assert.equal(
      (await murmur(socket, ['rtt', 'db-3'])).stdout,
      'estimated round trip db-3 <-> me: 1.500 ms\n',
    )
    const ghost = await murmur(socket, ['rtt', 'ghost'])
    assert.deepEqual([ghost.code, ghost.stdout], [1, ''], 'an unknown coordinate fails with exit 1')

    const text = await murmur(socket, ['counter', 'list'])
    assert.equal(text.stdout, 'COUNTER  VALUE\nhits     2\n')
    assert.equal((await murmur(socket, ['set', 'list'])).stdout, 'SET     ELEMENTS\nadmins  2\n')

    const missing = await murmur(socket, ['kv', 'get', 'nope'])
    assert.deepEqual(
      [missing.code, missing.stdout, missing.stderr],
      [1, '', "murmur: key 'nope' not found\n"],
    )
    const missingJson = await murmur(socket, ['kv', 'get', 'nope', '--json'])
    assert.deepEqual([missingJson.code, missingJson.stdout], [1, ''])
    assert.deepEqual(JSON.parse(missingJson.stderr), {
      error: { code: 'NOT_FOUND', message: "key 'nope' not found" },
    })
    assert.equal(missingJson.stderr.split('\n').length, 2, 'one line')
  })

  it('query prints each answer as it comes and the counts, or JSON lines', async () => {
    const t = await tempDir()
    const qsocket = join(t.dir, 'q.sock')
    const params: unknown[] = []
    const qserver = new AdminServer({
      socketPath: qsocket,
      methods: {
        query: implement('query', (p, ctx) => {
          params.push(p)
          ctx.notify('response', { kind: 'ack', id: 'q', from: 'P1', fromName: 'web-1' })
          ctx.notify('response', {
            kind: 'answer',
            id: 'q',
            from: 'P1',
            fromName: 'web-1',
            payload: 'up\x1b[2J 3d\n',
          })
          ctx.notify('response', { kind: 'ack', id: 'q', from: 'P2', fromName: null })
          return { id: 'q', acks: 2, answers: 1, recipients: 2 }
        }),
      },
    })
    await qserver.listen()
    try {
      const text = await murmur(qsocket, [
        'query',
        'uptime',
        'now',
        '--node',
        'web-.*',
        '--tag',
        'role=web',
        '--timeout',
        '1.5s',
      ])
      assert.equal(text.code, 0, text.stderr)
      assert.equal(text.stdout, 'web-1: up\\x1b[2J 3d\n2 acks, 1 answer\n')
      assert.deepEqual(params[0], {
        name: 'uptime',
        payload: 'now',
        node: 'web-.*',
        tags: { role: 'web' },
        timeoutMs: 1500,
      })
      const json = await murmur(qsocket, ['query', 'uptime', '--json'])
      assert.equal(json.code, 0, json.stderr)
      const lines = json.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
      assert.deepEqual(
        lines.map((l) => l.kind),
        ['ack', 'answer', 'ack', 'summary'],
      )
      assert.equal(lines[1].payload, 'up\x1b[2J 3d\n')
      assert.deepEqual(lines[3], { kind: 'summary', id: 'q', acks: 2, answers: 1, recipients: 2 })
      assert.deepEqual(params[1], { name: 'uptime', payload: '' })
    } finally {
      await qserver.close()
      await t.cleanup()
    }
  })

  it('reads a value from stdin exactly, up to 64 KiB', async () => {
    // A two-byte character split across chunks, and a trailing newline: kept exactly.
    const big = `${'é'.repeat(30_000)}\n`
    const bytes = Buffer.from(big)
    assert.equal(await readStdinValue(Readable.from([bytes.subarray(0, 7), bytes.subarray(7)])), big)
    await assert.rejects(readStdinValue(Readable.from([Buffer.alloc(65 * 1024, 'a')])), { code: 'TOO_LARGE' })
    await assert.rejects(readStdinValue(Readable.from([Buffer.from([0xff, 0xfe])])), {
      code: 'INVALID_INPUT',
    })
  })
})
