// Admission of peers' records (docs/state-and-sync.md, "Held back, not merged"): whether a
// record a peer hands us is merged now or held back, and whether a local write still fits the
// state's caps. Apart from replica.ts so that the merge rules there read without the budget
// checks: the Replica owns one Admission, asks it before every merge and every local write that
// adds, and reports its counts. Pure: it reads the replica's records and indexes, never changes them.
import { TooLargeError } from '../errors.js'
import type { Clock } from '../util/clock.js'
import { ProofChecker } from './batch-proof.js'
import type { StateDigest } from './digest.js'
import type { DotIndex } from './dot-index.js'
import { MAX_ENTRY_BYTES, MAX_VV_ORIGINS } from './limits.js'
import { authentic } from './part-signatures.js'
import { encodeEntry } from './record-wire.js'
import type { CrdtRecord } from './records.js'
import { acceptAllWrites, type WriteVerifier } from './signing.js'

/** Counts of peer records not merged, by reason. */
export interface HeldBack {
  forged: number
  future: number
  origins: number
  caps: number
}

/** What admission reads of its replica. */
export interface AdmissionView {
  readonly records: ReadonlyMap<string, CrdtRecord>
  /** Its `bytes` is the size of the state. */
  readonly digest: StateDigest
  readonly dotIndex: DotIndex
}

export interface AdmissionLimits {
  maxFutureMs: number
  maxRecords: number
  maxStateBytes: number
  verifier: WriteVerifier
}

export class Admission {
  private readonly proofs: ProofChecker
  /** Peer records not merged (stamped too far ahead, over the origin cap or the state caps, forged). */
  private readonly held: HeldBack = { forged: 0, future: 0, origins: 0, caps: 0 }

  constructor(
    private readonly state: AdmissionView,
    private readonly clock: Clock,
    private readonly limits: AdmissionLimits,
  ) {
    this.proofs = new ProofChecker(limits.verifier)
  }

  /**
   * A peer's record we do not merge (yet): stamped beyond the drift bound (merged later, once our
   * clock has caught up, when anti-entropy offers it again), or bringing origins past the cap.
   */
  holdBack(id: string, record: CrdtRecord): boolean {
    const { records, digest, dotIndex } = this.state
    const { maxStateBytes } = this.limits
    if (record.t === 'lww' && record.hlc.wall > this.clock.now() + this.limits.maxFutureMs) {
      this.held.future++
      return true
    }
    const fresh = !records.has(id)
    // Sizing an entry costs its encoding, so only near the byte cap.
    const nearBytes = digest.bytes + MAX_ENTRY_BYTES > maxStateBytes
    if (
      (fresh && records.size >= this.limits.maxRecords) ||
      (nearBytes && digest.bytes + encodeEntry(id, record).length > maxStateBytes)
    ) {
      this.held.caps++
      return true
    }
    let newOrigins = 0
    for (const o of Object.keys(record.dots)) if (!dotIndex.hasOrigin(o)) newOrigins++
    if (newOrigins > 0 && dotIndex.origins + newOrigins > MAX_VV_ORIGINS) {
      this.held.origins++
      return true
    }
    // Last: the cheap checks above spare a signature check for what is held back anyway.
    if (this.limits.verifier !== acceptAllWrites && !authentic(this.proofs, id, record, records.get(id))) {
      this.held.forged++
      return true
    }
    return false
  }

  /**
   * A local write that would take the state past a cap fails before it takes a seq. `grows` tells
   * about what the write adds (its value's encoding); it is asked only near the byte cap.
   */
  checkCaps(id: string, grows: () => number = () => 0): void {
    const { records, digest } = this.state
    const { maxRecords, maxStateBytes } = this.limits
    if (!records.has(id) && records.size >= maxRecords) {
      throw new TooLargeError(`the state holds ${records.size} records, its cap (limits.maxRecords)`)
    }
    const bytes = digest.bytes
    if (bytes + MAX_ENTRY_BYTES > maxStateBytes && bytes + grows() + id.length + 256 > maxStateBytes) {
      throw new TooLargeError(
        `the state holds ${digest.bytes} bytes, at its cap of ${maxStateBytes} (limits.maxStateBytes)`,
      )
    }
  }

  /** Counts of peer records not merged: stamped too far ahead, or naming origins past the cap. */
  heldBack(): HeldBack {
    return { ...this.held }
  }

  /** Size of the state against its caps. */
  size(): { records: number; bytes: number; maxRecords: number; maxBytes: number } {
    return {
      records: this.state.records.size,
      bytes: this.state.digest.bytes,
      maxRecords: this.limits.maxRecords,
      maxBytes: this.limits.maxStateBytes,
    }
  }
}
