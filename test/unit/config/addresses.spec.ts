// Addresses in the config are checked where they enter: a /p2p/ part must be a peer id, or the
// agent would die at start with a multibase error that names no key.
import assert from 'node:assert/strict'
import { configSchema } from '../../../src/config/schema.js'
import { DEFAULT_CONFIG_PATH, readConfigFile } from '../../../src/config/load.js'

describe('config addresses', () => {
  const defaults = readConfigFile(DEFAULT_CONFIG_PATH) as Record<string, unknown>
  const parse = (join: string[]) => configSchema.safeParse({ ...defaults, join })

  it('refuses a join address whose /p2p/ part is not a peer id, naming the key', () => {
    const r = parse(['/ip4/10.0.0.1/tcp/7946/p2p/notapeerid'])
    assert.equal(r.success, false)
    assert.deepEqual(r.error!.issues[0]!.path, ['join', 0])
  })

  it('takes addresses with and without a valid peer id', () => {
    const r = parse([
      '/ip4/10.0.0.1/tcp/7946',
      '/ip4/10.0.0.1/tcp/7946/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA',
    ])
    assert.equal(r.success, true, JSON.stringify(r.error?.issues))
  })
})
