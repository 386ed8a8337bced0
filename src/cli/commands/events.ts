// User events: `event` broadcasts one, `events` streams them. Thin clients of the admin methods.
import type { Command } from 'commander'
import { call, follow } from '../context.js'
import type { EventNotification } from '../../api/index.js'
import { printJson, printLine } from '../output.js'

export function registerEvents(program: Command): void {
  program
    .command('event')
    .description('broadcast a user event to every agent of the mesh (fire and forget; payload up to 8 KiB)')
    .argument('<name>', 'event name: letters, digits and . _ : - (at most 128)')
    .argument('[payload]', 'text delivered with the event', '')
    .option('--json', 'print JSON')
    .action(async (name: string, payload: string, opts: { json?: boolean }, cmd: Command) => {
      const r = await call(cmd, 'event', { name, payload })
      if (opts.json) return printJson(r)
      printLine(`event ${name} sent to ${r.recipients} peer(s) (id ${r.id})`)
    })

  program
    .command('events')
    .description('stream user events as they arrive (each once), until interrupted')
    .option('--name <name>', 'only events with this name')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { name?: string; json?: boolean }, cmd: Command) => {
      await follow(cmd, 'events', opts.name ? { name: opts.name } : {}, (e) => {
        if (opts.json) process.stdout.write(`${JSON.stringify(e)}\n`)
        else printLine(eventLine(e))
      })
    })
}

/** `murmur events`' line for one event, unescaped (printLine escapes it). */
export function eventLine(e: EventNotification): string {
  return `${new Date(e.ts).toISOString()}  ${e.name}  from ${e.originName ?? e.origin}: ${e.payload}`
}
