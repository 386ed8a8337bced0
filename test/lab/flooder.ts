// An outsider without the swarm key: keeps COUNT TCP connections to HOST:PORT open, sending nothing.
// A connection the target closes is opened again after REOPEN_MS. Prints one JSON line of totals
// every second (and at SIGTERM): connections open now, opened and closed so far.
//   node flooder.js HOST PORT COUNT REOPEN_MS
import { createConnection, type Socket } from 'node:net'

const [host, portArg, countArg, reopenArg] = process.argv.slice(2)
const port = Number(portArg)
const count = Number(countArg ?? 300)
const reopenMs = Number(reopenArg ?? 50)

let open = 0
let opened = 0
let closed = 0
let stopping = false

function connect(): void {
  if (stopping) return
  const s: Socket = createConnection({ host: host!, port })
  let up = false
  s.on('connect', () => {
    up = true
    open++
    opened++
  })
  s.on('data', () => {}) // read the nonce, answer nothing
  s.on('error', () => {})
  s.on('close', () => {
    if (up) {
      open--
      closed++
    }
    setTimeout(connect, reopenMs)
  })
}

const report = (): void => {
  process.stdout.write(`${JSON.stringify({ open, opened, closed })}\n`)
}

for (let i = 0; i < count; i++) connect()
setInterval(report, 1000)
process.on('SIGTERM', () => {
  stopping = true
  report()
  process.exit(0)
})
