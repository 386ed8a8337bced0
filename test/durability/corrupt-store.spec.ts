// Start-up on a damaged store: every kind of damage either stops the agent with exit code 1 and
// one `murmur: ...` line naming the file or key, or (a log cut short, as a crash leaves it) is
// recovered up to the cut with a warning. Never a silent start with an empty or partial state.
import assert from 'node:assert/strict'
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { decodeEntry } from '../../src/crdt/index.js'
import { Entry } from '../../src/crdt/pb/records.js'
import { checkLogBytes } from '../../src/state/leveldb-check.js'
import { STORE_DIR } from '../../src/state/store.js'
import { TestAgent } from '../helpers/agents.js'
import { connect, disposeAll, fatalLines } from './helpers.js'

const FIRST = 50 // keys k0..k49: written, then the agent restarted, so they sit in a table (.ldb)
const SECOND = 50 // keys k50..k99: written after the restart, so they sit in the write-ahead log

describe('durability: start-up on a damaged store', function () {
  this.timeout(60_000)
  let golden: TestAgent
  const agents: TestAgent[] = []

  before(async function () {
    this.timeout(60_000)
    golden = new TestAgent({ name: 'golden' })
    try {
      golden.start()
      await golden.ready()
      let c = await connect(golden)
      for (let i = 0; i < FIRST; i++) await c.call('kv.set', { key: `k${i}`, value: { i } })
      await c.call('set.add', { name: 'fruits', elements: ['apple', 'pear'] })
      await c.call('counter.incr', { name: 'hits', amount: 5 })
      c.close()
      golden.kill('SIGTERM')
      assert.equal(await golden.waitExit(), 0)
      golden.start() // LevelDB turns the log into a table on open
      await golden.ready()
      c = await connect(golden)
      for (let i = FIRST; i < FIRST + SECOND; i++) await c.call('kv.set', { key: `k${i}`, value: { i } })
      c.close()
      golden.kill('SIGTERM')
      assert.equal(await golden.waitExit(), 0)
    } catch (err) {
      console.log(`--- logs of golden ---\n${golden.logs.slice(-6000)}`)
      throw err
    }
    const files = readdirSync(join(golden.dataDir, STORE_DIR))
    assert.ok(
      files.some((f) => f.endsWith('.ldb')),
      `a table in ${files.join(' ')}`,
    )
    assert.ok(
      files.some((f) => f.endsWith('.log')),
      `a log in ${files.join(' ')}`,
    )
  })

  after(async () => {
    await golden?.dispose()
  })

  afterEach(async function () {
    await disposeAll(agents.splice(0), this.currentTest?.state === 'failed')
  })

  /** A copy of the golden data directory; returns it and its state.db path. */
  function copyOfGolden(): { dataDir: string; db: string; file: (re: RegExp) => string } {
    const dataDir = mkdtempSync(join(tmpdir(), 'murmur-corrupt-'))
    cpSync(golden.dataDir, dataDir, { recursive: true, filter: (src) => !src.endsWith('.sock') })
    const db = join(dataDir, STORE_DIR)
    const file = (re: RegExp) => {
      const name = readdirSync(db).find((f) => re.test(f))
      assert.ok(name, `a file matching ${re} in ${db}`)
      return join(db, name)
    }
    return { dataDir, db, file }
  }

  /** Starts an agent on dataDir and expects exit code 1 with one fatal line containing `names`. */
  async function expectRefusal(dataDir: string, names: string): Promise<string> {
    const a = new TestAgent({ name: 'damaged', dataDir })
    agents.push(a)
    a.start()
    const code = await a.waitExit(20_000)
    assert.equal(code, 1, `exit code (logs: ${a.logs.slice(-2000)})`)
    const lines = fatalLines(a.logs)
    assert.equal(lines.length, 1, `one fatal line in:\n${a.logs.slice(-2000)}`)
    const line = lines[0] ?? ''
    assert.ok(line.includes(names), `fatal line names ${names}: ${line}`)
    assert.doesNotMatch(a.logs, /agent started/)
    return line
  }

  /** Puts raw values into the store of a stopped agent, as damage or another program would. */
  async function putRaw(db: string, entries: Record<string, string | Uint8Array>): Promise<void> {
    const utf8 = new TextEncoder()
    const level = new ClassicLevel<string, Uint8Array>(db, { valueEncoding: 'view', createIfMissing: false })
    await level.open()
    await level.batch(
      Object.entries(entries).map(([key, value]) => ({
        type: 'put' as const,
        key,
        value: typeof value === 'string' ? utf8.encode(value) : value,
      })),
      { sync: true },
    )
    await level.close()
  }

  /**
   * Rewrites a format 6 store as an older format kept it: records as JSON (formats 1 to 5), and
   * the vv as one `meta:vv` object (formats 1 to 3).
   */
  async function asLegacyFormat(db: string, format: 1 | 2 | 3 | 4 | 5): Promise<Record<string, number>> {
    const level = new ClassicLevel<string, string>(db, { valueEncoding: 'utf8', createIfMissing: false })
    await level.open()
    const vv: Record<string, number> = {}
    const ops: Array<{ type: 'put'; key: string; value: string } | { type: 'del'; key: string }> = []
    const binary = level.iterator({ gte: 'rec:', lt: 'rec:\uffff', valueEncoding: 'view' })
    for await (const [key, value] of binary as AsyncIterable<[string, Uint8Array]>) {
      ops.push({ type: 'put', key, value: JSON.stringify(decodeEntry(value)[1]) })
    }
    for await (const [key, value] of level.iterator({ gte: 'vv:', lt: 'vv:\uffff' })) {
      vv[key.slice(3)] = JSON.parse(value) as number
      if (format <= 3) ops.push({ type: 'del', key })
    }
    if (format <= 3) ops.push({ type: 'put', key: 'meta:vv', value: JSON.stringify(vv) })
    ops.push({ type: 'put', key: 'meta:format', value: String(format) })
    await level.batch(ops, { sync: true })
    await level.close()
    assert.ok(Object.keys(vv).length > 0, 'the golden store has a vv')
    return vv
  }

  /** The vv as a format 6 store holds it, or a failure if the legacy key or a JSON record is still there. */
  async function versionKeys(db: string): Promise<Record<string, number>> {
    const level = new ClassicLevel<string, string>(db, { valueEncoding: 'utf8', createIfMissing: false })
    await level.open()
    try {
      assert.equal(await level.get('meta:format'), '6')
      assert.equal(await level.get('meta:vv'), undefined, 'the one-key vv is gone')
      const records = level.iterator({ gte: 'rec:', lt: 'rec:\uffff', valueEncoding: 'view' })
      for await (const [key, value] of records as AsyncIterable<[string, Uint8Array]>)
        assert.equal(decodeEntry(value)[0], key.slice(4), `${key} is a binary Entry`)
      const vv: Record<string, number> = {}
      for await (const [key, value] of level.iterator({ gte: 'vv:', lt: 'vv:\uffff' }))
        vv[key.slice(3)] = JSON.parse(value) as number
      return vv
    } finally {
      await level.close()
    }
  }

  const garbage = (size: number) => Buffer.alloc(Math.max(size, 64), 'garbage!')

  describe('(a) damaged table and log files', () => {
    it('a table (.ldb) overwritten with garbage stops start-up naming the file', async () => {
      const { dataDir, file } = copyOfGolden()
      const table = file(/\.ldb$/)
      writeFileSync(table, garbage(statSync(table).size))
      await expectRefusal(dataDir, table)
    })

    it('a truncated table (.ldb) stops start-up naming the file', async () => {
      const { dataDir, file } = copyOfGolden()
      const table = file(/\.ldb$/)
      truncateSync(table, Math.floor(statSync(table).size / 2))
      await expectRefusal(dataDir, table)
    })

    it('a missing table (.ldb) stops start-up naming the file', async () => {
      const { dataDir, file } = copyOfGolden()
      const table = file(/\.ldb$/)
      rmSync(table)
      await expectRefusal(dataDir, table)
    })

    it('a write-ahead log (.log) overwritten with garbage stops start-up naming the file', async () => {
      const { dataDir, file } = copyOfGolden()
      const log = file(/\.log$/)
      writeFileSync(log, garbage(statSync(log).size))
      await expectRefusal(dataDir, log)
    })

    it('a damaged byte inside the log stops start-up naming the file (LevelDB would skip the record)', async () => {
      const { dataDir, file } = copyOfGolden()
      const log = file(/\.log$/)
      const bytes = readFileSync(log)
      const at = Math.floor(bytes.length / 2)
      bytes[at] = (bytes[at] ?? 0) ^ 0xff
      writeFileSync(log, bytes)
      await expectRefusal(dataDir, log)
    })

    it('a log cut short (as a crash mid-write leaves it) is recovered up to the cut, with a warning', async () => {
      const { dataDir, file } = copyOfGolden()
      const log = file(/\.log$/)
      const bytes = readFileSync(log)
      // Cut inside a record (not on a boundary), the shape a torn write has.
      let cut = Math.floor(bytes.length / 2)
      while (checkLogBytes(log, bytes.subarray(0, cut)) === 0) cut--
      truncateSync(log, cut)

      const a = new TestAgent({ name: 'recovered', dataDir })
      agents.push(a)
      a.start()
      await a.ready()
      assert.match(a.logs, /"level":"warn".*ends in a torn record/)
      assert.ok(a.logs.includes(log), 'the warning names the log file')
      const c = await connect(a)
      try {
        const { entries } = (await c.call('kv.list', {})) as {
          entries: Array<{ key: string; value: { i: number } }>
        }
        const present = new Set(entries.map((e) => e.key))
        for (let i = 0; i < FIRST; i++) assert.ok(present.has(`k${i}`), `k${i} (in the table) survives`)
        // The log replays in order: what survives is a prefix of the second batch of writes.
        const second = Array.from({ length: SECOND }, (_, j) => present.has(`k${FIRST + j}`))
        const kept = second.indexOf(false)
        assert.ok(kept > 0 && kept < SECOND, `part of the log survives (kept ${kept})`)
        assert.ok(
          second.slice(kept).every((p) => !p),
          'only a prefix survives',
        )
        for (const e of entries) assert.equal(`k${e.value.i}`, e.key)
        assert.deepEqual(await c.call('set.members', { name: 'fruits' }), { elements: ['apple', 'pear'] })
        assert.deepEqual(await c.call('counter.get', { name: 'hits' }), { value: 5 })
      } finally {
        c.close()
      }
    })
  })

  describe('(b) damaged CURRENT and MANIFEST', () => {
    it('a missing CURRENT stops start-up naming it (LevelDB would create an empty store)', async () => {
      const { dataDir, db } = copyOfGolden()
      rmSync(join(db, 'CURRENT'))
      await expectRefusal(dataDir, join(db, 'CURRENT'))
    })

    it('a garbage CURRENT stops start-up naming it', async () => {
      const { dataDir, db } = copyOfGolden()
      writeFileSync(join(db, 'CURRENT'), 'garbage\n')
      await expectRefusal(dataDir, join(db, 'CURRENT'))
    })

    it('a missing MANIFEST stops start-up naming it', async () => {
      const { dataDir, file } = copyOfGolden()
      const manifest = file(/^MANIFEST-/)
      rmSync(manifest)
      await expectRefusal(dataDir, manifest)
    })

    it('a garbage MANIFEST stops start-up naming it', async () => {
      const { dataDir, file } = copyOfGolden()
      const manifest = file(/^MANIFEST-/)
      writeFileSync(manifest, garbage(statSync(manifest).size))
      await expectRefusal(dataDir, manifest)
    })
  })

  describe('(c) invalid entries', () => {
    it('a record that is not a record encoding stops start-up naming its key', async () => {
      const { dataDir, db } = copyOfGolden()
      await putRaw(db, { 'rec:k\u0000k3': Uint8Array.of(0x0a, 0xff, 0xff, 0x01) })
      await expectRefusal(dataDir, 'record "k\\u0000k3" is invalid')
    })

    it('a record that decodes but breaks the record rules, or sits under another id, stops start-up naming it', async () => {
      const { dataDir, db } = copyOfGolden()
      const pb = Entry.encode({
        id: 'k\u0000k4',
        lww: { wall: 1, logical: 0, origin: 'A', seq: 1, proof: new Uint8Array(3) },
      })
      await putRaw(db, { 'rec:k\u0000k4': pb })
      await expectRefusal(dataDir, 'record "k\\u0000k4" is invalid')
      const moved = copyOfGolden()
      const good = Entry.encode({
        id: 'k\u0000k5',
        lww: { wall: 1, logical: 0, origin: 'A', seq: 1, proof: new Uint8Array(64) },
      })
      await putRaw(moved.db, { 'rec:k\u0000k6': good })
      await expectRefusal(moved.dataDir, 'record "k\\u0000k6" is invalid: it holds the record of')
    })

    it('an invalid version vector or peer entry stops start-up naming the key', async () => {
      const first = copyOfGolden()
      await putRaw(first.db, { 'vv:someone': '-1' })
      await expectRefusal(first.dataDir, "'vv:someone' is invalid")
      const legacy = copyOfGolden()
      await asLegacyFormat(legacy.db, 3)
      await putRaw(legacy.db, { 'meta:vv': '{"someone":-1}' })
      await expectRefusal(legacy.dataDir, "'meta:vv' is invalid")
      const second = copyOfGolden()
      await putRaw(second.db, { 'peer:12D3KooWx': '{"id":"12D3KooWx","addrs":"nope"}' })
      await expectRefusal(second.dataDir, "'peer:12D3KooWx' is invalid")
    })
  })

  describe('(d) format version', () => {
    it('an unknown meta:format stops start-up naming the key and both versions', async () => {
      const { dataDir, db } = copyOfGolden()
      await putRaw(db, { 'meta:format': '7' })
      const line = await expectRefusal(dataDir, '\'meta:format\' "7"')
      assert.match(line, /reads format 6 and migrates formats 1, 2, 3, 4, 5/)
    })

    it('a store of format 1 (unsigned records) is migrated: own records signed again, others dropped', async () => {
      const { dataDir, db } = copyOfGolden()
      // Rewrite it as format 1 wrote it: no signatures, plus a record by another origin.
      const oldVv = await asLegacyFormat(db, 1)
      const level = new ClassicLevel<string, string>(db, { valueEncoding: 'utf8', createIfMissing: false })
      await level.open()
      const ops: Array<{ type: 'put'; key: string; value: string }> = []
      for await (const [key, value] of level.iterator({ gte: 'rec:', lt: 'rec:\uffff' })) {
        const { sig: _s, sigs: _ss, rsigs: _rs, ...unsigned } = JSON.parse(value) as Record<string, unknown>
        ops.push({ type: 'put', key, value: JSON.stringify(unsigned) })
      }
      const other = '12D3KooWGeHvzRhB8GG6pScKUSJiUM636uAhaXztJh9UyTQemdw7'
      const foreign = {
        t: 'lww',
        hlc: { wall: 1, logical: 0 },
        origin: other,
        value: 'theirs',
        dots: { [other]: 1 },
      }
      ops.push({ type: 'put', key: 'rec:k\u0000theirs', value: JSON.stringify(foreign) })
      await level.batch(ops, { sync: true })
      await level.close()

      const a = new TestAgent({ name: 'migrated', dataDir })
      agents.push(a)
      a.start()
      const info = await a.ready()
      assert.match(a.logs, /store migrated to format 6 \(signed writes\).*"kept":\d+,"dropped":1/)
      assert.equal(info.state?.keys, FIRST + SECOND, 'every own key survives')
      assert.equal((await a.cli(['kv', 'get', 'k0', '--json'])).stdout, '{"i":0}\n')
      assert.equal((await a.cli(['counter', 'get', 'hits'])).stdout, '5\n')
      assert.equal(
        (await a.cli(['kv', 'get', 'theirs'])).code,
        1,
        'an unsigned record of another origin is gone',
      )
      a.kill('SIGTERM')
      assert.equal(await a.waitExit(), 0)
      assert.deepEqual(
        Object.keys(await versionKeys(db)),
        Object.keys(oldVv),
        'own vv entry kept (the golden store has only its own origin)',
      )
      a.start()
      await a.ready()
      assert.doesNotMatch(a.logs.split('agent stopped').pop() ?? '', /store migrated/, 'once only')
    })

    for (const format of [2, 3] as const) {
      it(`a store of format ${format} opens with every record, its vv split into one key per origin, records binary (format 6)`, async () => {
        const { dataDir, db } = copyOfGolden()
        const oldVv = await asLegacyFormat(db, format)
        const a = new TestAgent({ name: `format${format}`, dataDir })
        agents.push(a)
        a.start()
        const info = await a.ready()
        assert.equal(info.state?.keys, FIRST + SECOND, 'every key kept')
        assert.equal((await a.cli(['counter', 'get', 'hits'])).stdout, '5\n')
        // The vv came through: a new write takes the next seq, so it lands above the old entry.
        const self = Object.keys(oldVv)[0] ?? ''
        await a.cli(['kv', 'set', 'after', '1'])
        a.kill('SIGTERM')
        assert.equal(await a.waitExit(), 0)
        const vv = await versionKeys(db)
        assert.deepEqual(Object.keys(vv), Object.keys(oldVv))
        assert.equal(vv[self], (oldVv[self] ?? 0) + 1, 'the write after migration took the next seq')
      })
    }

    for (const format of [4, 5] as const) {
      it(`a store of format ${format} (records as JSON${format === 4 ? ', no collected floors' : ''}) opens with every record, rewritten binary (format 6)`, async () => {
        const { dataDir, db } = copyOfGolden()
        await asLegacyFormat(db, format)
        const a = new TestAgent({ name: `format${format}`, dataDir })
        agents.push(a)
        a.start()
        const info = await a.ready()
        assert.equal(info.state?.keys, FIRST + SECOND, 'every key kept')
        assert.equal((await a.cli(['kv', 'get', 'k7', '--json'])).stdout, '{"i":7}\n')
        assert.deepEqual(JSON.parse((await a.cli(['set', 'members', 'fruits', '--json'])).stdout), [
          'apple',
          'pear',
        ])
        a.kill('SIGTERM')
        assert.equal(await a.waitExit(), 0)
        assert.ok(Object.keys(await versionKeys(db)).length > 0, 'marked 6, records binary, vv kept')
      })
    }

    it('a store with data but no meta:format is refused, never taken for a new one', async () => {
      const { dataDir, db } = copyOfGolden()
      const level = new ClassicLevel<string, string>(db, { createIfMissing: false })
      await level.open()
      await level.del('meta:format', { sync: true })
      await level.close()
      await expectRefusal(dataDir, "no 'meta:format' key")
    })
  })
})
