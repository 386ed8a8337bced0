import assert from 'node:assert/strict'
import {
  decodeMemberMessage,
  encodeMemberMessage,
  MAX_MESSAGE_BYTES,
  type MemberMessage,
} from '../../../src/membership/index.js'
import { alive, dead, leave, suspect } from './helpers.js'

const frame = (value: unknown, version = 1): Uint8Array => {
  const json = Buffer.from(JSON.stringify(value), 'utf8')
  return Uint8Array.from([version, ...json])
}
const invalid = { code: 'INVALID_INPUT' }

describe('membership: codec', () => {
  it('round-trips every message type', () => {
    const msgs: MemberMessage[] = [
      alive('a', 3, { name: 'ñame', tags: { role: 'db', zone: 'eu-1' }, addrs: ['/ip4/1.2.3.4/tcp/4001'] }),
      suspect('a', 3, 'b'),
      dead('a', 0, 'b'),
      leave('a', Number.MAX_SAFE_INTEGER),
    ]
    for (const m of msgs) {
      const bytes = encodeMemberMessage(m)
      assert.equal(bytes[0], 1)
      assert.deepEqual(decodeMemberMessage(bytes), m)
    }
  })

  it('rejects an unknown version byte, empty input and non-JSON', () => {
    const good = encodeMemberMessage(leave('a', 1))
    const v2 = Uint8Array.from(good)
    v2[0] = 2
    assert.throws(() => decodeMemberMessage(v2), invalid)
    assert.throws(() => decodeMemberMessage(new Uint8Array()), invalid)
    assert.throws(() => decodeMemberMessage(Uint8Array.from([1, 0x7b])), invalid)
    assert.throws(() => decodeMemberMessage(Uint8Array.from([1, 0xff, 0xfe])), invalid, 'bad UTF-8')
  })

  it('rejects missing fields, wrong types and unknown message types', () => {
    assert.throws(() => decodeMemberMessage(frame({ type: 'alive', id: 'a', incarnation: 1 })), invalid)
    assert.throws(() => decodeMemberMessage(frame({ type: 'suspect', id: 'a', incarnation: 1 })), invalid)
    assert.throws(() => decodeMemberMessage(frame({ type: 'leave', id: 'a', incarnation: -1 })), invalid)
    assert.throws(() => decodeMemberMessage(frame({ type: 'leave', id: 'a', incarnation: 1.5 })), invalid)
    assert.throws(() => decodeMemberMessage(frame({ type: 'leave', id: '', incarnation: 1 })), invalid)
    assert.throws(() => decodeMemberMessage(frame({ type: 'ping', id: 'a', incarnation: 1 })), invalid)
    assert.throws(() => decodeMemberMessage(frame([1, 2])), invalid)
    assert.throws(() => decodeMemberMessage(frame(null)), invalid)
  })

  it('drops unknown fields (tolerant reader)', () => {
    assert.deepEqual(decodeMemberMessage(frame({ ...leave('a', 1), extra: true })), leave('a', 1))
  })

  it('enforces the size limits', () => {
    const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']))
    assert.ok(decodeMemberMessage(frame(alive('a', 1, { tags: tags(64) }))))
    assert.throws(() => decodeMemberMessage(frame(alive('a', 1, { tags: tags(65) }))), invalid)
    assert.throws(
      () => decodeMemberMessage(frame(alive('a', 1, { tags: { ['k'.repeat(129)]: 'v' } }))),
      invalid,
    )
    // 171 three-byte characters: 513 bytes though only 171 chars.
    assert.throws(() => decodeMemberMessage(frame(alive('a', 1, { tags: { k: '€'.repeat(171) } }))), invalid)
    assert.throws(() => decodeMemberMessage(frame(alive('a', 1, { name: 'é'.repeat(65) }))), invalid)
    assert.throws(() => decodeMemberMessage(frame(alive('a', 1, { addrs: Array(33).fill('/x') }))), invalid)
    assert.throws(() => decodeMemberMessage(frame(alive('a', 1, { addrs: ['x'.repeat(257)] }))), invalid)
    const huge = new Uint8Array(MAX_MESSAGE_BYTES + 1)
    huge[0] = 1
    assert.throws(() => decodeMemberMessage(huge), invalid)
  })

  it('refuses to encode what it would not decode', () => {
    assert.throws(() => encodeMemberMessage(alive('a', 1, { addrs: Array(33).fill('/x') })), invalid)
    // Within every per-field limit, but JSON escaping of control characters blows the total.
    const tags = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, '\u0001'.repeat(512)]))
    assert.throws(() => encodeMemberMessage(alive('a', 1, { tags })), invalid)
  })
})
