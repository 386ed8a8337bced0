// One OrbitDB 4 peer in its own process, for bench/orbitdb-baseline.ts: a libp2p node on 127.0.0.1
// (TCP, noise, yamux, identify, gossipsub as OrbitDB's docs configure it), helia 6 on top with a
// LevelDB blockstore, bitswap as the only block broker and libp2p as the only router (so no trustless
// gateway, no delegated routing, no bootstrap list: it never dials beyond loopback), and OrbitDB's
// keyvalue database with its default LevelDB heads and index storage.
// argv: <name> <directory>
import '../src/polyfill.js'
import { join } from 'node:path'
import { bitswap } from '@helia/block-brokers'
import { libp2pRouting } from '@helia/routers'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { multiaddr } from '@multiformats/multiaddr'
import { createOrbitDB, type KeyValueDatabase, type OrbitEntry } from '@orbitdb/core'
import { LevelBlockstore } from 'blockstore-level'
import { createHelia } from 'helia'
import { createLibp2p } from 'libp2p'
import { emit, loopbackLibp2p, serve } from './peer-ipc.js'

const name = process.argv[2] ?? 'orbit'
const dir = process.argv[3]
if (dir === undefined) throw new Error('usage: orbitdb-peer <name> <directory>')

const libp2p = await createLibp2p({
  ...loopbackLibp2p(),
  services: {
    identify: identify(),
    pubsub: gossipsub({ allowPublishToZeroTopicPeers: true }),
  },
})
const blockstore = new LevelBlockstore(join(dir, 'blocks'))
await blockstore.open()
const ipfs = await createHelia({
  libp2p,
  blockstore,
  blockBrokers: [bitswap()],
  routers: [libp2pRouting(libp2p)],
})
const orbitdb = await createOrbitDB({ ipfs, id: name, directory: join(dir, 'orbitdb') })

let db: KeyValueDatabase | undefined
/** Highest Lamport time joined so far: one writer's log holds all K entries once its head at K is joined. */
let maxTime = 0
let target = Number.POSITIVE_INFINITY
let synced = false

const reached = (t: number): void => {
  if (t > maxTime) maxTime = t
  if (!synced && maxTime >= target) {
    synced = true
    emit('synced', { time: maxTime })
  }
}

async function openDb(address: string): Promise<KeyValueDatabase> {
  const d = await orbitdb.open(address, { type: 'keyvalue' })
  d.events.on('update', (entry: OrbitEntry) => reached(entry.clock.time))
  db = d
  return d
}

const need = (): KeyValueDatabase => {
  if (db === undefined) throw new Error('no database open')
  return db
}

serve(
  {
    dial: async ({ addr }: { addr: string }) => {
      await libp2p.dial(multiaddr(addr))
    },
    /** Creates the database (this peer is its only writer); returns its address. */
    create: async ({ dbName }: { dbName: string }) => (await openDb(dbName)).address,
    /** Opens an existing database by address and emits `synced` once its log reaches time `expect`. */
    open: async ({ address, expect }: { address: string; expect: number }) => {
      target = expect
      synced = false
      const d = await openDb(address)
      for (const h of await d.log.heads()) reached(h.clock.time)
      return d.address
    },
    /** Peers this database has exchanged heads with. */
    peers: () => need().peers.size,
    /** `count` puts of `<prefix>/<i>` = `value-<i>`, `inFlight` at a time; returns ms taken. */
    put: async ({ count, prefix, inFlight }: { count: number; prefix: string; inFlight: number }) => {
      const d = need()
      const t0 = performance.now()
      let next = 0
      const worker = async (): Promise<void> => {
        while (next < count) {
          const i = next++
          await d.put(`${prefix}/${i}`, `value-${i}`)
        }
      }
      await Promise.all(Array.from({ length: inFlight }, worker))
      return performance.now() - t0
    },
    /** Keys the database holds, read back through its index (a full log traversal in OrbitDB). */
    count: async () => (await need().all()).length,
  },
  async () => {
    await orbitdb.stop()
    await ipfs.stop()
    await blockstore.close()
  },
)

const addr = libp2p.getMultiaddrs().find((m) => m.toString().includes('/127.0.0.1/'))
emit('ready', { peerId: libp2p.peerId.toString(), addr: addr?.toString() ?? '' })
