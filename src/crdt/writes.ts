// Record states produced by one local write by `self` with sequence number `seq`. Each result
// dominates `prev`, so merging it into the local state simply replaces `prev`.
import { TooLargeError } from '../errors.js'
import type { Change } from './changes.js'
import { compareHlc, type Hlc, hlcAfter } from './hlc.js'
import type { JsonValue } from './json.js'
import { MAX_COUNTER_TOTAL } from './limits.js'
import {
  type CounterRecord,
  type Delta,
  type LwwRecord,
  maxMaps,
  type SetRecord,
  seqOf,
  setPresent,
} from './records.js'
import type { WriteSigner, WriteVerifier } from './signing.js'

export function lwwWrite(
  prev: LwwRecord | undefined,
  now: Hlc,
  self: string,
  seq: number,
  value: JsonValue | null,
): LwwRecord {
  // Only a record from a far-future clock (ignored by HybridClock.observe) can be ahead of `now`;
  // step past it for this key alone so a local write always wins locally without poisoning the clock.
  const hlc = prev !== undefined && compareHlc(now, prev.hlc) <= 0 ? hlcAfter(prev.hlc) : now
  // Only the winning write matters for a register, so it carries only its own dot: a record never
  // grows with the number of writers, and a peer whose vv covers that dot already holds it or better.
  // The replica signs it (sig) before it is stored or sent.
  return { t: 'lww', hlc, origin: self, value, dots: { [self]: seq }, sig: '' }
}

/** Every add is a new write, even of a present element: that is what lets it beat a concurrent remove. */
export function setAddWrite(prev: SetRecord | undefined, self: string, seq: number): SetRecord {
  return {
    t: 'set',
    adds: { ...prev?.adds, [self]: seq },
    removed: prev?.removed ?? {},
    dots: { ...prev?.dots, [self]: seq },
    // The replica signs self's contribution; everyone else's stays signed by its origin.
    sigs: { ...prev?.sigs, [self]: '' },
    rsigs: prev?.rsigs ?? {},
  }
}

/** Observed-remove: cancels exactly the adds seen here; undefined when there is nothing to remove. */
export function setRemoveWrite(
  prev: SetRecord | undefined,
  self: string,
  seq: number,
): SetRecord | undefined {
  if (prev === undefined || !setPresent(prev)) return undefined
  const removed = maxMaps(prev.removed, prev.adds)
  // Each removal self makes is self's to sign (the replica fills in the signatures).
  const rsigs: Record<string, readonly [string, string]> = { ...prev.rsigs }
  for (const x of Object.keys(removed)) if (removed[x] !== seqOf(prev.removed, x)) rsigs[x] = [self, '']
  return {
    t: 'set',
    adds: prev.adds,
    removed,
    dots: { ...prev.dots, [self]: seq },
    sigs: { ...prev.sigs, [self]: '' },
    rsigs,
  }
}

/** `amount` is a non-zero safe integer (negative decrements). */
export function counterWrite(
  prev: CounterRecord | undefined,
  self: string,
  seq: number,
  amount: number,
): CounterRecord {
  const side = amount > 0 ? 'p' : 'n'
  const map = prev?.[side] ?? {}
  const total = (seqOf(map, self) ?? 0) + Math.abs(amount)
  if (!(total <= MAX_COUNTER_TOTAL)) {
    throw new TooLargeError(
      `this agent's ${amount > 0 ? 'increments' : 'decrements'} of a counter may total at most 2^41`,
    )
  }
  const bumped = { ...map, [self]: total }
  return {
    t: 'counter',
    p: side === 'p' ? bumped : (prev?.p ?? {}),
    n: side === 'n' ? bumped : (prev?.n ?? {}),
    dots: { ...prev?.dots, [self]: seq },
    sigs: { ...prev?.sigs, [self]: '' },
  }
}

export interface WriteResult {
  deltas: Delta[]
  changes: Change[]
}

export interface ReplicaOptions {
  /**
   * The next seq to use, restored from disk. The caller promises that every own write below it
   * that any peer may have seen is in the state being restored (persist before gossiping), so the
   * replica claims all of them in its version vector; seqs reserved but never used are harmless.
   */
  nextSeq?: number
  /**
   * A tombstone is collected once it has read as absent this long and our vv covers it
   * (DEFAULT_TOMBSTONE_HORIZON_MS); see collectTombstones.
   */
  tombstoneHorizonMs?: number
  /** Records stamped further ahead of our clock than this are held back (DEFAULT_MAX_FUTURE_MS). */
  maxFutureMs?: number
  /** Caps on the state: past them, peers' records are held back and local writes fail. */
  maxRecords?: number
  maxStateBytes?: number
  /** Signs this replica's writes (default: fakeWriteSigner, for tests). */
  signer?: WriteSigner
  /** Checks peers' signatures (default: acceptAllWrites, for tests; the daemon passes Ed25519). */
  verifier?: WriteVerifier
  /**
   * Leave own writes unsigned until seal(), which signs them as batches (the daemon seals each
   * group commit). Default false: every write is signed as it is made.
   */
  deferSigning?: boolean
}
