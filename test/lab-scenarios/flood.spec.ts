// A keyless flood cannot shut the door (#28): h2, without the swarm key, keeps 300 TCP connections
// to h1's port open (sending nothing, reopening each one h1 closes), while h3 joins h1. The join must
// complete, both must list each other alive, and h1 must hold a bounded number of sockets.
import assert from 'node:assert/strict'
import { readdirSync, readlinkSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { PENDING_PER_HOST } from '../../src/transport/admission.js'
import { waitFor } from '../helpers/wait.js'
import { AGENT_PORT } from '../lab/mesh.js'
import { labSuite } from './suite.js'

const FLOODER = fileURLToPath(new URL('../lab/flooder.js', import.meta.url))
const FLOOD_CONNECTIONS = 300
const MAX_SOCKETS = 150
const JOIN_DEADLINE_MS = 5000

/** Sockets a process holds (its /proc/PID/fd entries that are sockets). */
function socketsOf(pid: number): number {
  let n = 0
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++
    } catch {
      // closed between the listing and the read
    }
  }
  return n
}

describe('lab scenario: keyless flood while a member joins', function () {
  this.timeout(60_000)
  const ctx = labSuite(`mlf${process.pid % 10_000}`, 3)

  it('h3 joins h1 while h2 holds 300 keyless connections to it; h1 holds <= 150 sockets', async () => {
    const { lab } = ctx
    const mesh = await ctx.startMesh({ mdns: false, hosts: [1, 3] })
    const a = mesh.agent(1)
    const pid = a.proc!.pid!
    const aInfo = await mesh.info(1)
    const aAddr = `/ip4/${lab.host(1).ip}/tcp/${AGENT_PORT}/p2p/${aInfo.peerId}`
    const idle = socketsOf(pid)

    const flooder = lab.spawn(2, process.execPath, [FLOODER, lab.host(1).ip, String(AGENT_PORT), '300', '50'])
    const flood = () => {
      const lines = lab.stdoutOf(flooder).trim().split('\n').filter(Boolean)
      return lines.length > 0
        ? (JSON.parse(lines[lines.length - 1]!) as { open: number; opened: number; closed: number })
        : undefined
    }
    let maxSockets = idle
    const sampler = setInterval(() => {
      maxSockets = Math.max(maxSockets, socketsOf(pid))
    }, 50)
    try {
      // The flood is on once h1 has refused some of it (logged at most once per 10 s).
      await waitFor(
        () =>
          /inbound connection refused before authentication/.test(a.logs) &&
          (flood()?.opened ?? 0) >= FLOOD_CONNECTIONS,
        { what: 'h1 to refuse part of the flood', timeoutMs: 15_000, intervalMs: 50 },
      )

      const t0 = Date.now()
      const joined = await mesh.call<{ reached: number; failed: unknown[] }>(3, 'join', { addrs: [aAddr] })
      const joinMs = Date.now() - t0
      assert.equal(joined.reached, 1, `join: ${JSON.stringify(joined)}`)
      await waitFor(() => mesh.allAlive([1, 3]), {
        what: 'h1 and h3 to list each other alive',
        timeoutMs: JOIN_DEADLINE_MS,
        intervalMs: 50,
      })
      const aliveMs = Date.now() - t0
      maxSockets = Math.max(maxSockets, socketsOf(pid))
      const f = flood()!
      console.log(
        `      during a flood of ${FLOOD_CONNECTIONS} keyless connections (${f.opened} opened, ${f.closed} closed by h1 so far): ` +
          `join returned in ${joinMs} ms, both alive after ${aliveMs} ms; h1 held at most ${maxSockets} sockets (${idle} idle)`,
      )
      assert.ok(maxSockets <= MAX_SOCKETS, `h1 held ${maxSockets} sockets`)
      assert.ok(aliveMs < JOIN_DEADLINE_MS, `both alive only after ${aliveMs} ms`)
      // The outsider keeps at most its per-host share pending: the rest were closed at once.
      assert.ok(f.open <= FLOOD_CONNECTIONS, `flooder sees ${f.open} open`)
      assert.ok(f.closed >= FLOOD_CONNECTIONS - PENDING_PER_HOST, `h1 closed only ${f.closed}`)
    } finally {
      clearInterval(sampler)
      await lab.stop(2, 500)
    }
  })
})
