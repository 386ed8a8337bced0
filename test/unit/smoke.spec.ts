import assert from 'node:assert/strict'
import '../../src/polyfill.js'

describe('polyfill', () => {
  it('provides Promise.withResolvers on every Node version we support', async () => {
    const { promise, resolve } = (
      Promise as unknown as { withResolvers: <T>() => { promise: Promise<T>; resolve: (v: T) => void } }
    ).withResolvers<number>()
    resolve(7)
    assert.equal(await promise, 7)
  })
})
