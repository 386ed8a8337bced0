// The cost of one connection (#28): two transport nodes built as the agent builds them, in one
// process; connect, wait for identify, hang up, N times. CPU per connection covers both ends
// (TCP, the private-mesh layer, noise XX, yamux, identify both ways, gossipsub's stream).
import { generateKeyPair } from '@libp2p/crypto/keys'
import { STATE_TOPIC } from '../src/gossip/delta-topic.js'
import { createNode, type MurmurNode } from '../src/transport/node.js'
import { createLogger } from '../src/util/log.js'
import { testSwarmKeyFile } from '../test/helpers/agents.js'
import { type Figure, fmtMs, log, now } from './util.js'

const NAT = {
  reachability: 'private' as const,
  autonat: false,
  reservations: 0,
  upnp: false,
  relay: {
    serve: 'off' as const,
    maxReservations: 0,
    reservationTtlMs: 0,
    maxDurationMs: 0,
    maxDataBytes: 0,
  },
}

async function node(): Promise<MurmurNode> {
  const n = await createNode({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    announce: [],
    bootstrap: [],
    mdns: { enabled: false, intervalMs: 1000 },
    swarmKeyFile: testSwarmKeyFile(),
    maxConnections: 200,
    maxMessageBytes: 1 << 20,
    topics: [STATE_TOPIC],
    logger: createLogger('bench', { level: 'error', write: (l) => process.stderr.write(l) }),
    nat: NAT,
  })
  await n.start()
  n.services.pubsub.subscribe(STATE_TOPIC)
  return n
}

export async function runConnectionBench(rounds = Number(process.env.CONN_ROUNDS ?? 200)): Promise<Figure[]> {
  const a = await node()
  const b = await node()
  try {
    const addr = b.getMultiaddrs()[0]!
    const once = async (): Promise<void> => {
      const identified = new Promise<void>((r) =>
        a.addEventListener('peer:identify', () => r(), { once: true }),
      )
      const conn = await a.dial(addr)
      await identified
      await conn.close()
    }
    for (let i = 0; i < Number(process.env.CONN_WARMUP ?? 20); i++) await once() // warm the JIT
    const c0 = process.cpuUsage()
    const t0 = now()
    for (let i = 0; i < rounds; i++) await once()
    const wall = (now() - t0) / rounds
    const c = process.cpuUsage(c0)
    const cpu = (c.user + c.system) / 1000 / rounds
    log(`connection: ${rounds} rounds, ${fmtMs(cpu)} CPU and ${fmtMs(wall)} wall per connection (both ends)`)
    return [
      {
        section: 'cost of a connection',
        name: 'CPU per connection, both ends (warm)',
        value: fmtMs(cpu),
        detail: `dial, private-mesh layer, noise XX, yamux, identify both ways, gossipsub stream, close; wall ${fmtMs(wall)}`,
      },
    ]
  } finally {
    await a.stop()
    await b.stop()
  }
}

if (process.argv[1]?.endsWith('connection.js')) {
  const figs = await runConnectionBench()
  for (const f of figs) console.log(`${f.name}: ${f.value} (${f.detail})`)
}
