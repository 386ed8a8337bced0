import type { ChildProcess } from 'node:child_process'
import type { Lab } from './lab.js'

/**
 * Connectivity probes that need nothing but node (no ping in minimal images). The scripts run via
 * `node -e` inside the host's namespace; arguments come after the script in process.argv.
 */

// A RST ('refused') proves the peer answered as much as a SYN-ACK does, so no server is needed
const CONNECT_JS = `
const [host, port, ms] = process.argv.slice(1)
const s = require('net').connect({ host, port: Number(port) })
const done = (r) => { console.log(r); s.destroy(); process.exit(0) }
s.on('connect', () => done('open'))
s.on('error', (e) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'error ' + e.code))
setTimeout(() => done('timeout'), Number(ms))
`

const MCAST_LISTEN_JS = `
const [group, port, iface] = process.argv.slice(1)
const s = require('dgram').createSocket({ type: 'udp4', reuseAddr: true })
s.on('message', (m, r) => console.log('got ' + r.address + ' ' + m))
s.bind(Number(port), () => { s.addMembership(group, iface); console.log('ready') })
`

// No IP_MULTICAST_IF, like multicast-dns by default: relies on the lab's 224.0.0.0/4 route
const MCAST_SEND_JS = `
const [group, port, msg] = process.argv.slice(1)
const s = require('dgram').createSocket('udp4')
s.send(msg, Number(port), group, (e) => { if (e) { console.error(e.message); process.exit(1) } s.close() })
`

/** Can host `from` open (or be refused) a TCP connection to host `to`? */
export async function canReach(lab: Lab, from: number, to: number, { port = 9, timeoutMs = 1000 } = {}) {
  const out = await lab.exec(
    from,
    process.execPath,
    ['-e', CONNECT_JS, lab.host(to).ip, String(port), String(timeoutMs)],
    {
      timeoutMs: timeoutMs + 5000,
    },
  )
  return out.trim() === 'open' || out.trim() === 'refused'
}

/** Join `group` on host i; the child prints 'ready', then 'got <src> <payload>' per datagram. */
export function listenMulticast(lab: Lab, i: number, group = '224.0.0.251', port = 5353): ChildProcess {
  return lab.spawn(i, process.execPath, ['-e', MCAST_LISTEN_JS, group, String(port), lab.host(i).ip])
}

export async function sendMulticast(lab: Lab, i: number, msg: string, group = '224.0.0.251', port = 5353) {
  await lab.exec(i, process.execPath, ['-e', MCAST_SEND_JS, group, String(port), msg])
}
