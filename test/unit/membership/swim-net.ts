// An in-memory network of Swim nodes on one fake clock: latency, loss, duplicates, partitions,
// crashed and slowed nodes, all from a seeded PRNG so a failing case replays exactly.
import { createHash } from 'node:crypto'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import {
  acceptAllVerifier,
  type ClaimSigner,
  type ClaimVerifier,
  fakeSigner,
} from '../../../src/membership/claims.js'
import type { Packet } from '../../../src/membership/messages.js'
import { Swim, type SwimInit } from '../../../src/membership/swim.js'
import type { SwimOptions } from '../../../src/membership/swim-options.js'
import type { MemberEvent } from '../../../src/membership/types.js'
import { encodedPacketSize } from '../../../src/membership/wire.js'
import { FakeClock } from '../../../src/util/clock.js'
import { prng } from '../../helpers/prng.js'

export { prng }

const ids: string[] = []
/**
 * Real Ed25519 peer ids (the codec accepts nothing else), the same in every run: id i comes from
 * the seed sha256(i), so a case that depends on how ids hash into buckets or rings replays exactly.
 */
export async function peerIds(n: number): Promise<string[]> {
  while (ids.length < n) {
    const seed = createHash('sha256').update(`murmur test peer ${ids.length}`).digest()
    ids.push(peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', seed)).toString())
  }
  return ids.slice(0, n)
}

interface InFlight {
  at: number
  order: number
  from: string
  to: string
  packet: Packet
}

export interface NetEvent {
  at: number
  at_node: string
  ev: MemberEvent
}

export class SwimNet {
  readonly clock = new FakeClock(1_700_000_000_000)
  readonly nodes = new Map<string, Swim>()
  readonly events: NetEvent[] = []
  readonly drops: Array<{ node: string; reason: string; from: string }> = []
  readonly down = new Set<string>()
  readonly slow = new Map<string, number>()
  loss = 0
  duplicate = 0
  latencyMs: [number, number] = [1, 5]
  /** Returns true when a packet from a to b cannot pass. */
  cut: (a: string, b: string, packet: Packet) => boolean = () => false
  packets = 0
  bytes = 0
  /** When set, every packet sent is recorded here too. */
  tap?: Array<{ from: string; to: string; packet: Packet }>
  private flight: InFlight[] = []
  private order = 0
  readonly random: () => number

  constructor(seed = 1) {
    this.random = prng(seed)
  }

  add(
    id: string,
    opts: {
      options?: Partial<SwimOptions>
      signer?: ClaimSigner
      verifier?: ClaimVerifier
      name?: string
      avoid?: (id: string) => boolean
    } = {},
  ): Swim {
    const init: SwimInit = {
      self: { id, name: opts.name ?? id.slice(-6), incarnation: 1 },
      signer: opts.signer ?? fakeSigner(id),
      verifier: opts.verifier ?? acceptAllVerifier,
      clock: this.clock,
      random: prng(Math.floor(this.random() * 2 ** 32)),
      options: opts.options,
      send: (to, packet) => this.transmit(id, to, packet),
      emit: (ev) => this.events.push({ at: this.clock.now(), at_node: id, ev }),
      drop: (reason, from) => this.drops.push({ node: id, reason, from }),
      avoid: opts.avoid,
    }
    const s = new Swim(init)
    this.nodes.set(id, s)
    return s
  }

  node(id: string): Swim {
    const s = this.nodes.get(id)
    if (!s) throw new Error(`no node ${id}`)
    return s
  }

  private transmit(from: string, to: string, packet: Packet): void {
    this.packets++
    this.bytes += encodedPacketSize(packet)
    this.tap?.push({ from, to, packet })
    const copies = this.random() < this.duplicate ? 2 : 1
    for (let i = 0; i < copies; i++) {
      if (this.random() < this.loss) continue
      const [lo, hi] = this.latencyMs
      const at = this.clock.now() + lo + this.random() * (hi - lo) + (this.slow.get(to) ?? 0)
      this.flight.push({ at, order: this.order++, from, to, packet })
    }
  }

  /** Advances the clock by `ms`, delivering packets and firing node timers in time order. */
  run(ms: number): void {
    const end = this.clock.now() + ms
    for (;;) {
      let next = end
      let who: Swim | undefined
      for (const [id, s] of this.nodes) {
        if (this.down.has(id)) continue
        const t = s.nextWakeAt()
        if (t < next) {
          next = t
          who = s
        }
      }
      this.flight.sort((a, b) => a.at - b.at || a.order - b.order)
      const f = this.flight[0]
      if (f && f.at <= next) {
        this.flight.shift()
        this.clock.set(Math.max(this.clock.now(), f.at))
        if (!this.down.has(f.to) && !this.down.has(f.from) && !this.cut(f.from, f.to, f.packet)) {
          this.nodes.get(f.to)?.receive(f.from, f.packet)
        }
        continue
      }
      if (!who) break
      this.clock.set(Math.max(this.clock.now(), next))
      who.tick()
    }
    this.clock.set(end)
  }

  /** Runs until `cond` holds or `ms` of virtual time pass; returns the virtual ms it took, or -1. */
  until(cond: () => boolean, ms: number, step = 50): number {
    const t0 = this.clock.now()
    while (this.clock.now() - t0 < ms) {
      if (cond()) return this.clock.now() - t0
      this.run(step)
    }
    return cond() ? this.clock.now() - t0 : -1
  }

  /** Every running node sees every id in `ids` with `status`. */
  allSee(ids: readonly string[], status: string, among: readonly string[] = [...this.nodes.keys()]): boolean {
    return among
      .filter((n) => !this.down.has(n))
      .every((n) => ids.every((id) => id === n || this.node(n).get(id)?.status === status))
  }

  eventsOf(type: string, about?: string): NetEvent[] {
    return this.events.filter((e) => e.ev.type === type && (about === undefined || e.ev.member.id === about))
  }
}
