// Fuzzing every decoder of outside input (targets in test/fuzz/targets.ts). CI runs a short budget;
// `npm run fuzz` runs FUZZ_RUNS=1,000,000 inputs per target.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { z } from 'zod'
import { AdminClient } from '../../src/admin/client.js'
import { defineMethod } from '../../src/admin/methods.js'
import { AdminServer } from '../../src/admin/server.js'
import { fuzzTargets } from '../fuzz/targets.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000)

describe(`fuzzing the decoders (${RUNS} inputs each; FUZZ_RUNS to change)`, function () {
  this.timeout(RUNS > 10_000 ? 0 : 60_000)

  for (const target of fuzzTargets()) {
    it(`${target.name}: only the typed decode error escapes`, () => {
      fc.assert(fc.property(target.input, target.check), { numRuns: RUNS })
    })
  }

  it('admin requests: any line gets an answer or nothing, and the server keeps serving', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-fuzz-'))
    const server = new AdminServer({
      socketPath: join(dir, 'murmur.sock'),
      methods: {
        echo: defineMethod({ params: z.object({ text: z.string().max(100) }).strict(), handler: (p) => p }),
      },
    })
    await server.listen()
    try {
      const line = fc.oneof(
        fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
        fc
          .record(
            {
              jsonrpc: fc.oneof(fc.constant('2.0'), fc.jsonValue()),
              id: fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.jsonValue()),
              method: fc.oneof(fc.constantFrom('echo', 'nope', '__proto__', 'constructor'), fc.string()),
              params: fc.jsonValue({ maxDepth: 3 }),
            },
            { requiredKeys: [], noNullPrototype: true },
          )
          .map((o) => JSON.stringify(o)),
        fc.string({ unit: 'binary', maxLength: 200 }).map((s) => s.replaceAll('\n', ' ')),
      )
      const batch = Math.min(RUNS, 5000)
      for (let done = 0; done < RUNS; done += batch) {
        const lines = fc.sample(line, batch)
        const sock = connect(server.socketPath)
        await new Promise<void>((r) => sock.once('connect', () => r()))
        sock.on('data', () => {})
        sock.on('error', () => {})
        for (const l of lines) sock.write(`${l}\n`)
        await new Promise<void>((r) => sock.end(() => r()))
        const client = await AdminClient.connect(server.socketPath)
        try {
          assert.deepEqual(await client.call('echo', { text: 'still here' }), { text: 'still here' })
        } finally {
          client.close()
        }
      }
    } finally {
      await server.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
