// Anti-entropy over one bidirectional stream. The transport only moves frames; this file decides
// what they say. Strictly alternating, so neither side writes while the other is blocked writing
// (no deadlock on bounded streams):
//
//   initiator                              responder
//   sync-hello(digestI)           ---->
//                                 <----    sync-hello(digestR, same)   same: the session ends here
//   sync-ranges(open)             ---->                                 } reconciliation of the two
//                                 <----    sync-ranges(answer)          } vvs (ranges.ts): rounds
//   ...                                    ...                          } until one asks nothing
//   the side that received the last ranges message sends its diff first, then the other:
//   sync-resp(vv chunks, records ...done) ---->
//                                 <----    sync-resp(vv chunks, records ... done)
//
// An in-sync pair exchanges two frames of about 100 bytes, whatever the number of origins; a pair
// that differs in d origins of n sends O(d log n) entries and then only the records the other
// lacks. Each side merges records as they arrive and uses the sender's vv only on done, when it
// holds the complete diff. Afterwards both hold the union of the two states as of session start.
//
// A peer whose vv is below one of our collected floors may hold what we collected (a value whose
// delete is gone here), which no diff would tell it: it gets a full state transfer instead, every
// record with our whole vv and floors, and drops what we no longer hold (Replica.applyFullTransfer).
import type { Change } from '../crdt/changes.js'
import {
  DEFAULT_MAX_RECORDS,
  MAX_FRAME_BYTES,
  MAX_VV_ORIGINS,
  type Replica,
  type SeqMap,
} from '../crdt/index.js'
import { InvalidInputError, TooLargeError } from '../errors.js'
import { FP, IDS, type Range, Reconciler, VersionSet } from './ranges.js'
import {
  decodeSyncMessage,
  encodeRangeFrames,
  encodeSyncMessage,
  MAX_RANGES_PER_FRAME,
  type SyncMessage,
  syncResponseFrames,
} from './wire.js'

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
  // A full state transfer sends a whole state: as many records as the state may hold.
  maxRecords: DEFAULT_MAX_RECORDS,
  maxFrames: 4096,
  maxFrameBytes: MAX_FRAME_BYTES,
}

/** Reconciliation rounds one session may take: log16 of any vv we accept is far below. */
export const MAX_ROUNDS = 64
/** vv entries a peer may send us in one session, over all rounds. */
export const MAX_ENTRIES_RECEIVED = 4 * MAX_VV_ORIGINS
/** Ranges in one reconciliation message, over all its frames. */
const MAX_RANGES_PER_MESSAGE = 4 * MAX_RANGES_PER_FRAME

export interface SyncResult {
  /** The digests were equal: nothing but the two hellos was exchanged. */
  inSync: boolean
  /** Records we sent. */
  sent: number
  /** We sent a full state transfer (the peer was below a collected floor); it sent us one. */
  sentFull: boolean
  receivedFull: boolean
  /** Records we received (including ones we already had). */
  received: number
  /** Reconciliation messages we received. */
  rounds: number
  /** Bytes of the frames we sent and received. */
  bytesSent: number
  bytesReceived: number
  /** Visible changes the peer's records caused here. */
  changes: Change[]
}

type Of<T extends SyncMessage['type']> = Extract<SyncMessage, { type: T }>

/** Our end of one session: frames in and out, counted and bounded. */
class Link {
  private readonly it: AsyncIterator<Uint8Array>
  private frames = 0
  bytesSent = 0
  bytesReceived = 0

  constructor(
    private readonly out: SendFrame,
    input: AsyncIterable<Uint8Array>,
    readonly limits: SyncLimits,
  ) {
    this.it = input[Symbol.asyncIterator]()
  }

  /** Sends frame by frame, each after the last was taken: a lazy iterable is encoded as it goes. */
  async send(frames: Iterable<Uint8Array>): Promise<void> {
    for (const f of frames) {
      this.bytesSent += f.length
      await this.out(f)
    }
  }

  async next<T extends SyncMessage['type']>(type: T): Promise<Of<T>> {
    if (++this.frames > this.limits.maxFrames) {
      throw new TooLargeError(`peer sent more than ${this.limits.maxFrames} frames in one sync session`)
    }
    const r = await this.it.next()
    if (r.done) throw new InvalidInputError(`sync stream ended while waiting for ${type}`)
    this.bytesReceived += r.value.length
    const msg = decodeSyncMessage(r.value, this.limits.maxFrameBytes)
    if (msg.type !== type) throw new InvalidInputError(`expected ${type} in sync session, got ${msg.type}`)
    return msg as Of<T>
  }

  /** One reconciliation message, however many frames it spans. */
  async ranges(): Promise<Range[]> {
    const out: Range[] = []
    for (;;) {
      const msg = await this.next('sync-ranges')
      if (out.length + msg.ranges.length > MAX_RANGES_PER_MESSAGE)
        throw new TooLargeError(`peer sent more than ${MAX_RANGES_PER_MESSAGE} ranges in one message`)
      for (const r of msg.ranges) out.push(r)
      if (!msg.more) return out
    }
  }
}

const asks = (ranges: readonly Range[]): boolean => ranges.some((r) => r[1] === FP || r[1] === IDS)

/**
 * Runs the reconciliation rounds; we open them if `opener`. Returns whether we send our diff
 * first (we received the last message) and how many messages we received.
 */
async function reconcile(rec: Reconciler, link: Link, opener: boolean): Promise<[boolean, number]> {
  const enc = (r: readonly Range[]) => encodeRangeFrames(r, link.limits.maxFrameBytes)
  if (opener) await link.send(enc(rec.open()))
  for (let rounds = 1; ; rounds++) {
    if (rounds > MAX_ROUNDS) throw new TooLargeError(`sync reconciliation took over ${MAX_ROUNDS} rounds`)
    const msg = await link.ranges()
    const { reply, last } = rec.answer(msg)
    if (rec.received > MAX_ENTRIES_RECEIVED)
      throw new TooLargeError(`peer sent over ${MAX_ENTRIES_RECEIVED} vv entries in one session`)
    if (!asks(msg)) return [true, rounds]
    await link.send(enc(reply))
    if (last) return [false, rounds]
  }
}

/** The peer's vv is below one of our collected floors: a diff could leave it holding what we dropped. */
function needsFullTransfer(replica: Replica, rec: Reconciler): boolean {
  // A floor is at most our vv entry, so an origin where the peer is below it is in a range that differed.
  for (const o of rec.ours) if (replica.floorOf(o) > (rec.theirs.get(o) ?? 0)) return true
  // An origin we retired may still sit in an old record of theirs: only a full transfer drops it.
  for (const [o, s] of rec.theirs) if (replica.retiredOf(o) > s) return true
  return false
}

/**
 * Sends the records the peer lacks in the origins that differ, and our vv for those; or, when the
 * peer is below a collected floor, everything. Returns the records sent and whether it was full.
 */
async function sendDiff(replica: Replica, rec: Reconciler, link: Link): Promise<[number, boolean]> {
  const { durable } = link.limits
  // Own writes not yet on disk (and signed) wait: after a crash we could reuse their seqs.
  for (let tries = 0; durable !== undefined && !durable.ready(); tries++) {
    if (tries >= 16) throw new TooLargeError('own writes did not reach the disk in time to answer')
    await durable.wait()
  }
  if (needsFullTransfer(replica, rec)) {
    const records = [...replica.entries()]
    const frames = syncResponseFrames(
      records,
      replica.coverageVector(),
      link.limits.maxFrameBytes,
      replica.collectedFloors(),
    )
    await link.send(frames)
    return [records.length, true]
  }
  const floors = new Map<string, number>()
  const vv: Record<string, number> = {}
  for (const o of rec.ours) {
    floors.set(o, rec.theirs.get(o) ?? 0)
    const s = replica.versionOf(o)
    if (s > 0) vv[o] = s
  }
  const records = replica.diffForOrigins(floors)
  await link.send(syncResponseFrames(records, vv, link.limits.maxFrameBytes))
  return [records.length, false]
}

/** A peer's entries gathered over frames, bounded like a vv (counted as they come, not recounted per frame). */
function gather(into: Map<string, number>, from: Readonly<Record<string, number>> | undefined): void {
  for (const [o, s] of Object.entries(from ?? {})) {
    into.set(o, s)
    if (into.size > MAX_VV_ORIGINS)
      throw new TooLargeError(`peer sent over ${MAX_VV_ORIGINS} vv entries in one answer`)
  }
}

interface Received {
  received: number
  receivedFull: boolean
  changes: Change[]
}

/**
 * Reads the peer's diff, merging as it goes; adopts its vv chunks on the done frame. A full
 * transfer then drops what the peer no longer holds (Replica.applyFullTransfer).
 */
async function receiveDiff(replica: Replica, rec: Reconciler, link: Link): Promise<Received> {
  let received = 0
  const changes: Change[] = []
  const held = new Set<string>()
  // Only origins that were reconciled: bounded by our entries and those the peer sent.
  const vv: Record<string, number> = {}
  let full: boolean | undefined
  const ids = new Map<string, SeqMap>()
  const wholeVV = new Map<string, number>()
  const floors = new Map<string, number>()
  for (;;) {
    const msg = await link.next('sync-resp')
    received += msg.records.length
    if (received > link.limits.maxRecords) {
      throw new TooLargeError(`peer sent more than ${link.limits.maxRecords} records in one sync session`)
    }
    full ??= msg.full === true
    if (full !== (msg.full === true))
      throw new InvalidInputError('a sync answer switched between a diff and a full transfer')
    if (full) {
      for (const [id, r] of msg.records) ids.set(id, r.dots)
      gather(wholeVV, msg.vv)
      gather(floors, msg.floors)
    } else if (msg.floors !== undefined)
      throw new InvalidInputError('collected floors outside a full transfer')
    for (const [o, s] of Object.entries(msg.vv)) if (rec.theirs.has(o) || rec.ours.has(o)) vv[o] = s
    for (const c of replica.applyRecords(msg.records, msg.done ? vv : undefined, held)) changes.push(c)
    if (!msg.done) continue
    if (full) {
      const fullChanges = replica.applyFullTransfer(
        ids,
        Object.fromEntries(wholeVV),
        Object.fromEntries(floors),
        held,
      )
      for (const c of fullChanges) changes.push(c)
    }
    return { received, receivedFull: full, changes }
  }
}

function fullLimits(l: Partial<SyncLimits> | undefined): SyncLimits {
  return { ...DEFAULT_SYNC_LIMITS, ...l }
}

/** Everything after the hellos; both roles run it, the initiator opening. */
async function exchange(replica: Replica, link: Link, opener: boolean): Promise<SyncResult> {
  const rec = new Reconciler(new VersionSet(replica.versionEntries()))
  const [first, rounds] = await reconcile(rec, link, opener)
  let sent: [number, boolean]
  let got: Received
  if (first) {
    sent = await sendDiff(replica, rec, link)
    got = await receiveDiff(replica, rec, link)
  } else {
    got = await receiveDiff(replica, rec, link)
    sent = await sendDiff(replica, rec, link)
  }
  const [count, sentFull] = sent
  return {
    inSync: false,
    sent: count,
    sentFull,
    rounds,
    bytesSent: link.bytesSent,
    bytesReceived: link.bytesReceived,
    ...got,
  }
}

const inSync = (link: Link): SyncResult => ({
  inSync: true,
  sent: 0,
  sentFull: false,
  receivedFull: false,
  received: 0,
  rounds: 0,
  bytesSent: link.bytesSent,
  bytesReceived: link.bytesReceived,
  changes: [],
})

/** Runs the initiating side of one session. Throws InvalidInputError/TooLargeError on a bad peer. */
export async function runSyncInitiator(
  replica: Replica,
  send: SendFrame,
  frames: AsyncIterable<Uint8Array>,
  limits?: Partial<SyncLimits>,
): Promise<SyncResult> {
  const link = new Link(send, frames, fullLimits(limits))
  const hello = { type: 'sync-hello', digest: replica.digest() } as const
  await link.send([encodeSyncMessage(hello, link.limits.maxFrameBytes)])
  if ((await link.next('sync-hello')).same === true) return inSync(link)
  return exchange(replica, link, true)
}

/** Runs the answering side of one session (the side that accepted the stream). */
export async function runSyncResponder(
  replica: Replica,
  send: SendFrame,
  frames: AsyncIterable<Uint8Array>,
  limits?: Partial<SyncLimits>,
): Promise<SyncResult> {
  const link = new Link(send, frames, fullLimits(limits))
  const hello = await link.next('sync-hello')
  const digest = replica.digest()
  const same = hello.digest === digest
  await link.send([encodeSyncMessage({ type: 'sync-hello', digest, same }, link.limits.maxFrameBytes)])
  if (same) return inSync(link)
  return exchange(replica, link, false)
}
