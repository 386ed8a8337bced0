// A libp2p node that is not murmur, built from the project's own transport: the hostile peer.
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import type { Multiaddr } from '@multiformats/multiaddr'
import {
  type CrdtRecord,
  decodeMessage,
  encodeMessage,
  encodeSyncResponseFrames,
  type VersionVector,
} from '../../src/crdt/index.js'
import { STATE_TOPIC } from '../../src/gossip/delta-topic.js'
import { SYNC_PROTOCOL } from '../../src/gossip/sync-service.js'
import { createNode, type MurmurNode } from '../../src/transport/node.js'
import { silentLogger } from '../../src/util/log.js'
import { waitFor } from './wait.js'

export async function startForeignNode(
  privateKey?: PrivateKey,
  swarmKeyFile: string | null = null,
): Promise<MurmurNode> {
  const node = await createNode({
    privateKey: privateKey ?? (await generateKeyPair('Ed25519')),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    announce: [],
    bootstrap: [],
    mdns: { enabled: false, intervalMs: 1000 },
    swarmKeyFile,
    maxConnections: 10,
    maxMessageBytes: 1 << 20,
    topics: [STATE_TOPIC],
    logger: silentLogger,
  })
  await node.start()
  return node
}

/** Subscribes `node` to the state topic, connects it to `addr` and waits until the agent there subscribes. */
export async function attachToState(node: MurmurNode, addr: Multiaddr): Promise<void> {
  node.services.pubsub.subscribe(STATE_TOPIC)
  await node.dial(addr)
  await waitFor(() => node.services.pubsub.getSubscribers(STATE_TOPIC).length > 0, {
    what: 'the agent to subscribe',
  })
}

/**
 * One anti-entropy session as a hostile initiator: it asks with `ask`, then answers with
 * `records` and claims `claim` as its vv. Returns the vv the agent sent; writes the agent refuses
 * (it may hang up) are ignored.
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
  await lp.write(encodeMessage({ type: 'sync-hello', digest: 'f'.repeat(64) }))
  await lp.read() // its hello: the digests differ
  await lp.write(encodeMessage({ type: 'sync-req', vv: ask }))
  let theirs: VersionVector = {}
  for (;;) {
    const m = decodeMessage((await lp.read()).subarray())
    if (m.type !== 'sync-resp') throw new Error(`unexpected ${m.type}`)
    if (m.done) {
      theirs = { ...m.vv }
      break
    }
  }
  await lp.read() // its sync-req
  for (const f of encodeSyncResponseFrames(records, claim)) await lp.write(f).catch(() => {})
  await stream.close().catch(() => {})
  return theirs
}
