// A TCP relay that delays every chunk by delay +- jitter ms in both directions, keeping order.
// Stands in for netem's delay on kernels without sch_netem: an agent listens on loopback and
// announces the relay's address, so every connection to it crosses one delayed hop.
//   node delay-relay.js LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT DELAY_MS JITTER_MS
import { createConnection, createServer, type Socket } from 'node:net'

const [listenHost, listenPort, targetHost, targetPort, delayArg, jitterArg] = process.argv.slice(2)
const delayMs = Number(delayArg ?? 50)
const jitterMs = Number(jitterArg ?? 0)

/**
 * Forwards `from` to `to` with a per-chunk delay. One queue and one timer per direction: separate
 * timers with equal deadlines may fire in any order, which would corrupt the byte stream.
 */
function delayed(from: Socket, to: Socket): void {
  const queue: Array<{ at: number; chunk: Buffer | null }> = []
  let last = 0
  let scheduled = false
  const schedule = (): void => {
    scheduled = true
    setTimeout(pump, queue[0]!.at - Date.now())
  }
  const pump = (): void => {
    scheduled = false
    while (queue.length > 0 && queue[0]!.at <= Date.now()) {
      const { chunk } = queue.shift()!
      if (to.destroyed) return
      if (chunk === null) to.end()
      else to.write(chunk)
    }
    if (queue.length > 0) schedule()
  }
  const push = (chunk: Buffer | null): void => {
    last = Math.max(Date.now() + delayMs + (Math.random() * 2 - 1) * jitterMs, last)
    queue.push({ at: last, chunk })
    if (!scheduled) schedule()
  }
  from.on('data', (chunk: Buffer) => push(chunk))
  from.on('end', () => push(null))
  from.on('error', () => to.destroy())
  from.on('close', () => {
    if (queue.length === 0) to.destroy()
    else setTimeout(() => to.destroy(), Math.max(0, last - Date.now()) + 10)
  })
}

const server = createServer((client) => {
  const upstream = createConnection({ host: targetHost, port: Number(targetPort) })
  delayed(client, upstream)
  delayed(upstream, client)
})
server.listen(Number(listenPort), listenHost, () => {
  process.stdout.write(
    `relay ${listenHost}:${listenPort} -> ${targetHost}:${targetPort} (${delayMs}+-${jitterMs} ms)\n`,
  )
})
process.on('SIGTERM', () => process.exit(0))
