// The nat keys (docs/nat.md), and the README's "Join across the internet" configs as written there.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { loadConfig } from '../../../src/config/load.js'
import { ConfigError } from '../../../src/errors.js'
import { BIN } from '../../helpers/agents.js'

const root = dirname(dirname(BIN))

function load(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-nat-config-'))
  try {
    const file = join(dir, 'c.json')
    writeFileSync(file, text)
    return loadConfig({ file, env: {} })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('nat config', () => {
  it("loads the README's public agent and home agent configs, over the defaults", () => {
    const readme = readFileSync(resolve(root, 'README.md'), 'utf8')
    const section = readme.slice(readme.indexOf('## Join across the internet'))
    const blocks = [...section.matchAll(/```jsonc\n([\s\S]*?)```/g)].slice(0, 2).map((m) => m[1]!)
    assert.equal(blocks.length, 2)
    const [pub, home] = blocks.map(load)
    assert.equal(pub!.nat.reachability, 'public')
    assert.equal(pub!.nat.relay.serve, 'on')
    assert.equal(pub!.nat.relay.maxReservations, 128, 'the rest of nat.relay from the defaults')
    assert.equal(home!.nat.reachability, 'auto')
    assert.equal(home!.nat.reservations, 2)
    assert.equal(home!.nat.upnp, false, 'UPnP is off unless asked for')
    assert.deepEqual(home!.join, ['/dns4/seed-1.example.org/tcp/7946', '/dns4/seed-2.example.org/tcp/7946'])
  })

  it('takes UPnP, an empty listen list and no relay limits; refuses bad values naming the key', () => {
    const c = load('{ "listen": [], "nat": { "upnp": true, "relay": { "maxDurationMs": 0 } } }')
    assert.equal(c.nat.upnp, true)
    assert.deepEqual(c.listen, [])
    for (const [bad, key] of [
      ['{ "nat": { "upnp": "yes" } }', 'nat.upnp'],
      ['{ "nat": { "reachability": "sometimes" } }', 'nat.reachability'],
      ['{ "nat": { "reservations": 9 } }', 'nat.reservations'],
      ['{ "nat": { "relay": { "serve": true } } }', 'nat.relay.serve'],
      ['{ "nat": { "relay": { "maxDataBytes": -1 } } }', 'nat.relay.maxDataBytes'],
    ] as const) {
      assert.throws(
        () => load(bad),
        (err: unknown) => err instanceof ConfigError && err.message.includes(key),
        bad,
      )
    }
  })
})
