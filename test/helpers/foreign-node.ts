// A libp2p node that is not murmur, built from the project's own transport: the hostile peer.
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { CrdtRecord, VersionVector } from '../../src/crdt/index.js'
import { STATE_TOPIC } from '../../src/gossip/delta-topic.js'
import { EVENTS_TOPIC } from '../../src/gossip/event-topic.js'
import { SYNC_PROTOCOL } from '../../src/gossip/sync-service.js'
import {
  decodeSyncMessage,
  encodeRangeFrames,
  encodeSyncMessage,
  encodeSyncResponseFrames,
  FP,
  IDS,
  type Range,
  Reconciler,
  VersionSet,
} from '../../src/sync/index.js'
import { type NatOptions, NO_NAT } from '../../src/transport/nat.js'
import { createNode, type MurmurNode } from '../../src/transport/node.js'
import { silentLogger } from '../../src/util/log.js'
import { waitFor } from './wait.js'

export async function startForeignNode(
  privateKey?: PrivateKey,
  swarmKeyFile: string | null = null,
  nat: NatOptions = NO_NAT,
): Promise<MurmurNode> {
  const node = await createNode({
    privateKey: privateKey ?? (await generateKeyPair('Ed25519')),
    listen: nat.reservations > 0 ? [] : ['/ip4/127.0.0.1/tcp/0'],
    announce: [],
    bootstrap: [],
    mdns: { enabled: false, intervalMs: 1000 },
    swarmKeyFile,
    maxConnections: 10,
    maxMessageBytes: 1 << 20,
    topics: [STATE_TOPIC, EVENTS_TOPIC],
    logger: silentLogger,
    nat,
  })
  await node.start()
  return node
}

/** Subscribes `node` to the state topic, connects it to `addr` and waits until the agent there subscribes. */
export async function attachToState(node: MurmurNode, addr: Multiaddr): Promise<void> {
  node.services.pubsub.subscribe(STATE_TOPIC)
  await node.dial(addr)
  // The agent prunes connections outside its view that stay silent (surplus-connections.ts): on a
  // loaded machine that can come before the subscription, and a peer would dial again.
  await waitFor(
    async () => {
      if (node.services.pubsub.getSubscribers(STATE_TOPIC).length > 0) return true
      if (node.getConnections().length === 0) await node.dial(addr).catch(() => {})
      return false
    },
    { what: 'the agent to subscribe' },
  )
}

/**
 * One anti-entropy session as a hostile initiator: it reconciles as if its vv were `ask`, then
 * answers with `records` and claims `claim` as its vv. Returns the vv entries the agent sent with
 * its diff; writes the agent refuses (it may hang up) are ignored.
 */
export async function hostileSyncSession(
  node: MurmurNode,
  addr: Multiaddr,
  records: Array<[string, CrdtRecord]>,
  claim: VersionVector,
  ask: VersionVector = claim,
): Promise<VersionVector> {
  const stream = await node.dialProtocol(addr, SYNC_PROTOCOL)
  const lp = lpStream(stream, { maxDataLength: 1 << 20 })
  const read = async () => decodeSyncMessage((await lp.read()).subarray())
  const write = async (frames: Uint8Array[]) => {
    for (const f of frames) await lp.write(f).catch(() => {})
  }
  await write([encodeSyncMessage({ type: 'sync-hello', digest: 'f'.repeat(64) })])
  await read() // its hello: the digests differ
  const rec = new Reconciler(new VersionSet(Object.entries(ask).map(([o, s]) => [o, s, s])))
  await write(encodeRangeFrames(rec.open()))
  let first: boolean
  for (;;) {
    const msg: Range[] = []
    for (let m = await read(); ; m = await read()) {
      if (m.type !== 'sync-ranges') throw new Error(`unexpected ${m.type}`)
      msg.push(...m.ranges)
      if (!m.more) break
    }
    const { reply, last } = rec.answer(msg)
    if (!msg.some((r) => r[1] === FP || r[1] === IDS)) {
      first = true
      break
    }
    await write(encodeRangeFrames(reply))
    if (last) {
      first = false
      break
    }
  }
  const answer = () => write(encodeSyncResponseFrames(records, claim))
  if (first) await answer()
  const theirs: Record<string, number> = {}
  try {
    for (;;) {
      const m = await read()
      if (m.type !== 'sync-resp') throw new Error(`unexpected ${m.type}`)
      Object.assign(theirs, m.vv)
      if (m.done) break
    }
  } catch (err) {
    if (!first) throw err // after our answer, the agent may have hung up on it
  }
  if (!first) await answer()
  await stream.close().catch(() => {})
  return theirs
}
