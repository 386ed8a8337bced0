// `murmur snapshot save FILE`: the running agent writes a consistent copy of its replicated state
// to FILE. `murmur snapshot restore FILE`: loads one into a stopped agent's data directory (or a
// fresh one). Format and rules: docs/storage.md, "Snapshots".
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import { AdminClient } from '../../admin/client.js'
import { defaultSocketName } from '../../admin/protocol.js'
import { expandPath, loadConfig } from '../../config/load.js'
import { DataDirLockedError } from '../../errors.js'
import { ed25519WriteVerifier } from '../../gossip/write-signatures.js'
import { restoreSnapshot } from '../../state/snapshot.js'
import { call, clientOptions } from '../context.js'
import { printError, printJson, printLine } from '../output.js'

/** How long the agent may take to write a large state (the default call timeout is 10 s). */
const SAVE_TIMEOUT_MS = 30 * 60_000

export function registerSnapshot(program: Command): void {
  const snapshot = program
    .command('snapshot')
    .description(
      'save the replicated state of a running agent to a file, or restore one into a stopped agent',
    )

  snapshot
    .command('save')
    .description(
      'have the running agent write a consistent copy of its replicated state to FILE (atomically, mode 0600)',
    )
    .argument('<file>', 'where to write it (the agent writes it: a path on its machine, as its user)')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { json?: boolean }, cmd: Command) => {
      const path = resolve(expandPath(file))
      const r = await call(cmd, 'snapshot.save', { path }, { timeoutMs: SAVE_TIMEOUT_MS })
      if (opts.json) return printJson(r)
      printLine(
        `saved ${r.records} records from ${r.origins} origins to ${r.path} (${r.bytes} bytes, sha256 ${r.sha256.slice(0, 16)}…)`,
      )
    })

  snapshot
    .command('restore')
    .description(
      "load a snapshot into a stopped agent's data directory (--data-dir, else the config's); refuses one that holds state unless --force",
    )
    .argument('<file>', 'a file written by `murmur snapshot save`')
    .option('--config <file>', "the agent's config file, to find its data directory")
    .option('--force', "replace the target's replicated state (its identity, peers, tags and seq are kept)")
    .option('--json', 'print JSON')
    .action(
      async (file: string, opts: { config?: string; force?: boolean; json?: boolean }, cmd: Command) => {
        const global = clientOptions(cmd)
        const dataDir = global.dataDir
          ? resolve(expandPath(global.dataDir))
          : loadConfig({ file: opts.config ? expandPath(opts.config) : undefined }).dataDir
        await refuseRunningAgent(dataDir)
        const r = await restoreSnapshot(resolve(expandPath(file)), dataDir, {
          force: opts.force === true,
          verifier: ed25519WriteVerifier(),
          warn: (m) => printError(`warning: ${m}`),
        })
        if (opts.json) return printJson(r)
        printLine(
          `restored ${r.records} records from ${r.origins} origins into ${join(dataDir, 'state.db')}${r.replaced ? ' (its previous state replaced)' : ''}; start the agent and let it sync before writing to it`,
        )
      },
    )
}

/** An agent answering on the data directory's socket owns it: a restore under it would be lost or worse. */
async function refuseRunningAgent(dataDir: string): Promise<void> {
  const socket = join(dataDir, defaultSocketName)
  const client = await AdminClient.connect(socket, { timeoutMs: 2000 }).catch(() => undefined)
  if (client === undefined) return
  client.close()
  throw new DataDirLockedError(
    `an agent is running on ${dataDir} (its admin socket answers): stop it first (murmur leave), then restore`,
  )
}
