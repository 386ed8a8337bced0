// Anti-entropy over one bidirectional stream. The transport only moves frames; this file decides
// what they say. One session, four steps, strictly alternating so neither side writes while the
// other is blocked writing (no deadlock on bounded streams):
//
//   initiator                         responder
//   sync-hello(digestI)      ---->
//                            <----    sync-hello(digestR, same)      same: the session ends here
//   sync-req(vvI)            ---->
//                            <----    sync-resp(diffFor(vvI), vvR) ... done   (chunked)
//                            <----    sync-req(vvR')
//   sync-resp(diffFor(vvR'), vvI') ... done  ---->
//
// An in-sync pair exchanges two frames of about 100 bytes, whatever the number of origins. Each
// side merges every record as it arrives and uses the sender's vv only on done, when it holds the
// complete diff. Afterwards both hold the union of the two states as of session start.
import type { Change } from '../crdt/changes.js'
import {
  decodeMessage,
  encodeMessage,
  encodeSyncResponseFrames,
  MAX_FRAME_BYTES,
  type Message,
} from '../crdt/codec.js'
import type { VersionVector } from '../crdt/records.js'
import type { Replica } from '../crdt/replica.js'
import { InvalidInputError, TooLargeError } from '../errors.js'

export type SendFrame = (frame: Uint8Array) => Promise<void> | void

export interface FrameChannel {
  send: SendFrame
  frames: AsyncIterable<Uint8Array>
}

/** What a peer can make us do in one session. */
export interface SyncLimits {
  /** Records we accept from the peer. */
  maxRecords: number
  /** Frames we accept from the peer. */
  maxFrames: number
  /** Largest frame we send or accept. */
  maxFrameBytes: number
  /**
   * Gate before answering: `ready()` must hold in the same tick as the diff is taken, so a
   * store can make sure no own write leaves before it is on disk.
   */
  durable?: { ready: () => boolean; wait: () => Promise<void> }
}

export const DEFAULT_SYNC_LIMITS: Readonly<SyncLimits> = {
  maxRecords: 500_000,
  maxFrames: 4096,
  maxFrameBytes: MAX_FRAME_BYTES,
}

export interface SyncResult {
  /** The digests were equal: nothing but the two hellos was exchanged. */
  inSync: boolean
  /** Records we sent. */
  sent: number
  /** Records we received (including ones we already had). */
  received: number
  /** Visible changes the peer's records caused here. */
  changes: Change[]
}

class Inbox {
  private readonly it: AsyncIterator<Uint8Array>
  private count = 0
  constructor(
    frames: AsyncIterable<Uint8Array>,
    private readonly limits: SyncLimits,
  ) {
    this.it = frames[Symbol.asyncIterator]()
  }

  async next<T extends Message['type']>(type: T): Promise<Extract<Message, { type: T }>> {
    if (++this.count > this.limits.maxFrames) {
      throw new TooLargeError(`peer sent more than ${this.limits.maxFrames} frames in one sync session`)
    }
    const r = await this.it.next()
    if (r.done) throw new InvalidInputError(`sync stream ended while waiting for ${type}`)
    const msg = decodeMessage(r.value, this.limits.maxFrameBytes)
    if (msg.type !== type) throw new InvalidInputError(`expected ${type} in sync session, got ${msg.type}`)
    return msg as Extract<Message, { type: T }>
  }
}

/** Sends diffFor(remote) and our vv, both taken at the same instant. */
async function answer(
  replica: Replica,
  send: SendFrame,
  remote: VersionVector,
  limits: SyncLimits,
): Promise<number> {
  // Own writes not yet on disk (and signed) wait: after a crash we could reuse their seqs.
  for (let tries = 0; limits.durable !== undefined && !limits.durable.ready(); tries++) {
    if (tries >= 16) throw new TooLargeError('own writes did not reach the disk in time to answer')
    await limits.durable.wait()
  }
  const records = replica.diffFor(remote)
  const vv = replica.versionVector()
  for (const f of encodeSyncResponseFrames(records, vv, limits.maxFrameBytes)) await send(f)
  return records.length
}

/** Reads one chunked answer, merging as it goes; adopts the sender's vv on the done frame. */
async function receiveAnswer(
  replica: Replica,
  inbox: Inbox,
  limits: SyncLimits,
): Promise<{ received: number; changes: Change[] }> {
  let received = 0
  const changes: Change[] = []
  for (;;) {
    const msg = await inbox.next('sync-resp')
    received += msg.records.length
    if (received > limits.maxRecords) {
      throw new TooLargeError(`peer sent more than ${limits.maxRecords} records in one sync session`)
    }
    for (const c of replica.applyRecords(msg.records, msg.done ? msg.vv : undefined)) changes.push(c)
    if (msg.done) return { received, changes }
  }
}

function fullLimits(l: Partial<SyncLimits> | undefined): SyncLimits {
  return { ...DEFAULT_SYNC_LIMITS, ...l }
}

/** Runs the initiating side of one session. Throws InvalidInputError/TooLargeError on a bad peer. */
export async function runSyncInitiator(
  replica: Replica,
  send: SendFrame,
  frames: AsyncIterable<Uint8Array>,
  limits?: Partial<SyncLimits>,
): Promise<SyncResult> {
  const l = fullLimits(limits)
  const inbox = new Inbox(frames, l)
  await send(encodeMessage({ type: 'sync-hello', digest: replica.digest() }, l.maxFrameBytes))
  if ((await inbox.next('sync-hello')).same === true) return IN_SYNC
  await send(encodeMessage({ type: 'sync-req', vv: replica.versionVector() }, l.maxFrameBytes))
  const got = await receiveAnswer(replica, inbox, l)
  const req = await inbox.next('sync-req')
  const sent = await answer(replica, send, req.vv, l)
  return { inSync: false, sent, ...got }
}

const IN_SYNC: Readonly<SyncResult> = Object.freeze({ inSync: true, sent: 0, received: 0, changes: [] })

/** Runs the answering side of one session (the side that accepted the stream). */
export async function runSyncResponder(
  replica: Replica,
  send: SendFrame,
  frames: AsyncIterable<Uint8Array>,
  limits?: Partial<SyncLimits>,
): Promise<SyncResult> {
  const l = fullLimits(limits)
  const inbox = new Inbox(frames, l)
  const hello = await inbox.next('sync-hello')
  const digest = replica.digest()
  const same = hello.digest === digest
  await send(encodeMessage({ type: 'sync-hello', digest, same }, l.maxFrameBytes))
  if (same) return IN_SYNC
  const req = await inbox.next('sync-req')
  const sent = await answer(replica, send, req.vv, l)
  await send(encodeMessage({ type: 'sync-req', vv: replica.versionVector() }, l.maxFrameBytes))
  const got = await receiveAnswer(replica, inbox, l)
  return { inSync: false, sent, ...got }
}
