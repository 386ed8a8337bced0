// `murmur doctor`: checks the local agent and says in plain words what is wrong.
import { stat, statfs } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Command } from 'commander'
import { callApi } from '../../api/index.js'
import { clientOptions, EXIT_FAILURE, resolveSocket, withClient } from '../context.js'
import { diagnose, type Finding } from '../doctor-checks.js'
import { printJson, printTable } from '../output.js'

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check the local agent: socket, addresses, members, connections, sync, clocks, disk')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const socket = resolveSocket(clientOptions(cmd))
      let findings: Finding[]
      try {
        const [info, { members }] = await withClient(cmd, (c) =>
          Promise.all([callApi(c, 'info', {}), callApi(c, 'members', {})]),
        )
        const dir = dirname(socket)
        const disk = await statfs(dir).then(
          (s) => ({ free: s.bavail * s.bsize, total: s.blocks * s.bsize }),
          () => undefined,
        )
        const sock = await Promise.all([stat(socket), stat(dir)]).then(
          ([s, d]) => ({ mode: s.mode & 0o777, dirOpen: (d.mode & 0o022) !== 0 }),
          () => undefined,
        )
        findings = diagnose({ info, members, now: Date.now(), disk, socket: sock })
      } catch (err) {
        findings = [
          {
            check: 'agent',
            status: 'fail',
            detail: `no agent answers on ${socket} (${(err as Error).message}); start one with \`murmur agent\`, or point --socket or MURMUR_SOCKET at it`,
          },
        ]
      }
      if (opts.json) printJson(findings)
      else
        printTable(
          ['STATUS', 'CHECK', 'DETAIL'],
          findings.map((f) => [f.status.toUpperCase(), f.check, f.detail]),
        )
      if (findings.some((f) => f.status === 'fail')) process.exitCode = EXIT_FAILURE
    })
}
