// The agent's Node flags only act when given at start: every way of starting it must pass them.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { AGENT_NODE_FLAGS } from '../../../src/daemon/node-flags.js'
import { BIN } from '../../helpers/agents.js'

const root = dirname(dirname(BIN))

describe('agent node flags', () => {
  it("bin/murmur's shebang and npm start pass every flag", () => {
    const shebang = readFileSync(resolve(root, 'bin/murmur'), 'utf8').split('\n')[0]!
    const start = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')).scripts.start as string
    assert.ok(AGENT_NODE_FLAGS.length > 0)
    const shebangFlags = /^#!\/usr\/bin\/env -S node (.*)$/.exec(shebang)?.[1]?.split(' ') ?? []
    const startFlags = /^node (.*) bin\/murmur agent$/.exec(start)?.[1]?.split(' ') ?? []
    for (const flag of AGENT_NODE_FLAGS) {
      assert.ok(shebangFlags.includes(flag), `${flag} in ${shebang}`)
      assert.ok(startFlags.includes(flag), `${flag} in ${start}`)
    }
  })
})
