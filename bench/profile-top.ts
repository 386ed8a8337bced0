// Top self-time functions of V8 .cpuprofile files (from `node --cpu-prof`), summed over the files:
//   node dist/bench/profile-top.js [--top N] FILE...
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const args = process.argv.slice(2)
const at = args.indexOf('--top')
const top = at >= 0 ? Number(args.splice(at, 2)[1]) : 20
const self = new Map<string, number>()
let total = 0
for (const file of args) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const name = new Map<number, string>()
  for (const n of p.nodes) {
    const { functionName, url, lineNumber } = n.callFrame
    const where = url.replace(/^file:\/\/.*\/node_modules\//, '').replace(/^file:\/\/.*\/dist\//, '')
    name.set(n.id, `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`)
  }
  p.samples.forEach((id, i) => {
    const us = p.timeDeltas[i] ?? 0
    total += us
    const k = name.get(id) ?? '?'
    self.set(k, (self.get(k) ?? 0) + us)
  })
}
const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, top)
console.log(`total ${(total / 1e6).toFixed(2)} s of samples in ${args.length} profile(s)`)
for (const [k, us] of rows)
  console.log(
    `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${k}`,
  )
