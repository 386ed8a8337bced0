// The real state machine behind the simulator's node interface: `Swim` with fake signatures
// (64 zero bytes, accepted by all), since signing is not what is simulated.

import { acceptAllVerifier, fakeSigner } from '../src/membership/claims.js'
import { Swim } from '../src/membership/swim.js'
import { encodedPacketSize } from '../src/membership/wire.js'
import type { NodeFactory } from './node.js'

export const swimNode: NodeFactory = (init) =>
  new Swim({ ...init, signer: fakeSigner(init.self.id), verifier: acceptAllVerifier })

/** Exact encoded bytes of a packet, without encoding it. */
export const packetSize = encodedPacketSize
