// Node flags the agent process starts with. They must be given at start (V8 builds its heap
// then), so bin/murmur's shebang, `npm start` and the test and lab launchers all pass them;
// test/unit/daemon/node-flags.spec.ts checks that they agree.
//
// --no-memory-reducer: V8's memory reducer runs extra full GCs whenever the allocation rate drops,
// which for an idle agent is all the time. Measured with perf on idle agents: concurrent marking
// was a third of their CPU, and this flag took 10 idle agents from 0.98% to 0.75% of a core each.
// The heap still shrinks at the major GCs that heap growth triggers.
//
// --max-semi-space-size=4 (MiB; Node 20's default grows to 16): under a write load V8 widens the
// young generation to its maximum and keeps it, and resident memory keeps the pages. Measured with
// one agent taking 20,000 writes: 174-182 MiB resident with the default, 143-159 MiB with 4, at
// the same write rate (2.2 s).
export const AGENT_NODE_FLAGS: readonly string[] = ['--no-memory-reducer', '--max-semi-space-size=4']
