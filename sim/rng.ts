// Seeded pseudo-random streams (sfc32): fast, 2^128 state, identical on every platform.

import { mix32 } from '../src/util/hash.js'

export type Random = () => number

/** A stream in [0, 1) fixed by (seed, stream): one per simulated node, one for the network... */
export function rng(seed: number, stream = 0): Random {
  let a = mix32(seed ^ 0x9e3779b9)
  let b = mix32(stream + 0x7f4a7c15)
  let c = mix32(a ^ Math.imul(b, 0x85ebca6b))
  let d = 1
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return (t >>> 0) / 4294967296
  }
  for (let i = 0; i < 12; i++) next()
  return next
}

/** An integer in [0, n). */
export const pick = (random: Random, n: number): number => Math.floor(random() * n)
