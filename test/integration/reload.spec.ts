// `murmur reload` re-reads the config file: tags apply at once (peers see them), other keys are
// named as needing a restart, and a broken file changes nothing.
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { disposeAgents, loopbackAddr, type MemberRow, TestAgent } from '../helpers/agents.js'
import { waitFor } from '../helpers/wait.js'

describe('murmur reload', function () {
  this.timeout(60_000)
  let agents: TestAgent[] = []
  afterEach(async function () {
    await disposeAgents(agents.splice(0), this.currentTest?.state === 'failed')
  })

  it('applies a tag change, names what takes a restart, and refuses a broken config', async () => {
    agents = ['a', 'b'].map((name) => new TestAgent({ name }).start())
    const [a, b] = agents as [TestAgent, TestAgent]
    const infos = await Promise.all(agents.map((x) => x.ready()))
    assert.equal((await b.cli(['join', loopbackAddr(infos[0]!)])).code, 0)
    await waitFor(async () => (await b.info()).members.alive === 2, { what: 'join' })

    const nothing = await a.cli(['reload'])
    assert.equal(nothing.code, 0, nothing.stderr)
    assert.equal(nothing.stdout, 'reloaded: nothing changed\n')

    const config = JSON.parse(readFileSync(a.configPath, 'utf8')) as Record<string, unknown>
    writeFileSync(
      a.configPath,
      JSON.stringify({ ...config, tags: { role: 'web' }, reconnectIntervalMs: 999 }),
    )
    const r = await a.cli(['reload'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'reloaded: applied tags; takes a restart: reconnectIntervalMs\n')
    await waitFor(
      async () => (await b.json<MemberRow[]>(['members'])).find((m) => m.name === 'a')?.tags.role === 'web',
      { what: "b to see a's new tag" },
    )
    // Still named until the agent restarts: it runs on the old value.
    assert.deepEqual(await a.json(['reload']), {
      applied: [],
      needsRestart: ['reconnectIntervalMs'],
      runtimeTags: [],
    })

    writeFileSync(a.configPath, JSON.stringify({ ...config, tags: { role: 'db' }, bogus: 1 }))
    const bad = await a.cli(['reload'])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /^murmur: .*bogus.*\n$/)
    assert.equal(
      (await a.json<MemberRow[]>(['members'])).find((m) => m.self)?.tags.role,
      'web',
      'nothing applied',
    )

    // Tags set at run time last: over the file's at reload, and across a kill -9 and restart.
    const ownTags = async () => (await a.json<MemberRow[]>(['members'])).find((m) => m.self)?.tags
    assert.equal((await a.cli(['tags', 'set', 'zone=eu', 'role=cache'])).code, 0)
    writeFileSync(a.configPath, JSON.stringify({ ...config, tags: { role: 'db', rack: 'r1' } }))
    const kept = await a.json<{ runtimeTags: string[] }>(['reload'])
    assert.deepEqual(kept.runtimeTags, ['role', 'zone'], 'the keys whose value comes from `murmur tags`')
    assert.deepEqual(await ownTags(), { role: 'cache', rack: 'r1', zone: 'eu' })
    a.kill('SIGKILL')
    await a.waitExit()
    await a.start().ready()
    assert.deepEqual(await ownTags(), { role: 'cache', rack: 'r1', zone: 'eu' }, 'after a restart')
    const human = await a.cli(['reload'])
    assert.match(human.stdout, /kept tags set at run time: role, zone/)
    assert.deepEqual(await a.json(['tags', 'reset']), { role: 'db', rack: 'r1' })
  })
})
