// Small argument parsers shared by commands; they throw InvalidInputError with the offending text.
import { InvalidInputError } from '../errors.js'

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

export function parseKeyValue(text: string, what: string): [string, string] {
  const eq = text.indexOf('=')
  if (eq <= 0) throw new InvalidInputError(`${what} expects KEY=VALUE, got '${text}'`)
  return [text.slice(0, eq), text.slice(eq + 1)]
}

export function parseAmount(text: string | undefined): number {
  if (text === undefined) return 1
  if (!/^\d+$/.test(text))
    throw new InvalidInputError(`amount must be a positive whole number, got '${text}'`)
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidInputError(`amount out of range: '${text}'`)
  return n
}
