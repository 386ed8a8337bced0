/** Seeded draws, so a failing run can be replayed from its seed. */
export { mulberry32 as prng } from '../../src/util/prng.js'
