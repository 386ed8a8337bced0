import assert from 'node:assert/strict'
import { Lab } from '../../lab/lab.js'
import { canReach, listenMulticast, sendMulticast } from '../../lab/probe.js'
import { run, until } from '../../lab/run.js'

const reach = (lab: Lab, from: number, to: number) => canReach(lab, from, to, { timeoutMs: 500 })

describe('lab: namespaces + bridge', function () {
  this.timeout(20_000)
  const name = `mlt${process.pid}`
  let lab: Lab | undefined

  before(async function () {
    const avail = await Lab.available()
    if (!avail.ok) {
      console.log(`    (skipping lab tests: ${avail.why})`)
      this.skip()
    }
    lab = await Lab.create({ name, hosts: 3 })
  })

  afterEach(function () {
    // Spawned processes' stderr is the first thing you want when a lab test fails
    if (this.currentTest?.state !== 'failed' || !lab) return
    for (const h of lab.hosts) console.log(lab.stderrOf(h.index))
  })

  after(async () => {
    await lab?.teardown()
  })

  it('gives each host its address on one LAN', async () => {
    assert.deepEqual(
      lab!.hosts.map((h) => h.ip),
      ['10.231.0.11', '10.231.0.12', '10.231.0.13'],
    )
    assert.ok(await until(() => reach(lab!, 1, 2), { timeoutMs: 5000 }), 'h1 should reach h2')
  })

  it('partition splits the LAN and heal joins it again', async () => {
    await lab!.partition([1], [2, 3])
    assert.ok(await until(() => reach(lab!, 2, 3)), 'h2 should still reach h3')
    assert.equal(await reach(lab!, 1, 2), false, 'h1 should not reach h2 across the partition')
    await lab!.heal()
    assert.ok(await until(() => reach(lab!, 1, 2)), 'h1 should reach h2 after heal')
  })

  it('cut unplugs a host and restore plugs it back', async () => {
    await lab!.cut(3)
    assert.equal(await reach(lab!, 1, 3), false)
    await lab!.restore(3)
    assert.ok(await until(() => reach(lab!, 1, 3)))
  })

  it('carries mDNS multicast (224.0.0.251:5353) from h1 to h2', async () => {
    const rx = listenMulticast(lab!, 2)
    assert.ok(
      await until(() => lab!.stdoutOf(rx).includes('ready')),
      `listener not ready: ${lab!.stderrOf(rx)}`,
    )
    const got = await until(
      async () => {
        await sendMulticast(lab!, 1, 'hello-mdns')
        return lab!.stdoutOf(rx).includes('got 10.231.0.11 hello-mdns')
      },
      { timeoutMs: 5000, intervalMs: 200 },
    )
    assert.ok(got, `h2 received nothing; stdout: ${lab!.stdoutOf(rx)} stderr: ${lab!.stderrOf(rx)}`)
    await lab!.stop(2)
  })

  it('teardown removes every namespace and is idempotent', async () => {
    await lab!.teardown()
    await lab!.teardown()
    const left = (await run('ip', ['netns', 'list'])).split('\n').filter((l) => l.startsWith(`${name}-`))
    assert.deepEqual(left, [])
  })
})
