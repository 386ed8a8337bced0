// `murmur rtt A [B]` (Serf's): the round trip between two members as their network coordinates
// estimate it, B being this agent unless named. Exit 1 when a member or its coordinate is unknown.
import type { Command } from 'commander'
import { call } from '../context.js'
import { printJson, printLine } from '../output.js'

export function registerRtt(program: Command): void {
  program
    .command('rtt')
    .description('estimated round trip between two members, from their network coordinates (B: this agent)')
    .argument('<a>', 'a member: its name or peer id')
    .argument('[b]', 'another member (default: this agent)')
    .option('--json', 'print JSON ({ a: { id, name }, b: { id, name }, rttMs })')
    .action(async (a: string, b: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      const res = await call(cmd, 'rtt', b === undefined ? { a } : { a, b })
      if (opts.json) return printJson(res)
      printLine(`estimated round trip ${res.a.name} <-> ${res.b.name}: ${res.rttMs.toFixed(3)} ms`)
    })
}
