// Tags set at run time are an overlay on the config file's: sets win, deletions stay deleted.
import assert from 'node:assert/strict'
import {
  EMPTY_OVERLAY,
  effectiveTags,
  overriddenKeys,
  parseOverlay,
  tagDiff,
  updateOverlay,
} from '../../../src/daemon/runtime-tags.js'

describe('run-time tags over the config file', () => {
  it('sets win over the file, deletions stay deleted, and a set undoes an earlier deletion', () => {
    const file = { role: 'web', rack: 'r1' }
    let o = updateOverlay(EMPTY_OVERLAY, { zone: 'eu', role: 'cache' }, [])
    o = updateOverlay(o, {}, ['rack'])
    assert.deepEqual(effectiveTags(file, o), { role: 'cache', zone: 'eu' })
    assert.deepEqual(overriddenKeys(file, o), ['rack', 'role', 'zone'])
    // The file changes at reload: its other keys follow, the overlay's stay.
    assert.deepEqual(effectiveTags({ role: 'db', rack: 'r2', os: 'linux' }, o), {
      role: 'cache',
      os: 'linux',
      zone: 'eu',
    })
    o = updateOverlay(o, { rack: 'r9' }, ['zone'])
    assert.deepEqual(o, { set: { role: 'cache', rack: 'r9' }, del: ['zone'] })
    assert.deepEqual(effectiveTags(file, o), { role: 'cache', rack: 'r9' })
    assert.deepEqual(
      overriddenKeys({ role: 'cache' }, o),
      ['rack'],
      'a value equal to the file is not an override',
    )
  })

  it('diffs tags into the changes to make', () => {
    assert.deepEqual(tagDiff({ a: '1', b: '2' }, { a: '1', b: '3', c: '4' }), {
      set: { b: '3', c: '4' },
      del: [],
    })
    assert.deepEqual(tagDiff({ a: '1', b: '2' }, { a: '1' }), { set: {}, del: ['b'] })
  })

  it('reads anything malformed in the store as no overlay, keeping what is well formed', () => {
    assert.deepEqual(parseOverlay(undefined), EMPTY_OVERLAY)
    assert.deepEqual(parseOverlay('x'), EMPTY_OVERLAY)
    assert.deepEqual(parseOverlay({ set: { a: '1', b: 2 }, del: ['c', 3] }), { set: { a: '1' }, del: ['c'] })
    assert.deepEqual(parseOverlay({ set: [1], del: 'x' }), EMPTY_OVERLAY)
  })
})
