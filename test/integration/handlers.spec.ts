// Event handlers in a real agent: a member joining, a user event and a key change each reach the
// command configured for them, while a failing and a hanging handler leave the agent undisturbed.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { disposeAgents, loopbackAddr, TestAgent } from '../helpers/agents.js'
import { waitFor } from '../helpers/wait.js'

describe('event handlers (2 agents on loopback)', function () {
  this.timeout(120_000)
  let agents: TestAgent[] = []
  let dir: string

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'murmur-handlers-'))
  })
  afterEach(async function () {
    await disposeAgents(agents.splice(0), this.currentTest?.state === 'failed')
    rmSync(dir, { recursive: true, force: true })
  })

  it('a member-join, a user event and a key change each reach their handler with the right payload', async () => {
    // Each run leaves its stdin and its MURMUR_* variables in a file of its own.
    const record = (tag: string) =>
      `{ cat; env | grep '^MURMUR_' | sort; } > ${dir}/.${tag}-$$ && mv ${dir}/.${tag}-$$ ${dir}/${tag}-$$`
    const handlers = [
      { on: 'member-join', run: record('join') },
      {
        on: 'member-join',
        run: `printf %s "$MURMUR_MEMBER_TAGS_JSON" > ${dir}/.tags && mv ${dir}/.tags ${dir}/tags`,
      },
      { on: 'user:deploy', run: record('deploy') },
      { on: 'kv:app/', run: record('kv') },
      { on: 'user', run: 'echo no >&2; exit 1' },
      { on: 'user', run: 'sleep 60', timeoutMs: 300 },
    ]
    agents = [
      new TestAgent({ name: 'a', config: { handlers } }).start(),
      // A tag whose value holds , and = must not read as two tags.
      new TestAgent({ name: 'b', config: { tags: { role: 'web,admin=true', 'x=y': '50%\nmore' } } }).start(),
    ]
    const [a, b] = agents as [TestAgent, TestAgent]
    const infos = await Promise.all(agents.map((x) => x.ready()))
    assert.equal((await b.cli(['join', loopbackAddr(infos[0]!)])).code, 0)

    const runs = (tag: string) =>
      readdirSync(dir)
        .filter((f) => f.startsWith(`${tag}-`))
        .map((f) => {
          const [json, ...env] = readFileSync(join(dir, f), 'utf8').trim().split('\n')
          return { data: JSON.parse(json!) as Record<string, unknown>, env }
        })
    await waitFor(() => runs('join').length > 0, { what: 'the member-join handler' })
    const joined = runs('join')[0]!
    assert.equal(joined.data.event, 'member-join')
    assert.equal((joined.data.member as { name: string }).name, 'b')
    assert.ok(joined.env.includes(`MURMUR_MEMBER_ID=${infos[1]!.peerId}`))
    assert.ok(joined.env.includes('MURMUR_SELF_NAME=a'))
    await waitFor(() => existsSync(join(dir, 'tags')), { what: 'the tags handler' })
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'tags'), 'utf8')), {
      role: 'web,admin=true',
      'x=y': '50%\nmore',
    })
    const legacy = joined.env
      .find((l) => l.startsWith('MURMUR_MEMBER_TAGS='))
      ?.slice('MURMUR_MEMBER_TAGS='.length)
    assert.deepEqual(legacy?.split(',').sort(), ['role=web%2Cadmin%3Dtrue', 'x%3Dy=50%25%0Amore'])

    // The event mesh forms within a heartbeat or two: resend until a's handler has run.
    let n = 0
    await waitFor(
      async () => {
        await b.cli(['event', 'deploy', `v${n++}`])
        return runs('deploy').length > 0
      },
      { what: 'the user:deploy handler', timeoutMs: 30_000 },
    )
    const deploy = runs('deploy')[0]!
    assert.equal(deploy.data.name, 'deploy')
    assert.match(String(deploy.data.payload), /^v\d+$/)
    assert.equal(deploy.data.origin, infos[1]!.peerId)
    assert.ok(deploy.env.includes('MURMUR_USER_EVENT=deploy'))

    assert.equal((await b.cli(['kv', 'set', 'other/x', '1'])).code, 0)
    assert.equal((await b.cli(['kv', 'set', 'app/x', 'hello'])).code, 0)
    await waitFor(() => runs('kv').length > 0, { what: 'the kv:app/ handler' })
    const kv = runs('kv')
    assert.equal(kv.length, 1, 'other/x is not under app/')
    assert.deepEqual(kv[0]!.data, { event: 'kv', key: 'app/x', value: 'hello', origin: infos[1]!.peerId })
    assert.ok(kv[0]!.env.includes('MURMUR_KV_VALUE="hello"'))

    // The failing and the hanging handler were logged, and the agent still answers at once.
    await waitFor(() => a.logs.includes('handler timed out and was killed'), { what: 'the hang to be cut' })
    assert.ok(a.logs.includes('handler failed'))
    assert.equal((await a.info()).members.alive, 2)
    assert.ok(existsSync(a.socket))
  })
})
