import assert from 'node:assert/strict'
import { join } from 'node:path'
import {
  AdminCallError,
  checkSocketPath,
  murmurRpcCodes,
  RpcCode,
  socketPathFor,
  toRpcError,
} from '../../../src/admin/protocol.js'
import { InvalidInputError, MurmurError, NotFoundError, TooLargeError } from '../../../src/errors.js'

describe('admin protocol', () => {
  it('puts the socket in the data dir', () => {
    assert.equal(socketPathFor('/var/lib/murmur'), join('/var/lib/murmur', 'murmur.sock'))
  })

  it('gives every murmur code its own number in the server-error range', () => {
    const numbers = Object.entries(murmurRpcCodes)
      .filter(([code]) => code !== 'INTERNAL')
      .map(([, n]) => n)
    assert.equal(new Set(numbers).size, numbers.length)
    for (const n of numbers) assert.ok(n <= -32000 && n >= -32099, String(n))
    assert.ok(!numbers.includes(RpcCode.BUSY))
  })

  it('maps MurmurErrors to stable codes and hides everything else', () => {
    assert.deepEqual(toRpcError(new NotFoundError('gone')), {
      error: { code: -32004, message: 'gone', data: { code: 'NOT_FOUND' } },
      internal: false,
    })
    assert.equal(toRpcError(new TooLargeError('big')).error.code, -32005)
    assert.equal(toRpcError(new InvalidInputError('bad')).error.code, -32001)
    for (const err of [new Error('secret'), 'str', new MurmurError('INTERNAL', 'secret')]) {
      const { error, internal } = toRpcError(err)
      assert.equal(internal, true)
      assert.deepEqual(error, { code: -32603, message: 'internal error', data: { code: 'INTERNAL' } })
    }
  })

  it('rebuilds an AdminCallError from the wire, falling back to ADMIN_PROTOCOL', () => {
    const known = AdminCallError.fromRpc({ code: -32004, message: 'gone', data: { code: 'NOT_FOUND' } })
    assert.ok(known instanceof MurmurError)
    assert.equal(known.code, 'NOT_FOUND')
    assert.equal(known.rpcCode, -32004)
    assert.equal(AdminCallError.fromRpc({ code: -32601, message: 'x' }).code, 'ADMIN_PROTOCOL')
    assert.equal(
      AdminCallError.fromRpc({ code: -32001, message: 'x', data: { code: 'WHAT' } }).code,
      'ADMIN_PROTOCOL',
    )
  })

  it('refuses socket paths the kernel cannot hold', () => {
    checkSocketPath(`/${'a'.repeat(100)}`)
    assert.throws(() => checkSocketPath(`/${'a'.repeat(200)}`), InvalidInputError)
  })
})
