// One bare libp2p gossipsub peer in its own process, for bench/gossipsub-baseline.ts: TCP on
// 127.0.0.1, noise, yamux, identify and gossipsub with the options murmur's node uses
// (src/transport/node.ts: StrictSign, floodPublish off, fastMsgIdFn, loopback colocation
// whitelist), and nothing of murmur above it. It reports each message it receives to the parent.
import '../src/polyfill.js'
import { type GossipSub, gossipsub, StrictSign } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { emit, loopbackLibp2p, readTag, serve, taggedPayload } from './peer-ipc.js'

export const TOPIC = 'bench/gossipsub-baseline'

const toHex = (b: Uint8Array | undefined): string =>
  b ? Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex') : ''

const node = await createLibp2p({
  ...loopbackLibp2p(),
  connectionMonitor: { enabled: false },
  services: {
    identify: identify(),
    pubsub: gossipsub({
      globalSignaturePolicy: StrictSign,
      allowPublishToZeroTopicPeers: true,
      floodPublish: false,
      emitSelf: false,
      fastMsgIdFn: (msg) => `${toHex(msg.from)}:${toHex(msg.seqno)}`,
      scoreParams: { IPColocationFactorWhitelist: new Set(['127.0.0.1', '::1']) },
    }),
  },
})
const pubsub = node.services.pubsub as GossipSub

/** Messages received per round; rounds whose every receipt is reported, and rounds awaited in bulk. */
const counts = new Map<number, number>()
const reportEach = new Set<number>()
const expected = new Map<number, number>()

pubsub.addEventListener('message', (evt) => {
  if (evt.detail.topic !== TOPIC) return
  const tag = readTag(evt.detail.data)
  if (tag === undefined) return
  const n = (counts.get(tag.round) ?? 0) + 1
  counts.set(tag.round, n)
  if (reportEach.has(tag.round)) emit('got', tag)
  if (expected.get(tag.round) === n) emit('all', { round: tag.round, n })
})
pubsub.subscribe(TOPIC)

/** This peer's index, carried in the messages it publishes. */
const me = Number(process.argv[2] ?? 0)

serve(
  {
    dial: async ({ addr }: { addr: string }) => {
      await node.dial(multiaddr(addr))
    },
    status: () => ({
      connections: node.getConnections().length,
      subscribers: pubsub.getSubscribers(TOPIC).length,
      // Present on the instance, missing from the exported type (../shared/LIBP2P-NOTES.md).
      mesh: (pubsub as unknown as { getMeshPeers(t: string): string[] }).getMeshPeers(TOPIC).length,
    }),
    /** Report every receipt of this round (latency). */
    report: ({ round }: { round: number }) => {
      reportEach.add(round)
    },
    /** Emit `all` once `n` messages of this round have arrived (throughput). */
    expect: ({ round, n }: { round: number; n: number }) => {
      expected.set(round, n)
      if ((counts.get(round) ?? 0) >= n) emit('all', { round, n })
    },
    count: ({ round }: { round: number }) => counts.get(round) ?? 0,
    publish: async ({ round, seq, bytes }: { round: number; seq: number; bytes: number }) => {
      await pubsub.publish(TOPIC, taggedPayload(bytes, round, me, seq))
    },
    /** Publishes seqs `from`, `from + step`, ... below `to`, `inFlight` at a time; returns ms taken. */
    publishMany: async (a: {
      round: number
      from: number
      to: number
      step: number
      bytes: number
      inFlight: number
    }) => {
      const t0 = performance.now()
      let next = a.from
      const worker = async (): Promise<void> => {
        while (next < a.to) {
          const seq = next
          next += a.step
          await pubsub.publish(TOPIC, taggedPayload(a.bytes, a.round, me, seq))
        }
      }
      await Promise.all(Array.from({ length: a.inFlight }, worker))
      return performance.now() - t0
    },
  },
  async () => {
    await node.stop()
  },
)

const addr = node.getMultiaddrs().find((m) => m.toString().includes('/127.0.0.1/'))
emit('ready', { peerId: node.peerId.toString(), addr: addr?.toString() ?? '' })
