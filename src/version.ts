import { readFileSync } from 'node:fs'

// Read once from package.json so `murmur --version` and `info` never drift from the release.
export const VERSION: string = (() => {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { version: string }).version
    } catch {}
  }
  return '0.0.0'
})()
