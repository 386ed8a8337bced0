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
    for (const flag of AGENT_NODE_FLAGS) {
      assert.match(shebang, new RegExp(`^#!/usr/bin/env -S node .*${flag}`), shebang)
      assert.match(start, new RegExp(`^node .*${flag} bin/murmur agent`), start)
    }
  })
})
