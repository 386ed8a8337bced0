// Allow and deny lists: deny beats allow, an empty allow list allows every key holder.
import assert from 'node:assert/strict'
import { peerIdFromString } from '@libp2p/peer-id'
import { PeerFilter } from '../../../src/transport/peer-filter.js'
import { peerIds } from '../membership/swim-net.js'

describe('peer filter', () => {
  it('allows all but the denied with an empty allow list, only the allowed otherwise, and reloads', async () => {
    const [a, b, c] = (await peerIds(3)) as [string, string, string]
    const f = new PeerFilter({ allow: [], deny: [c] })
    assert.deepEqual(
      [a, b, c].map((x) => f.allows(x)),
      [true, true, false],
    )
    const gate = f.gater()
    assert.equal(gate.denyInboundEncryptedConnection?.(peerIdFromString(c), undefined as never), true)
    f.set({ allow: [a, c], deny: [c] })
    assert.deepEqual(
      [a, b, c].map((x) => f.allows(x)),
      [true, false, false],
    )
    assert.equal(gate.denyDialPeer?.(peerIdFromString(b)), true, 'the same gater reads the new lists')
    assert.equal(gate.denyOutboundEncryptedConnection?.(peerIdFromString(a), undefined as never), false)
  })
})
