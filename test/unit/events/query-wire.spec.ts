// The query response frame: exact encoding, every malformed variant refused with INVALID_INPUT,
// and a signed body that binds the kind, the query, the origin, the responder and the payload.
import assert from 'node:assert/strict'
import { MAX_ANSWER_BYTES } from '../../../src/events/query.js'
import {
  decodeResponse,
  encodeResponse,
  MAX_QUERY_FRAME_BYTES,
  QUERY_WIRE_VERSION,
  type ResponseFrame,
  responseBody,
} from '../../../src/events/query-wire.js'

const sig = new Uint8Array(64).fill(7)
const frame = (over: Partial<ResponseFrame> = {}): ResponseFrame => ({
  kind: 'answer',
  id: '0123456789abcdef',
  payload: new TextEncoder().encode('up 3 days\n'),
  sig,
  ...over,
})

describe('query wire', () => {
  it('round-trips acks and answers, the largest answer within the largest frame', () => {
    for (const f of [
      frame(),
      frame({ kind: 'ack', payload: new Uint8Array(0) }),
      frame({ payload: new Uint8Array(MAX_ANSWER_BYTES).fill(0xff) }),
    ]) {
      const bytes = encodeResponse(f)
      assert.ok(bytes.length <= MAX_QUERY_FRAME_BYTES)
      assert.equal(bytes[0], QUERY_WIRE_VERSION)
      assert.deepEqual(decodeResponse(bytes), f)
    }
  })

  it('refuses to encode what it would refuse to decode', () => {
    assert.throws(() => encodeResponse(frame({ id: 'xyz' })), { code: 'INVALID_INPUT' })
    assert.throws(() => encodeResponse(frame({ kind: 'ack' })), { code: 'INVALID_INPUT' })
    assert.throws(() => encodeResponse(frame({ payload: new Uint8Array(MAX_ANSWER_BYTES + 1) })), {
      code: 'INVALID_INPUT',
    })
    assert.throws(() => encodeResponse(frame({ sig: new Uint8Array(63) })), { code: 'INVALID_INPUT' })
  })

  it('refuses malformed frames with INVALID_INPUT', () => {
    const good = encodeResponse(frame())
    const edit = (i: number, v: number) => {
      const b = Uint8Array.from(good)
      b[i] = v
      return b
    }
    const ackWithPayload = Uint8Array.from(good)
    ackWithPayload[1] = 1
    for (const bad of [
      new Uint8Array(0),
      good.subarray(0, 20),
      good.subarray(0, good.length - 1),
      Uint8Array.from([...good, 0]),
      edit(0, 2),
      edit(1, 3),
      edit(10, 0xff),
      ackWithPayload,
    ])
      assert.throws(() => decodeResponse(bad), { code: 'INVALID_INPUT' })
  })

  it('the signed body changes with every field it binds', () => {
    const p = new TextEncoder().encode('x')
    const base = Buffer.from(responseBody('answer', '0123456789abcdef', 'O', 'R', p)).toString('hex')
    const others = [
      responseBody('ack', '0123456789abcdef', 'O', 'R', p),
      responseBody('answer', '0123456789abcdee', 'O', 'R', p),
      responseBody('answer', '0123456789abcdef', 'P', 'R', p),
      responseBody('answer', '0123456789abcdef', 'O', 'S', p),
      responseBody('answer', '0123456789abcdef', 'O', 'R', new TextEncoder().encode('y')),
      responseBody('answer', '0123456789abcdef', 'OR', '', p),
    ].map((b) => Buffer.from(b).toString('hex'))
    for (const o of others) assert.notEqual(o, base)
  })
})
