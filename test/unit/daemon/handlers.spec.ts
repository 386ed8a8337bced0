// Event handlers run real commands with /bin/sh: what they receive, one at a time, and what
// happens when one fails, hangs or falls behind.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemberHandlerEvents, tagsEnvText } from '../../../src/daemon/handler-events.js'
import { type HandlerEvent, HandlerRunner, MAX_QUEUED, matches } from '../../../src/daemon/handlers.js'
import type { Member, MemberEvent } from '../../../src/membership/index.js'
import { createLogger } from '../../../src/util/log.js'
import { waitFor } from '../../helpers/wait.js'

const user = (name: string, payload = ''): HandlerEvent => ({
  kind: 'user',
  subject: name,
  data: { name, payload },
  env: { MURMUR_USER_EVENT: name, MURMUR_USER_PAYLOAD: payload },
})

describe('event handlers', () => {
  let dir: string
  let logs: string[]
  let runner: HandlerRunner | undefined
  const log = () => createLogger('handlers', { level: 'debug', write: (l) => logs.push(l) })
  const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '')

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'murmur-handlers-'))
    logs = []
  })
  afterEach(() => {
    runner?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('selects handlers by kind, user event name and key prefix', () => {
    const kv = (key: string): HandlerEvent => ({ kind: 'kv', subject: key, data: {}, env: {} })
    assert.ok(matches('user', user('deploy')))
    assert.ok(matches('user:deploy', user('deploy')))
    assert.ok(!matches('user:deploy', user('deployed')))
    assert.ok(matches('kv:app/', kv('app/x')))
    assert.ok(!matches('kv:app/', kv('ap')))
    assert.ok(matches('kv', kv('anything')))
    assert.ok(!matches('member-join', kv('x')))
    assert.ok(matches('member-failed', { kind: 'member-failed', data: {}, env: {} }))
  })

  it('hands the event as JSON on stdin and in MURMUR_* variables', async () => {
    runner = new HandlerRunner(log(), { id: 'SELF', name: () => 'me' }, [
      { on: 'user:deploy', run: `{ cat; env | grep '^MURMUR_' | sort; } > ${dir}/out` },
    ])
    runner.dispatch(user('other'))
    runner.dispatch(user('deploy', 'v1 with\0nul'))
    await waitFor(() => read('out').includes('MURMUR_USER_EVENT'), { what: 'the handler to run' })
    const [json, ...env] = read('out').trim().split('\n')
    assert.deepEqual(JSON.parse(json!), { event: 'user', name: 'deploy', payload: 'v1 with\0nul' })
    assert.ok(env.includes('MURMUR_EVENT=user'))
    assert.ok(env.includes('MURMUR_SELF_ID=SELF'))
    assert.ok(env.includes('MURMUR_SELF_NAME=me'))
    assert.ok(env.includes('MURMUR_USER_EVENT=deploy'))
    assert.ok(!env.some((l) => l.startsWith('MURMUR_USER_PAYLOAD')), 'a NUL cannot go in the environment')
    assert.equal(runner.counts.run, 1)
  })

  it('runs one at a time per handler, in order', async () => {
    runner = new HandlerRunner(log(), { id: 'S', name: () => 's' }, [
      { on: 'user', run: `echo "start $MURMUR_USER_EVENT" >> ${dir}/log; sleep 0.1; echo end >> ${dir}/log` },
    ])
    for (const n of ['a', 'b', 'c']) runner.dispatch(user(n))
    await waitFor(
      () =>
        read('log')
          .split('\n')
          .filter((l) => l === 'end').length === 3,
      { what: 'three runs' },
    )
    assert.deepEqual(read('log').trim().split('\n'), ['start a', 'end', 'start b', 'end', 'start c', 'end'])
  })

  it('logs a failure and a hang (killed with what it started), and carries on', async () => {
    runner = new HandlerRunner(log(), { id: 'S', name: () => 's' }, [
      { on: 'user:fail', run: 'echo broken >&2; exit 3' },
      { on: 'user:missing', run: `${dir}/no-such-command` },
      { on: 'user:hang', run: `sleep 30 & echo $! > ${dir}/child; wait`, timeoutMs: 300 },
      { on: 'user:hang', run: `echo later >> ${dir}/after` },
    ])
    for (const n of ['fail', 'missing', 'hang', 'hang']) runner.dispatch(user(n))
    await waitFor(() => runner!.counts.timedOut === 1 && runner!.counts.failed === 2, {
      what: 'all three outcomes',
    })
    await waitFor(() => read('after') === 'later\nlater\n', { what: 'the other handler of the same kind' })
    const lines = logs.map(
      (l) => JSON.parse(l) as { level: string; msg: string; code?: number; output?: string },
    )
    assert.ok(
      lines.some(
        (l) => l.level === 'warn' && l.msg === 'handler failed' && l.code === 3 && l.output === 'broken',
      ),
    )
    assert.ok(lines.some((l) => l.level === 'warn' && l.msg === 'handler failed' && l.code === 127))
    assert.ok(lines.some((l) => l.level === 'warn' && l.msg === 'handler timed out and was killed'))
    // The timeout killed the shell's whole process group, the backgrounded sleep included.
    const child = Number(read('child'))
    await waitFor(
      () => {
        try {
          process.kill(child, 0)
          return false
        } catch {
          return true
        }
      },
      { what: 'the hanging handler child to be gone' },
    )
  })

  it('drops the newest events of a handler that is MAX_QUEUED behind', async () => {
    runner = new HandlerRunner(log(), { id: 'S', name: () => 's' }, [{ on: 'user', run: 'sleep 5' }])
    for (let i = 0; i < MAX_QUEUED + 5; i++) runner.dispatch(user(`e${i}`))
    await waitFor(() => runner!.counts.run === 1, { what: 'the first run' })
    assert.equal(runner.counts.dropped, 5, 'dispatched before the first run began: MAX_QUEUED waiting')
    assert.ok(runner.wants('user') && !runner.wants('kv') && !runner.wants('member'))
  })
})

describe('membership events for handlers', () => {
  const ev = (type: MemberEvent['type'], id: string, status: Member['status']): MemberEvent => ({
    type,
    member: { id, name: id, status, incarnation: 1, tags: {}, addrs: [], lastSeen: 0, statusSince: 0 },
  })

  it("are Serf's: a member back from dead or left joins again, a refuted suspicion is no event", () => {
    const m = new MemberHandlerEvents('SELF')
    const kinds = (evs: MemberEvent[]) => evs.map((e) => m.next(e)?.kind ?? '-')
    assert.deepEqual(
      kinds([
        ev('join', 'B', 'alive'),
        ev('suspect', 'B', 'suspect'),
        ev('alive', 'B', 'alive'),
        ev('dead', 'B', 'dead'),
        ev('alive', 'B', 'alive'),
        ev('update', 'B', 'alive'),
        ev('leave', 'B', 'left'),
        ev('reap', 'B', 'left'),
        ev('join', 'SELF', 'alive'),
      ]),
      [
        'member-join',
        '-',
        '-',
        'member-failed',
        'member-join',
        'member-update',
        'member-leave',
        'member-reap',
        '-',
      ],
    )
    assert.deepEqual(m.next(ev('update', 'C', 'alive'))?.env.MURMUR_MEMBER_ID, 'C')
  })

  it('give the tags as JSON, and as k=v,k=v with , = % and controls percent-escaped', () => {
    const tags = { role: 'web,admin=true', 'a=b': 'x%y\nz', plain: 'v 1/ü' }
    const join = ev('join', 'B', 'alive')
    join.member.tags = tags
    const env = new MemberHandlerEvents('SELF').next(join)?.env ?? {}
    assert.deepEqual(JSON.parse(env.MURMUR_MEMBER_TAGS_JSON ?? ''), tags)
    assert.equal(env.MURMUR_MEMBER_TAGS, 'role=web%2Cadmin%3Dtrue,a%3Db=x%25y%0Az,plain=v 1/ü')
    // Split on , then on =, then decode: the same tags, no more, no fewer.
    const decoded = Object.fromEntries(
      (env.MURMUR_MEMBER_TAGS ?? '').split(',').map((kv) => kv.split('=').map(decodeURIComponent)),
    )
    assert.deepEqual(decoded, tags)
    // Tags without those characters read as before.
    assert.equal(tagsEnvText({ role: 'db', zone: 'eu-1' }), 'role=db,zone=eu-1')
    assert.equal(tagsEnvText({}), '')
  })

  it('leave both tag variables out when they are over 8 KiB (stdin still has the tags)', () => {
    const join = ev('join', 'B', 'alive')
    join.member.tags = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, ','.repeat(500)]))
    const out = new MemberHandlerEvents('SELF').next(join)
    assert.ok(out)
    assert.equal(out.env.MURMUR_MEMBER_TAGS_JSON, undefined)
    assert.equal(out.env.MURMUR_MEMBER_TAGS, undefined)
    assert.deepEqual((out.data.member as Member).tags, join.member.tags)
  })
})
