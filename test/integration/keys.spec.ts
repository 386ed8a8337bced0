// `murmur keys` on a live mesh: three agents rotate from key A to key B without a member ever
// going suspect; an agent holding only B then joins, one holding only A is refused, and a
// restarted agent comes back on its persisted keyring (0600), not on its old key file.
import assert from 'node:assert/strict'
import { copyFileSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { disposeAgents, type Info, loopbackAddr, runCli, TestAgent } from '../helpers/agents.js'
import { waitFor } from '../helpers/wait.js'

interface OpResult {
  fingerprint: string
  members: number
  ok: unknown[]
  failed: unknown[]
}
interface ListResult {
  members: number
  keys: Array<{ fingerprint: string; members: number; primary: number; local: string | null }>
  failed: unknown[]
}

describe('swarm key rotation (agents on loopback)', function () {
  this.timeout(90_000)
  let agents: TestAgent[] = []

  afterEach(async function () {
    await disposeAgents(agents.splice(0), this.currentTest?.state === 'failed')
  })

  it('rotates a mesh of 3 from A to B with nobody suspect; B joins, A is refused; the keyring persists', async () => {
    const [a, b, c] = ['ka', 'kb', 'kc'].map((name) => new TestAgent({ name }).start())
    const mesh = [a!, b!, c!]
    agents = [...mesh]
    const [ia] = (await Promise.all(agents.map((x) => x.ready()))) as [Info]
    const seed = loopbackAddr(ia)
    for (const x of [b!, c!]) assert.equal((await x.cli(['join', seed])).code, 0)
    await waitFor(
      async () => (await Promise.all(agents.map((x) => x.info()))).every((i) => i.members.alive === 3),
      {
        what: 'a mesh of 3',
      },
    )

    // Watch every member's view for the whole rotation: nobody may go suspect or dead.
    const seen: string[] = []
    let phase = 'install'
    let watching = true
    const watcher = (async () => {
      while (watching) {
        for (const x of mesh) {
          const m = (await x.info()).members
          if ((m.suspect ?? 0) + (m.dead ?? 0) > 0) seen.push(`${phase}: ${x.opts.name} ${JSON.stringify(m)}`)
        }
        await new Promise((r) => setTimeout(r, 100))
      }
    })()

    const keyB = join(a!.dataDir, '..', `keyB-${process.pid}-${Date.now()}.key`)
    assert.equal((await runCli(['keygen', keyB])).code, 0)
    // From stdin: the key never appears on a command line.
    const installed = await a!.cli(['keys', 'install', '-', '--json'], readFileSync(keyB, 'utf8'))
    assert.equal(installed.code, 0, installed.stderr)
    const inst = JSON.parse(installed.stdout) as OpResult
    assert.deepEqual([inst.members, inst.ok.length, inst.failed], [3, 3, []])
    const fpB = inst.fingerprint
    const before = await b!.json<ListResult>(['keys', 'list'])
    assert.equal(before.keys.length, 2)
    const fpA = before.keys.find((k) => k.fingerprint !== fpB)!.fingerprint
    assert.deepEqual(before.keys[0], { fingerprint: fpA, members: 3, primary: 3, local: 'primary' })

    phase = 'use'
    const used = await b!.json<OpResult>(['keys', 'use', fpB])
    assert.deepEqual([used.ok.length, used.failed], [3, []])
    phase = 'remove'
    const refused = await c!.cli(['keys', 'remove', fpB])
    assert.equal(refused.code, 2, 'the primary is never removed')
    const removed = await c!.json<OpResult>(['keys', 'remove', fpA])
    assert.deepEqual([removed.ok.length, removed.failed], [3, []])
    const after = await a!.json<ListResult>(['keys', 'list'])
    assert.deepEqual(after.keys, [{ fingerprint: fpB, members: 3, primary: 3, local: 'primary' }])
    watching = false
    await watcher
    assert.deepEqual(seen, [], 'no member went suspect or dead during the rotation')

    // A newcomer given the file `info` names (now a copy of B) joins; one holding only A (the
    // tests' shared key) is refused.
    const d = new TestAgent({ name: 'kd', swarmKey: 'own' })
    const named = (await a!.info()).mesh.swarmKeyFile!
    assert.equal(named, join(a!.dataDir, 'swarm.key'))
    copyFileSync(named, join(d.dataDir, 'swarm.key'))
    const e = new TestAgent({ name: 'ke' })
    agents.push(d, e)
    d.start()
    e.start()
    await Promise.all([d.ready(), e.ready()])
    assert.equal((await d.cli(['join', seed])).code, 0)
    const outsider = await e.cli(['join', seed])
    assert.equal(outsider.code, 1)
    assert.match(outsider.stderr, /the peer refused our swarm key/)
    await waitFor(async () => (await a!.info()).members.alive === 4, { what: 'd to join' })
    assert.equal((await e.info()).members.alive, 1, 'the agent with A alone stays outside')

    // Restarted, b runs on its keyring (B); the swarm.key it hands out was rewritten with B.
    const ring = join(b!.dataDir, 'keyring.json')
    assert.equal(statSync(ring).mode & 0o777, 0o600)
    assert.equal(
      readFileSync(join(b!.dataDir, 'swarm.key'), 'utf8').trim(),
      readFileSync(keyB, 'utf8').trim(),
    )
    await b!.dispose(true)
    b!.start()
    await b!.ready()
    const own = await b!.json<ListResult>(['keys', 'list'])
    assert.equal(own.keys.find((k) => k.local === 'primary')?.fingerprint, fpB)
    await waitFor(async () => (await b!.info()).members.alive === 4, { what: 'b to rejoin under B' })
  })
})
