import assert from 'node:assert/strict'
import { LineSplitter, parseJsonLine } from '../../../src/admin/lines.js'

const text = (bufs: Buffer[]): string[] => bufs.map((b) => b.toString('utf8'))

describe('LineSplitter', () => {
  it('joins lines split across chunks and splits several lines in one chunk', () => {
    const s = new LineSplitter(100)
    assert.deepEqual(text(s.push(Buffer.from('ab')).lines), [])
    assert.deepEqual(text(s.push(Buffer.from('c\nde\n')).lines), ['abc', 'de'])
    assert.deepEqual(text(s.push(Buffer.from('\nf')).lines), [''])
    assert.deepEqual(text(s.push(Buffer.from('\n')).lines), ['f'])
  })

  it('allows exactly maxLineBytes and flags one byte more, buffered or not', () => {
    assert.equal(new LineSplitter(3).push(Buffer.from('abc\n')).overflow, false)
    assert.equal(new LineSplitter(3).push(Buffer.from('abcd\n')).overflow, true)
    const s = new LineSplitter(3)
    assert.equal(s.push(Buffer.from('ab')).overflow, false)
    assert.equal(s.push(Buffer.from('cd')).overflow, true)
  })

  it('returns the complete lines that came before an overflow', () => {
    const r = new LineSplitter(3).push(Buffer.from('ok\ntoolong'))
    assert.deepEqual(text(r.lines), ['ok'])
    assert.equal(r.overflow, true)
  })
})

describe('parseJsonLine', () => {
  it('parses JSON and rejects bad JSON or bad UTF-8', () => {
    assert.deepEqual(parseJsonLine(Buffer.from('{"a":1}\r')), { value: { a: 1 } })
    assert.equal(parseJsonLine(Buffer.from('{')), undefined)
    assert.equal(parseJsonLine(Buffer.from([0x22, 0xc3, 0x22])), undefined)
  })
})
