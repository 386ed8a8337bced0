// A libp2p node that is not murmur, built from the project's own transport: the hostile peer.
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { STATE_TOPIC } from '../../src/gossip/state-service.js'
import { createNode, type MurmurNode } from '../../src/transport/node.js'
import { silentLogger } from '../../src/util/log.js'

export async function startForeignNode(privateKey?: PrivateKey, swarmKeyFile: string | null = null): Promise<MurmurNode> {
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
