// `murmur force-leave MEMBER [--prune]` (Serf's): a member this agent holds dead will not come
// back; it is shown left everywhere it is held dead (handlers get member-leave), or with --prune
// forgotten at once instead of after reapAfterMs.
import type { Command } from 'commander'
import { call } from '../context.js'
import { printJson, printLine } from '../output.js'

export function registerForceLeave(program: Command): void {
  program
    .command('force-leave')
    .description('mark a member held dead as left now, here and on every member that holds it dead')
    .argument('<member>', 'its name or peer id')
    .option('--prune', 'forget it entirely (as reaping does after reapAfterMs), not just show it left')
    .option('--json', 'print JSON ({ id, name, outcome, recipients })')
    .action(async (member: string, opts: { prune?: boolean; json?: boolean }, cmd: Command) => {
      const res = await call(cmd, 'force-leave', { member, prune: opts.prune ?? false })
      if (opts.json) return printJson(res)
      printLine(
        `${res.name} (${res.id}) ${res.outcome === 'pruned' ? 'forgotten' : 'left'} here; told ${res.recipients} member${res.recipients === 1 ? '' : 's'}`,
      )
    })
}
