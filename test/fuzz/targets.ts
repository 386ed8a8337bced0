// Every decoder of outside input, as a fuzz target: arbitrary and mutated inputs may only ever
// fail with the decoder's typed error, and whatever decodes must encode again. Used by the CI
// spec (a short budget) and by `npm run fuzz` (1,000,000 inputs per target).
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { DEFAULT_CONFIG_PATH, readConfigFile, validateConfig } from '../../src/config/load.js'
import {
  canonicalJson,
  decodeEntry,
  decodeMessage,
  encodeDeltaFrames,
  encodeEntry,
  encodeMessage,
  FORMAT_VERSION,
  parseEntry,
  parseVersionVector,
  Replica,
} from '../../src/crdt/index.js'
import {
  ConfigError,
  InvalidInputError,
  SnapshotError,
  StoreCorruptError,
  TooLargeError,
} from '../../src/errors.js'
import { compileFilter, decodeQueryRequest, encodeQueryRequest } from '../../src/events/query.js'
import { decodeResponse, encodeResponse, QUERY_WIRE_VERSION } from '../../src/events/query-wire.js'
import { decodeKeysAnswer, decodeKeysRequest, encodeKeysFrame } from '../../src/gossip/keys-service.js'
import { SWIM_WIRE_VERSION } from '../../src/membership/limits.js'
import type { Packet } from '../../src/membership/messages.js'
import { decodePacket, encodePacket } from '../../src/membership/wire.js'
import { SNAPSHOT_MAGIC, SnapshotDecoder, SnapshotEncoder } from '../../src/state/snapshot-format.js'
import {
  decodeSyncMessage,
  encodeRangeFrames,
  encodeSyncMessage,
  encodeSyncResponseFrames,
  Reconciler,
  SYNC_WIRE_VERSION,
  VersionSet,
} from '../../src/sync/index.js'
import { Keyring } from '../../src/transport/keyring.js'
import { decodeKeyring, encodeKeyring } from '../../src/transport/keyring-file.js'
import { FakeClock } from '../../src/util/clock.js'

export interface FuzzTarget {
  name: string
  input: fc.Arbitrary<unknown>
  /** Throws only when the decoder misbehaved (an untyped error, or output that does not re-encode). */
  check: (input: unknown) => void
}

/** Runs `fn`; an error of one of `allowed` classes is the decoder refusing the input, as it should. */
function refusesWith(allowed: ReadonlyArray<new (...a: never[]) => Error>, fn: () => void): void {
  try {
    fn()
  } catch (err) {
    if (allowed.some((c) => err instanceof c)) return
    throw err
  }
}

/** Random edits (truncate, overwrite, insert, delete) of a valid encoding. */
function mutated(corpus: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const edit = fc.record({ at: fc.nat(), value: fc.nat(255), kind: fc.nat(3) }, { noNullPrototype: true })
  return fc
    .tuple(fc.constantFrom(...corpus), fc.array(edit, { minLength: 1, maxLength: 4 }))
    .map(([seed, edits]) => {
      let b = Uint8Array.from(seed)
      for (const { at, value, kind } of edits) {
        const i = at % (b.length + 1)
        if (kind === 0) b = b.slice(0, i)
        else if (kind === 1 && i < b.length) b[i] = value
        else if (kind === 2) b = Uint8Array.from([...b.subarray(0, i), value, ...b.subarray(i)])
        else b = Uint8Array.from([...b.subarray(0, i), ...b.subarray(i + 1)])
      }
      return b
    })
}

function bytesInput(corpus: readonly Uint8Array[], prefix: number[]): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.uint8Array({ maxLength: 300 }).map((rest) => Uint8Array.from([...prefix, ...rest])),
    mutated(corpus),
  )
}

function sampleDeltas(a: Replica) {
  return [
    ...a.kvSet('k', { n: [1, 'x', null] }).deltas,
    ...a.setAdd('s', ['e1', 'e2']).deltas,
    ...a.setRemove('s', ['e1']).deltas,
    ...a.counterAdd('c', 5).deltas,
    ...a.counterAdd('c', -2).deltas,
    ...a.kvDel('k').deltas,
  ]
}

const fuzzPeerSet = new VersionSet(Array.from({ length: 40 }, (_, i) => [`peer${i}`, i + 2, i + 2] as const))

const gossipCorpus = (): Uint8Array[] =>
  encodeDeltaFrames(sampleDeltas(new Replica('12D3KooWA', new FakeClock())))

function entryCorpus(): Uint8Array[] {
  const a = new Replica('12D3KooWA', new FakeClock())
  sampleDeltas(a)
  return [...a.entries()].map(([id, r]) => encodeEntry(id, r))
}

function syncCorpus(): Uint8Array[] {
  const a = new Replica('12D3KooWA', new FakeClock())
  sampleDeltas(a)
  const many = Array.from({ length: 40 }, (_, i) => [`peer${i}`, i + 1, i + 1] as const)
  return [
    encodeSyncMessage({ type: 'sync-hello', digest: a.digest(), same: false }),
    ...encodeRangeFrames(new Reconciler(new VersionSet(a.versionEntries())).open()),
    ...encodeRangeFrames(new Reconciler(new VersionSet(many)).open()),
    ...encodeSyncResponseFrames([...a.entries()], a.versionVector()),
  ]
}

const swimCorpus = (): Uint8Array[] =>
  (
    [
      { type: 'ping', seq: 1, updates: [] },
      { type: 'ack', seq: 7, updates: [] },
      {
        type: 'ack',
        seq: 8,
        updates: [],
        coord: { vec: [0.01, -0.02, 0, 0, 0, 0, 0, 0.5], height: 0.001, error: 0.4, adjustment: -0.0001 },
      },
      { type: 'nack', seq: 9 },
      { type: 'gossip', updates: [] },
      { type: 'sync-digest', seq: 3, count: 10, root: 12345 },
      { type: 'sync-buckets', seq: 3, bucketCount: 2, hashes: Uint32Array.from([1, 2]) },
    ] as Packet[]
  ).map(encodePacket)

/** A snapshot file of the sample state, as a store holds it (keys in order, records binary). */
function snapshotCorpus(): Uint8Array[] {
  const a = new Replica('12D3KooWA', new FakeClock())
  sampleDeltas(a)
  const utf8 = (s: string) => new TextEncoder().encode(s)
  const entries: Array<[string, Uint8Array]> = [
    ...[...a.entries()].map(([id, r]): [string, Uint8Array] => [`rec:${id}`, encodeEntry(id, r)]),
    ...Object.entries(a.versionVector()).map(([o, s]): [string, Uint8Array] => [`vv:${o}`, utf8(String(s))]),
  ].sort(([x], [y]) => Buffer.compare(Buffer.from(x), Buffer.from(y)))
  const enc = new SnapshotEncoder()
  const parts = [enc.start({ peerId: '12D3KooWA', name: 'a', createdAt: 1 })]
  for (const [k, v] of entries) parts.push(enc.entry(k, v))
  parts.push(enc.end().bytes)
  return [Buffer.concat(parts)]
}

const json = fc.jsonValue({ maxDepth: 4 })

const queryResponseCorpus = (): Uint8Array[] => [
  encodeResponse({
    kind: 'ack',
    id: '0123456789abcdef',
    payload: new Uint8Array(0),
    sig: new Uint8Array(64),
  }),
  encodeResponse({
    kind: 'answer',
    id: 'fedcba9876543210',
    payload: Buffer.from('up 3d\n'),
    sig: new Uint8Array(64),
  }),
]

/** Requests as members send them (the internal event's payload), edited or replaced. */
function queryRequestInput(): fc.Arbitrary<string> {
  const valid = JSON.stringify({
    v: 1,
    id: '0123456789abcdef',
    name: 'uptime',
    payload: 'hi',
    timeoutMs: 5000,
    node: 'web-.*',
    tags: { role: 'db|cache' },
  })
  const edited = fc
    .record({
      key: fc.constantFrom('v', 'id', 'name', 'payload', 'timeoutMs', 'node', 'tags', 'x'),
      value: json,
    })
    .map(({ key, value }) => JSON.stringify({ ...JSON.parse(valid), [key]: value }))
  return fc.oneof(
    fc.string(),
    json.map((j) => JSON.stringify(j)),
    edited,
    fc.constant(valid),
  )
}

const fuzzKey = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (i + n) & 0xff)
const keysCorpus = (): Uint8Array[] =>
  (
    [
      { v: 1, op: 'list' },
      { v: 1, op: 'install', key: '0f'.repeat(32) },
      { v: 1, op: 'use', fingerprint: '0123456789abcdef' },
      { ok: true, keys: ['0123456789abcdef', 'fedcba9876543210'], primary: '0123456789abcdef' },
      { ok: false, code: 'NOT_FOUND', message: 'no key' },
    ] as Array<Parameters<typeof encodeKeysFrame>[0]>
  ).map(encodeKeysFrame)
const keyringCorpus = (): Uint8Array[] => [
  Buffer.from(encodeKeyring(Keyring.of(fuzzKey(1)).install(fuzzKey(2)).install(fuzzKey(3)))),
]

/** The shape of the default config with some values replaced by arbitrary JSON. */
function configInput(): fc.Arbitrary<unknown> {
  const base = readConfigFile(DEFAULT_CONFIG_PATH)
  const paths: string[][] = []
  const walk = (o: Record<string, unknown>, path: string[]): void => {
    for (const [k, v] of Object.entries(o)) {
      paths.push([...path, k])
      if (v !== null && typeof v === 'object' && !Array.isArray(v))
        walk(v as Record<string, unknown>, [...path, k])
    }
  }
  walk(base, [])
  const change = fc.record({ path: fc.constantFrom(...paths), value: json }, { noNullPrototype: true })
  return fc.oneof(
    json,
    fc.array(change, { minLength: 1, maxLength: 3 }).map((changes) => {
      const out = structuredClone(base) as Record<string, unknown>
      for (const { path, value } of changes) {
        let o: unknown = out
        for (const k of path.slice(0, -1))
          o = o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined
        // An earlier change may have replaced the parent with a scalar: then this one does nothing.
        if (o !== null && typeof o === 'object')
          (o as Record<string, unknown>)[path[path.length - 1]!] = value
      }
      return out
    }),
  )
}

export function fuzzTargets(): FuzzTarget[] {
  return [
    {
      name: 'gossip frames (/murmur/state/4)',
      input: bytesInput(gossipCorpus(), [FORMAT_VERSION]),
      check: (input) =>
        refusesWith([InvalidInputError, TooLargeError], () => {
          const msg = decodeMessage(input as Uint8Array)
          encodeMessage(msg)
        }),
    },
    {
      name: 'anti-entropy frames (/murmur/sync/6.0.0)',
      input: bytesInput(syncCorpus(), [SYNC_WIRE_VERSION]),
      check: (input) =>
        refusesWith([InvalidInputError, TooLargeError], () => {
          const msg = decodeSyncMessage(input as Uint8Array)
          encodeSyncMessage(msg)
          // Whatever decodes, the reconciler takes or refuses with a typed error.
          if (msg.type === 'sync-ranges') new Reconciler(fuzzPeerSet).answer(msg.ranges)
        }),
    },
    {
      name: 'records as they travel (pb Entry)',
      input: bytesInput(entryCorpus(), []),
      check: (input) =>
        refusesWith([InvalidInputError], () => {
          const [id, r] = decodeEntry(input as Uint8Array)
          // What decodes is a valid record: it encodes again, to bytes that give it back (up to
          // JSON's own sameness: a value's -0 comes back 0).
          assert.equal(canonicalJson(decodeEntry(encodeEntry(id, r))), canonicalJson([id, r]))
        }),
    },
    {
      name: 'membership packets (/murmur/swim/3.0.0)',
      input: bytesInput(swimCorpus(), [SWIM_WIRE_VERSION]),
      check: (input) =>
        refusesWith([InvalidInputError], () => {
          encodePacket(decodePacket(input as Uint8Array))
        }),
    },
    {
      name: 'query responses (/murmur/query/1.0.0)',
      input: bytesInput(queryResponseCorpus(), [QUERY_WIRE_VERSION]),
      check: (input) =>
        refusesWith([InvalidInputError], () => {
          const bytes = input as Uint8Array
          if (Buffer.compare(encodeResponse(decodeResponse(bytes)), bytes) !== 0)
            throw new Error('a decoded response does not encode to the same bytes')
        }),
    },
    {
      name: 'query requests (murmur:query events)',
      input: queryRequestInput(),
      check: (input) =>
        refusesWith([InvalidInputError, TooLargeError], () => {
          const q = decodeQueryRequest(input as string)
          if (JSON.stringify(decodeQueryRequest(encodeQueryRequest(q))) !== JSON.stringify(q))
            throw new Error('a decoded request does not encode to the same request')
          compileFilter(q)
        }),
    },
    {
      name: 'snapshot files',
      input: bytesInput(snapshotCorpus(), [...SNAPSHOT_MAGIC, 0, 1, 0, 5]),
      check: (input) =>
        refusesWith([SnapshotError], () => {
          const bytes = input as Uint8Array
          const d = new SnapshotDecoder()
          // Split in two pushes: the decoder must not care where chunks end.
          const cut = bytes.length >> 1
          d.push(bytes.subarray(0, cut))
          d.push(bytes.subarray(cut))
          d.end()
        }),
    },
    {
      name: 'keyring frames (/murmur/keys/1.0.0)',
      input: bytesInput(keysCorpus(), [0x7b]),
      check: (input) => {
        const bytes = input as Uint8Array
        refusesWith([InvalidInputError], () => void encodeKeysFrame(decodeKeysRequest(bytes)))
        refusesWith([InvalidInputError], () => void encodeKeysFrame(decodeKeysAnswer(bytes)))
      },
    },
    {
      name: 'keyring files (keyring.json)',
      input: bytesInput(keyringCorpus(), [0x7b]),
      check: (input) =>
        refusesWith([StoreCorruptError], () => {
          encodeKeyring(decodeKeyring(Buffer.from(input as Uint8Array).toString('utf8'), 'keyring.json'))
        }),
    },
    {
      name: 'config files',
      input: configInput(),
      check: (input) => refusesWith([ConfigError], () => void validateConfig(input, 'config')),
    },
    {
      name: 'store values at start-up (records, version vector)',
      input: fc.tuple(
        fc.oneof(fc.string(), fc.constantFrom('k\u0000key', 's\u0000set\u0000el', 'c\u0000n')),
        json,
        json,
      ),
      check: (input) => {
        const [id, record, vv] = input as [string, unknown, unknown]
        refusesWith([InvalidInputError], () => void parseEntry(id, record))
        refusesWith([InvalidInputError], () => void parseVersionVector(vv))
      },
    },
  ]
}
