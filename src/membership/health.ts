// Lifeguard's local health multiplier (memberlist awareness.go): a member that misses its own
// acks and nacks is probably the slow one, so it waits longer before accusing anyone.

export class LocalHealth {
  private value = 0
  constructor(private readonly max: number) {}

  get score(): number {
    return this.value
  }

  apply(delta: number): void {
    this.value = Math.min(this.max, Math.max(0, this.value + delta))
  }

  /** A timeout stretched by the current score: (score + 1) times the base. */
  scale(ms: number): number {
    return ms * (this.value + 1)
  }
}
