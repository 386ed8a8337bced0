// Hand-built gossip frames for the hostile-peer tests: what no honest encoder would send.
import { FORMAT_VERSION } from '../../src/crdt/index.js'
import * as pb from '../../src/crdt/pb/records.js'

/** A frame of these pb deltas, as they are, under the current format byte. */
export const rawDeltaFrame = (deltas: pb.Delta[]): Uint8Array =>
  Uint8Array.from([FORMAT_VERSION, ...pb.DeltaFrame.encode({ deltas })])

/** A counter delta by `me` whose total is 2^53 - 1 and whose dot is `seq`: past every bound. */
export const pastBoundCounterFrame = (me: string, seq: number): Uint8Array =>
  rawDeltaFrame([
    {
      entry: {
        id: 'c\u0000hits',
        counter: {
          p: [{ origin: me, seq: 2 ** 53 - 1 }],
          n: [],
          dots: [{ origin: me, seq }],
          proofs: [{ origin: me, proof: new Uint8Array(64) }],
        },
      },
      dotOrigin: me,
      dotSeq: 1,
    },
  ])
