// Replicated-state commands: kv, set, counter, watch. Each is a thin client of one admin method.
import type { Command } from 'commander'
import { InvalidInputError, TooLargeError } from '../../errors.js'
import { call, follow } from '../context.js'
import { escapeControl, formatTable, jsonLine, printJson, printLine, printTable } from '../output.js'
import { parseAmount, shorten } from '../parse.js'

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
    .option('--json', 'one JSON object per line (always so; accepted like on every command)')
    .action(async (opts: { prefix?: string }, cmd: Command) => {
      await follow(cmd, 'watch', opts.prefix ? { prefix: opts.prefix } : {}, (change) => {
        process.stdout.write(`${jsonLine(change)}\n`)
      })
    })
}

function registerKv(program: Command): void {
  const kv = program.command('kv').description('last-writer-wins key-value map')
  kv.command('set')
    .description(
      'set KEY to VALUE (a string, or any JSON value with --json); VALUE - reads it from stdin, byte for byte',
    )
    .argument('<key>')
    .argument(
      '<value>',
      'the value, or - to read it from stdin (up to 64 KiB, exactly: a trailing newline stays)',
    )
    .option('--json', 'parse VALUE as JSON, and print the result as JSON ({ ok: true })')
    .action(async (key: string, arg: string, opts: { json?: boolean }, cmd: Command) => {
      const raw = arg === '-' ? await readStdinValue(process.stdin) : arg
      const value = opts.json ? parseJson(raw) : raw
      const res = await call(cmd, 'kv.set', { key, value })
      if (opts.json) printJson(res)
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
    .option('--json', 'print JSON ({ deleted: false } if there was no value)')
    .action(async (key: string, opts: { json?: boolean }, cmd: Command) => {
      const res = await call(cmd, 'kv.del', { key })
      if (opts.json) printJson(res)
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
      .option('--json', 'print JSON ({ ok: true })')
      .action(async (name: string, elements: string[], opts: { json?: boolean }, cmd: Command) => {
        const res = await call(cmd, method, { name, elements })
        if (opts.json) printJson(res)
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
  set
    .command('list')
    .description('list the sets that have elements, with their sizes')
    .option('--prefix <prefix>', 'only sets whose name starts with this')
    .option('--json', 'print JSON')
    .action(async (opts: { prefix?: string; json?: boolean }, cmd: Command) => {
      const { sets } = await call(cmd, 'set.list', opts.prefix !== undefined ? { prefix: opts.prefix } : {})
      if (opts.json) return printJson(sets)
      printTable(
        ['SET', 'ELEMENTS'],
        sets.map((s) => [s.name, String(s.size)]),
      )
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
      .option('--json', 'print the new value as JSON')
      .action(async (name: string, n: string | undefined, opts: { json?: boolean }, cmd: Command) => {
        const { value } = await call(cmd, method, { name, amount: parseAmount(n) })
        if (opts.json) return printJson(value)
        printLine(String(value))
      })
  }
  counter
    .command('get')
    .description('print the value of counter NAME (0 if never written)')
    .argument('<name>')
    .option('--json', 'print the value as JSON')
    .action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
      const { value } = await call(cmd, 'counter.get', { name })
      if (opts.json) return printJson(value)
      printLine(String(value))
    })
  counter
    .command('list')
    .description('list the counters ever written, with their values')
    .option('--prefix <prefix>', 'only counters whose name starts with this')
    .option('--json', 'print JSON')
    .action(async (opts: { prefix?: string; json?: boolean }, cmd: Command) => {
      const { counters } = await call(
        cmd,
        'counter.list',
        opts.prefix !== undefined ? { prefix: opts.prefix } : {},
      )
      if (opts.json) return printJson(counters)
      printTable(
        ['COUNTER', 'VALUE'],
        counters.map((c) => [c.name, String(c.value)]),
      )
    })
}

/** Bytes `kv set KEY -` reads at most: a longer value's JSON encoding is over the 64 KiB limit. */
export const MAX_STDIN_VALUE_BYTES = 64 * 1024

/** All of `input` as UTF-8 text, exactly (a trailing newline stays); refuses more than 64 KiB. */
export async function readStdinValue(input: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    size += buf.length
    if (size > MAX_STDIN_VALUE_BYTES)
      throw new TooLargeError(
        `the value on stdin is over ${MAX_STDIN_VALUE_BYTES} bytes; a value's JSON encoding is at most 64 KiB`,
      )
    chunks.push(buf)
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks))
  } catch {
    throw new InvalidInputError('the value on stdin is not valid UTF-8 text')
  }
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
    throw new InvalidInputError(`--json: VALUE is not valid JSON: ${shorten(raw, 60)}`)
  }
}
