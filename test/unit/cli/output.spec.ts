import assert from 'node:assert/strict'
import type { EventNotification, InfoResult, LogLine, MemberView } from '../../../src/api/index.js'
import { eventLine } from '../../../src/cli/commands/events.js'
import { infoLines, membersTable } from '../../../src/cli/commands/members.js'
import { monitorLine } from '../../../src/cli/commands/operate.js'
import { kvTable, valueText } from '../../../src/cli/commands/state.js'
import { escapeControl, formatTable, jsonLine, printError, printLine } from '../../../src/cli/output.js'
import { captureOutput } from '../../helpers/capture.js'

/** What the security review used: retitles the terminal, clears it, then forges a row. */
const HOSTILE = 'x\x1b]0;HIJACK\x07\x1b[2J\nFAKE  12D3KooWFAKE  alive'
const HOSTILE_SHOWN = 'x\\x1b]0;HIJACK\\x07\\x1b[2J\\nFAKE  12D3KooWFAKE  alive'

/** Anything a terminal could act on, or that starts a new line, left raw in printed text. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const RAW = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/

const member = (over: Partial<MemberView>): MemberView => ({
  id: '12D3KooWAAAA',
  name: 'a',
  status: 'alive',
  incarnation: 1,
  tags: {},
  addrs: [],
  addr: '/ip4/10.0.0.1/tcp/7946',
  connection: 'direct',
  lastSeen: 0,
  self: false,
  coordinate: null,
  rttMs: null,
  ...over,
})

describe('CLI output escaping', () => {
  it('leaves ordinary text alone, also non-ASCII, right-to-left letters and backslashes', () => {
    for (const s of ['web-1', 'role=db,zone=eu', 'Zürich 東京 🐝', 'שלום مرحبا', 'C:\\path', ''])
      assert.equal(escapeControl(s), s)
  })

  it('shows C0, DEL, C1, line separators and bidi controls as visible escapes', () => {
    const cases: Array<[string, string]> = [
      ['\x1b', '\\x1b'],
      ['\x07', '\\x07'],
      ['\x00', '\\x00'],
      ['\n', '\\n'],
      ['\r', '\\r'],
      ['\t', '\\t'],
      ['\x7f', '\\x7f'],
      ['\x9b', '\\x9b'], // one-byte CSI
      ['\x85', '\\x85'], // NEL, a C1 line break
      ['\u2028', '\\u2028'],
      ['\u2029', '\\u2029'],
      ['\u202e', '\\u202e'], // right-to-left override
      ['\u202a', '\\u202a'],
      ['\u2066', '\\u2066'],
      ['\u2069', '\\u2069'],
    ]
    for (const [raw, shown] of cases)
      assert.equal(escapeControl(`a${raw}b`), `a${shown}b`, JSON.stringify(raw))
    assert.equal(escapeControl(HOSTILE), HOSTILE_SHOWN)
  })

  it('leaves no character a terminal acts on, for every code point up to U+2FFF', () => {
    for (let c = 0; c < 0x3000; c++) {
      const out = escapeControl(String.fromCharCode(c))
      assert.ok(!RAW.test(out), `U+${c.toString(16)} printed as ${JSON.stringify(out)}`)
    }
  })

  it('jsonLine escapes what JSON.stringify leaves raw and parses back to the same value', () => {
    const value = { key: 'k\x9b\u202e\x7f\u2028', value: HOSTILE, n: 1 }
    const line = jsonLine(value)
    assert.ok(!RAW.test(line), line)
    assert.deepEqual(JSON.parse(line), value)
    assert.equal(jsonLine({ a: 'plain' }), JSON.stringify({ a: 'plain' }))
  })

  it('a hostile member name and tag render as one escaped row of the members table', () => {
    const out = membersTable(
      [
        member({ name: 'me', id: '12D3KooWSELF', self: true, addr: null }),
        member({ name: HOSTILE, tags: { 'k\x9b': `v\u202e\n` } }),
      ],
      0,
    )
    const lines = out.split('\n')
    assert.equal(lines.length, 3, out)
    for (const l of lines) assert.ok(!RAW.test(l), l)
    assert.ok(lines[2]?.startsWith(`${HOSTILE_SHOWN}  12D3KooWAAAA  alive`), lines[2])
    assert.match(lines[2] ?? '', /k\\x9b=v\\u202e\\n/)
    // Columns stay aligned on the escaped text.
    assert.equal(lines[0]?.indexOf('PEER ID'), lines[2]?.indexOf('12D3KooWAAAA'))
  })

  it('a hostile key and value render as one escaped row of kv list', () => {
    const out = kvTable([
      { key: HOSTILE, value: 'fine' },
      { key: 'app/x', value: `v\x1b[31m\r\nFAKE  row` },
      { key: 'json', value: { s: '\x9b' } },
    ])
    const lines = out.split('\n')
    assert.equal(lines.length, 4, out)
    for (const l of lines) assert.ok(!RAW.test(l), l)
    assert.ok(lines[1]?.startsWith(HOSTILE_SHOWN))
    assert.ok(lines[2]?.endsWith('v\\x1b[31m\\r\\nFAKE  row'))
  })

  it('events, monitor and info lines, and errors, print as one escaped line each', async () => {
    const event: EventNotification = {
      id: '0123456789abcdef',
      name: 'deploy',
      payload: HOSTILE,
      ts: 0,
      origin: '12D3KooWAAAA',
      originName: 'evil\u202e',
    }
    const log = {
      time: 't',
      level: 'warn',
      component: 'membership',
      msg: `member ${HOSTILE}`,
      peer: 'p\x9b',
    } as LogLine
    const info = {
      peerId: '12D3KooWAAAA',
      name: HOSTILE,
      version: '0.1.0',
      addresses: ['/ip4/10.0.0.1/tcp/7946'],
      members: { alive: 1, suspect: 0, dead: 0, left: 0 },
      mesh: { private: true, swarmKeyFile: '/k\n/x' },
      join: { retrying: true, addrs: ['/dns4/a'], failures: 1, nextAttemptAt: null, lastError: HOSTILE },
    } as unknown as InfoResult
    const { stdout, stderr } = await captureOutput(() => {
      printLine(eventLine(event))
      printLine(monitorLine(log))
      for (const l of infoLines(info, 0)) printLine(l)
      printError(`no such key: ${HOSTILE}`)
    })
    const lines = stdout.split('\n')
    assert.ok(!RAW.test(stdout.replaceAll('\n', '')), stdout)
    assert.ok(!RAW.test(stderr.slice(0, -1)), stderr)
    assert.equal(stderr, `murmur: no such key: ${HOSTILE_SHOWN}\n`)
    assert.equal(lines[0], `1970-01-01T00:00:00.000Z  deploy  from evil\\u202e: ${HOSTILE_SHOWN}`)
    assert.equal(lines[1], `t WARN  membership: member ${HOSTILE_SHOWN} peer=p\\x9b`)
    // info: as many lines as without the hostile text.
    const plain = infoLines({ ...info, name: 'a', mesh: { private: true, swarmKeyFile: '/k' } }, 0)
    assert.equal(lines.length - 2 - 1, plain.length, stdout)
    assert.equal(lines[2], `name:         ${HOSTILE_SHOWN}`)
  })

  it('kv get prints a string exactly to a pipe, escaped to a terminal, and --json exactly', () => {
    assert.equal(valueText(HOSTILE, { json: false, terminal: false }), HOSTILE)
    assert.equal(valueText(HOSTILE, { json: false, terminal: true }), HOSTILE_SHOWN)
    assert.equal(valueText(HOSTILE, { json: true, terminal: true }), JSON.stringify(HOSTILE))
    assert.equal(valueText({ a: '\x9b' }, { json: false, terminal: false }), JSON.stringify({ a: '\x9b' }))
    assert.equal(valueText({ a: '\x9b' }, { json: false, terminal: true }), '{"a":"\\u009b"}')
  })

  it('formatTable escapes headers and cells and pads on the escaped width', () => {
    assert.equal(formatTable(['A', 'B'], [['\t', 'x']]), 'A   B\n\\t  x')
  })
})
