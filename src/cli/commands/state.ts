// Replicated-state commands: kv, set, counter, watch. Each is a thin client of one admin method.
import type { Command } from 'commander'
import { InvalidInputError } from '../../errors.js'
import { call, follow } from '../context.js'
import { escapeControl, formatTable, jsonLine, printJson, printLine } from '../output.js'
import { parseAmount } from '../parse.js'

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

export function registerState(program: Command): void {
  registerKv(program)
  registerSet(program)
  registerCounter(program)
  program
    .command('watch')
    .description('stream every change (local or remote) as one JSON line, until interrupted')
    .option(
      '--prefix <prefix>',
      'only key-value changes whose key starts with this, and sets/counters whose name does',
    )
    .action(async (opts: { prefix?: string }, cmd: Command) => {
      await follow(cmd, 'watch', opts.prefix ? { prefix: opts.prefix } : {}, (change) => {
        process.stdout.write(`${jsonLine(change)}\n`)
      })
    })
}

function registerKv(program: Command): void {
  const kv = program.command('kv').description('last-writer-wins key-value map')
  kv.command('set')
    .description('set KEY to VALUE (a string, or any JSON value with --json)')
    .argument('<key>')
    .argument('<value>')
    .option('--json', 'parse VALUE as JSON')
    .action(async (key: string, raw: string, opts: { json?: boolean }, cmd: Command) => {
      const value = opts.json ? parseJson(raw) : raw
      await call(cmd, 'kv.set', { key, value })
    })
  kv.command('get')
    .description('print the value of KEY; exits 1 if it is missing')
    .argument('<key>')
    .option('--json', 'print the value as JSON even when it is a string')
    .action(async (key: string, opts: { json?: boolean }, cmd: Command) => {
      const { value } = await call(cmd, 'kv.get', { key })
      process.stdout.write(
        `${valueText(value, { json: opts.json === true, terminal: process.stdout.isTTY === true })}\n`,
      )
    })
  kv.command('del')
    .description('delete KEY')
    .argument('<key>')
    .action(async (key: string, _opts: unknown, cmd: Command) => {
      await call(cmd, 'kv.del', { key })
    })
  kv.command('list')
    .description('list keys and values')
    .option('--prefix <prefix>', 'only keys starting with this')
    .option('--json', 'print JSON')
    .action(async (opts: { prefix?: string; json?: boolean }, cmd: Command) => {
      const { entries } = await call(cmd, 'kv.list', opts.prefix !== undefined ? { prefix: opts.prefix } : {})
      if (opts.json) return printJson(entries)
      process.stdout.write(`${kvTable(entries)}\n`)
    })
}

function registerSet(program: Command): void {
  const set = program.command('set').description('add-wins observed-remove sets')
  for (const [verb, method, what] of [
    ['add', 'set.add', 'add elements to set NAME'],
    ['rm', 'set.rm', 'remove elements from set NAME'],
  ] as const) {
    set
      .command(verb)
      .description(what)
      .argument('<name>')
      .argument('<element...>')
      .action(async (name: string, elements: string[], _o: unknown, cmd: Command) => {
        await call(cmd, method, { name, elements })
      })
  }
  set
    .command('members')
    .description('print the elements of set NAME, one per line')
    .argument('<name>')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
      const { elements } = await call(cmd, 'set.members', { name })
      if (opts.json) return printJson(elements)
      for (const e of elements) printLine(e)
    })
}

function registerCounter(program: Command): void {
  const counter = program.command('counter').description('PN-counters')
  for (const [verb, method] of [
    ['incr', 'counter.incr'],
    ['decr', 'counter.decr'],
  ] as const) {
    counter
      .command(verb)
      .description(
        `${verb === 'incr' ? 'increment' : 'decrement'} counter NAME by N (default 1); prints the new value`,
      )
      .argument('<name>')
      .argument('[n]')
      .action(async (name: string, n: string | undefined, _o: unknown, cmd: Command) => {
        const { value } = await call(cmd, method, { name, amount: parseAmount(n) })
        printLine(String(value))
      })
  }
  counter
    .command('get')
    .description('print the value of counter NAME (0 if never written)')
    .argument('<name>')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const { value } = await call(cmd, 'counter.get', { name })
      printLine(String(value))
    })
}

/** `murmur kv list`: one row per key, each cell escaped (see output.ts). */
export function kvTable(entries: Array<{ key: string; value: unknown }>): string {
  return formatTable(
    ['KEY', 'VALUE'],
    entries.map((e) => [e.key, typeof e.value === 'string' ? e.value : JSON.stringify(e.value)]),
  )
}

/**
 * `murmur kv get`'s text. With --json, exactly JSON.stringify's. Otherwise a string as it is and
 * anything else as JSON, exact for a pipe or a file (scripts get the value's bytes), and made safe
 * when it goes to a terminal: a string escaped like every table cell, JSON by jsonLine.
 */
export function valueText(value: unknown, opts: { json: boolean; terminal: boolean }): string {
  if (opts.json) return JSON.stringify(value)
  if (typeof value === 'string') return opts.terminal ? escapeControl(value) : value
  return opts.terminal ? jsonLine(value) : JSON.stringify(value)
}

function parseJson(raw: string): Json {
  try {
    return JSON.parse(raw) as Json
  } catch {
    throw new InvalidInputError(
      `--json: VALUE is not valid JSON: ${raw.length > 60 ? `${raw.slice(0, 60)}...` : raw}`,
    )
  }
}
