import assert from 'node:assert/strict'
import { InvalidInputError } from '../../../src/errors.js'
import { type Member, memberFilter, memberFilterSchema } from '../../../src/membership/index.js'

const member = (name: string, status: Member['status'], tags: Record<string, string>): Member => ({
  id: `id-${name}`,
  name,
  status,
  incarnation: 0,
  tags,
  addrs: [],
  lastSeen: 0,
  statusSince: 0,
})

const ms = [
  member('web-1', 'alive', { role: 'web', zone: 'eu-west' }),
  member('web-2', 'dead', { role: 'webcache', zone: 'us' }),
  member('db-1', 'alive', { role: 'db' }),
]
const names = (spec: Parameters<typeof memberFilter>[0]) => ms.filter(memberFilter(spec)).map((m) => m.name)

describe('members filter', () => {
  it('matches status, whole names and whole tag values, all at once', () => {
    assert.deepEqual(names({}), ['web-1', 'web-2', 'db-1'])
    assert.deepEqual(names({ status: 'alive' }), ['web-1', 'db-1'])
    assert.deepEqual(names({ name: 'web-\\d' }), ['web-1', 'web-2'])
    assert.deepEqual(names({ name: 'web' }), [], 'a pattern matches the whole name, as in Serf')
    assert.deepEqual(names({ tags: { role: 'web' } }), ['web-1'], 'not webcache')
    assert.deepEqual(names({ tags: { role: 'web.*' } }), ['web-1', 'web-2'])
    assert.deepEqual(names({ tags: { role: 'web|db', zone: 'eu-.*' } }), ['web-1'], 'db-1 has no zone tag')
    assert.deepEqual(names({ status: 'alive', tags: { role: 'web.*' } }), ['web-1'])
  })

  it('rejects a pattern that does not compile, and oversized queries', () => {
    assert.throws(() => memberFilter({ name: '(' }), InvalidInputError)
    assert.throws(() => memberFilter({ tags: { role: '[' } }), /pattern '\[' of tag 'role'/)
    assert.equal(memberFilterSchema.safeParse({ name: 'x'.repeat(257) }).success, false)
    assert.equal(memberFilterSchema.safeParse({ status: 'sleeping' }).success, false)
    assert.equal(memberFilterSchema.safeParse({ tags: { role: '' } }).success, false)
    assert.equal(memberFilterSchema.safeParse({ other: 1 }).success, false)
  })
})
