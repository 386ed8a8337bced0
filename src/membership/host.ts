// What the parts split out of Swim (probes.ts, sync.ts) need of its core. Swim builds each host
// from closures over its private state, so its public API stays as it was.

import type { Packet } from './messages.js'
import type { SwimOptions } from './swim-options.js'

/** Why an input changed nothing. Stable strings: adapters count or log them. */
export type DropReason =
  | 'stale'
  | 'unknown-member'
  | 'unknown-accuser'
  | 'bad-signature'
  | 'unclaimed-life'
  | 'table-full'
  | 'about-self'
  | 'self-left'
  | 'unexpected-ack'
  | 'unexpected-sync'
  | 'incarnation-exhausted'
  | 'busy'
  | 'muted-accuser'
  | 'pruned'

export interface SwimHost {
  readonly options: Readonly<SwimOptions>
  now(): number
  /** Swim's one random source: the order of draws is part of its behaviour (same seed, same run). */
  random(): number
  /** Counts the packet, then hands it to the transport. */
  send(to: string, packet: Packet): void
  /** One sequence space for probes, ping-reqs and push-pulls. */
  nextSeq(): number
  /** Reports a refused input; returns false. */
  dropped(reason: DropReason, from: string): false
  idAt(slot: number): string
  /** The active view now (it reshuffles with time). */
  viewSlots(): readonly number[]
  /** Self has left: it starts nothing new. */
  left(): boolean
}

export const INF = Number.POSITIVE_INFINITY
export const MAX_TOLD = 4096

/** Fisher-Yates with the host's random source. */
export function shuffled(list: readonly number[], random: () => number): number[] {
  const out = [...list]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const t = out[i]!
    out[i] = out[j]!
    out[j] = t
  }
  return out
}
