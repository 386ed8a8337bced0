// docs/admin-protocol.md against the API table (src/api): every method documented, nothing
// documented that does not exist, and each documented params key known to the method's schema.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { z } from 'zod'
import { API, type ApiMethod } from '../../../src/api/index.js'
import { BIN } from '../../helpers/agents.js'

const doc = readFileSync(resolve(dirname(dirname(BIN)), 'docs/admin-protocol.md'), 'utf8')

/** The method table's rows: method name -> its params cell. */
function rows(): Map<string, string> {
  const start = doc.indexOf('| Method | Params | Result |')
  assert.ok(start >= 0, 'the method table')
  const out = new Map<string, string>()
  for (const line of doc.slice(start).split('\n').slice(2)) {
    const m = /^\| `([a-z.-]+)` \| (.*?) \| /.exec(line)
    if (!m) break
    out.set(m[1]!, m[2]!)
  }
  return out
}

/** The keys of the first `{ ... }` in a params cell, at its top level only. */
function topLevelKeys(cell: string): string[] {
  const obj = /`(\{.*?\})`/.exec(cell)?.[1] ?? '{}'
  const keys: string[] = []
  let depth = 0
  for (let i = 0; i < obj.length; i++) {
    const ch = obj[i]
    if (ch === '{') depth++
    else if (ch === '}') depth--
    if (depth === 1 && (ch === '{' || ch === ',')) {
      const m = /^[{,] (\w+)/.exec(obj.slice(i))
      if (m) keys.push(m[1]!)
    }
  }
  return keys
}

describe('admin protocol doc', () => {
  it('documents exactly the methods of the API table', () => {
    assert.deepEqual([...rows().keys()].sort(), Object.keys(API).sort())
  })

  it("names only params each method's schema accepts, and each subscription's notification", () => {
    for (const [name, params] of rows()) {
      const spec = API[name as ApiMethod]
      const shape = (spec.params as unknown as { shape?: Record<string, z.ZodType> }).shape ?? {}
      const documented = topLevelKeys(params)
      for (const key of documented)
        assert.ok(key in shape, `${name}: documented param ${key} is not in its schema`)
      for (const key of Object.keys(shape))
        assert.ok(params.includes(key), `${name}: param ${key} is not documented`)
      if (spec.notifies)
        assert.match(
          doc,
          new RegExp(`an? \`${spec.notifies}\` notification`),
          `${name} streams ${spec.notifies}`,
        )
    }
  })
})
