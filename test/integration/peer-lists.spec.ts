// Allow and deny lists of peer ids: a refused peer never connects, stays a healthy member for
// everyone else, and a SIGHUP with new lists applies them without a restart.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import {
  disposeAgents,
  FAST_CONFIG,
  type Info,
  loopbackAddr,
  type MemberRow,
  TestAgent,
} from '../helpers/agents.js'
import { waitFor } from '../helpers/wait.js'

describe('peer allow and deny lists', function () {
  this.timeout(90_000)
  let agents: TestAgent[] = []

  afterEach(async function () {
    await disposeAgents(agents.splice(0), this.currentTest?.state === 'failed')
  })

  it('a denied peer cannot connect, is not suspected for it, and a reload lifts the deny', async () => {
    const b = new TestAgent({ name: 'lb' }).start()
    const c = new TestAgent({ name: 'lc' }).start()
    agents = [b, c]
    const [ib, ic] = (await Promise.all([b.ready(), c.ready()])) as [Info, Info]
    const a = new TestAgent({ name: 'la', config: { peers: { allow: [], deny: [ic.peerId] } } }).start()
    agents.push(a)
    const ia = await a.ready()

    assert.equal((await b.cli(['join', loopbackAddr(ia)])).code, 0)
    const refused = await c.cli(['join', loopbackAddr(ia)])
    assert.equal(refused.code, 1, 'a refuses c')
    assert.equal((await c.cli(['join', loopbackAddr(ib)])).code, 0)
    // a learns of c through b, and nobody holds c as anything but alive: a never probes it.
    const statusAtA = async (id: string): Promise<string | undefined> =>
      (await a.json<MemberRow[]>(['members'])).find((m) => m.id === id)?.status
    await waitFor(async () => (await statusAtA(ic.peerId)) === 'alive', { what: 'a to list c alive' })
    const probeRounds = FAST_CONFIG.membership.probeIntervalMs * 8
    await new Promise((r) => setTimeout(r, probeRounds)) // a window for a wrongful suspicion to show
    assert.equal(await statusAtA(ic.peerId), 'alive')
    assert.ok(!/"msg":"member (suspect|dead)".*lc/.test(a.logs), 'a never suspected c')

    writeFileSync(a.configPath, JSON.stringify({ ...FAST_CONFIG, peers: { allow: [], deny: [] } }))
    a.proc?.kill('SIGHUP')
    await waitFor(() => /config reloaded.*"denyPeers":0/.test(a.logs), { what: 'the reload' })
    assert.equal((await c.cli(['join', loopbackAddr(ia)])).code, 0, 'allowed again, without a restart')
  })

  it('with an allow list only those peers connect; a bad peer id in the config stops start-up', async () => {
    const b = new TestAgent({ name: 'ab' }).start()
    const c = new TestAgent({ name: 'ac' }).start()
    agents = [b, c]
    const [ib] = (await Promise.all([b.ready(), c.ready()])) as [Info, Info]
    const a = new TestAgent({ name: 'aa', config: { peers: { allow: [ib.peerId], deny: [] } } }).start()
    agents.push(a)
    const ia = await a.ready()
    assert.equal((await b.cli(['join', loopbackAddr(ia)])).code, 0)
    assert.equal((await c.cli(['join', loopbackAddr(ia)])).code, 1)

    const bad = new TestAgent({ name: 'abad', config: { peers: { allow: ['not-a-peer-id'], deny: [] } } })
    agents.push(bad)
    bad.start()
    assert.equal(await bad.waitExit(), 1)
    assert.match(bad.logs, /peers\.allow\.0: is not a peer id/)
  })
})
