// Builders shared by the membership specs.

import type {
  AliveMessage,
  DeadMessage,
  LeaveMessage,
  SuspectMessage,
} from '../../../src/membership/index.js'
import { Membership } from '../../../src/membership/index.js'
import { FakeClock } from '../../../src/util/clock.js'

export const SELF = 'me'

export function setup(incarnation = 1, id = SELF): { clock: FakeClock; ms: Membership } {
  const clock = new FakeClock()
  const ms = new Membership({ self: { id, name: 'self', incarnation }, clock })
  return { clock, ms }
}

export const alive = (id: string, incarnation: number, extra: Partial<AliveMessage> = {}): AliveMessage => ({
  type: 'alive',
  id,
  incarnation,
  name: `n-${id}`,
  tags: {},
  addrs: [],
  ...extra,
})
export const suspect = (id: string, incarnation: number, from = 'x'): SuspectMessage => ({
  type: 'suspect',
  id,
  incarnation,
  from,
})
export const dead = (id: string, incarnation: number, from = 'x'): DeadMessage => ({
  type: 'dead',
  id,
  incarnation,
  from,
})
export const leave = (id: string, incarnation: number): LeaveMessage => ({ type: 'leave', id, incarnation })
