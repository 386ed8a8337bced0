// Node flags the agent process starts with. They must be given at start (V8 builds its heap
// then), so bin/murmur's shebang, `npm start` and the test and lab launchers all pass them;
// test/unit/daemon/node-flags.spec.ts checks that they agree.
//
// V8's memory reducer stays on (it was off until 2026-12-06): after a burst (a catch-up of 100,000
// keys, a heavy write load) it compacts the heap once allocation slows, and an agent holding that
// state settles at 233 MiB instead of 316 (the writer at 198 instead of 345). Its cost on idle
// agents was within the noise: 10 agents at the default timers used 1.12-1.34% of a core each
// with it and 1.12-1.28% without (docs/benchmarks.md, "Memory").
//
// --max-semi-space-size=1 (MiB; Node 20's default grows to 16): V8 widens the young generation to
// its maximum under load (start-up is enough) and keeps it, and resident memory keeps the pages.
// Measured with one agent taking 20,000 writes: 174-182 MiB resident with the default, 143-159 MiB
// with 4, at the same write rate (2.2 s). On 2026-12-08, 4 against 1: an idle agent 83 against
// 77 MiB; 100,000 writes into 2 agents 13.1 against 12.7 s, settled at 261 against 271 MiB; the
// late joiner of 100,000 keys 6.1-6.6 against 6.7 s. (16 makes that joiner 4.4 s, at 90 MiB
// idle and 329 MiB settled.)
export const AGENT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1']
