// Lifeguard's dynamic suspicion (memberlist suspicion.go): a suspicion starts long and shrinks
// as independent members confirm it, so one slow accuser cannot kill a member quickly, while a
// member many cannot reach is declared dead soon.

export interface SuspicionBounds {
  minMs: number
  maxMs: number
  /** Confirmations that bring the timeout down to minMs. */
  expected: number
}

/** memberlist: min = mult * max(1, log10 N) * probe interval; max = maxMult * min; k = mult - 2. */
export function suspicionBounds(
  n: number,
  probeIntervalMs: number,
  mult: number,
  maxMult: number,
): SuspicionBounds {
  const scale = Math.max(1, Math.log10(Math.max(1, n)))
  const minMs = Math.floor(mult * scale * probeIntervalMs)
  const k = mult - 2
  return { minMs, maxMs: maxMult * minMs, expected: n - 2 < k ? 0 : k }
}

/** Independent voices that end a suspicion before its timeout (see `decided`). */
const VOICES_TO_DECIDE = 2

export class Suspicion {
  /** Accusers seen so far, the first included; capped at expected + 1. */
  private readonly accusers = new Set<string>()
  /** Members whose own suspicion of this member ended in a `dead` verdict; capped. */
  private readonly verdicts = new Set<string>()
  /** Our own probe of the member failed while this suspicion was open. */
  private witnessed = false
  deadline: number

  constructor(
    readonly start: number,
    readonly incarnation: number,
    first: string,
    private readonly bounds: SuspicionBounds,
  ) {
    this.accusers.add(first)
    this.deadline = start + (bounds.expected < 1 ? bounds.minMs : bounds.maxMs)
  }

  /** Everyone who accused at this incarnation, the first included. */
  get accuserIds(): Iterable<string> {
    return new Set([...this.accusers, ...this.verdicts])
  }

  /**
   * Two independent voices decide at once: two members' `dead` verdicts, or one and our own failed
   * probe. One member's word still only starts or shortens a suspicion (docs/membership.md, "Trust").
   */
  get decided(): boolean {
    return this.verdicts.size + (this.witnessed ? 1 : 0) >= VOICES_TO_DECIDE
  }

  /** True when a `dead` verdict from `accuser` would count towards `decided`. */
  wouldRecordVerdict(accuser: string): boolean {
    return !this.verdicts.has(accuser) && this.verdicts.size < VOICES_TO_DECIDE
  }

  recordVerdict(accuser: string): void {
    if (this.wouldRecordVerdict(accuser)) this.verdicts.add(accuser)
  }

  /** Our own direct probe failed: first-hand evidence, counted once. */
  witness(): void {
    this.witnessed = true
  }

  get confirmations(): number {
    return this.accusers.size - 1
  }

  /** True when `accuser` would count: new, and confirmations still shorten the timeout. */
  wouldConfirm(accuser: string): boolean {
    return !this.accusers.has(accuser) && this.confirmations < this.bounds.expected
  }

  /** A new accuser shortens the timeout; returns false for one already counted. */
  confirm(accuser: string): boolean {
    if (!this.wouldConfirm(accuser)) return false
    this.accusers.add(accuser)
    const { minMs, maxMs, expected } = this.bounds
    const frac = Math.log(this.confirmations + 1) / Math.log(expected + 1)
    const timeout = Math.max(minMs, Math.floor(maxMs - frac * (maxMs - minMs)))
    this.deadline = this.start + timeout
    return true
  }
}
