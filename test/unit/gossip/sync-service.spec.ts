// Anti-entropy sessions between two replicas on an in-memory net: convergence and the byte budget.
import assert from 'node:assert/strict'
import { Replica } from '../../../src/crdt/index.js'
import {
  OLD_SYNC_PROTOCOLS,
  SYNC_PROTOCOL,
  type SyncService,
  syncService,
} from '../../../src/gossip/sync-service.js'
import { createLogger, type Logger } from '../../../src/util/log.js'
import { advanceBy } from '../../helpers/fake-timers.js'
import { waitFor } from '../../helpers/wait.js'
import { FakeNet, type FakeNode } from './fake-net.js'

interface Side {
  node: FakeNode
  replica: Replica
  svc: SyncService
  overBudget: string[]
}

let sides: Side[] = []

/** A started service on a new node, stopped after the test. */
async function side(net: FakeNet, writes: number, bytesPerSecond?: number, logger?: Logger): Promise<Side> {
  const node = await net.node()
  const replica = new Replica(node.id, net.clock)
  for (let i = 0; i < writes; i++) replica.kvSet(`${node.id.slice(-6)}-${i}`, { i, pad: 'x'.repeat(40) })
  const overBudget: string[] = []
  const svc = syncService({
    replica,
    intervalMs: 60_000,
    maxFrameBytes: 64 * 1024,
    bytesPerSecond,
    durable: { ready: () => true, wait: async () => {} },
    peers: () => [],
    onChanges: () => {},
    onOverBudget: (peer, what) => overBudget.push(`${peer} ${what}`),
  })({ ...node.components(), ...(logger ? { logger } : {}) })
  await svc.start()
  const made = { node, replica, svc, overBudget }
  sides.push(made)
  return made
}

describe('sync service on an in-memory net', () => {
  afterEach(async () => {
    for (const s of sides) await s.svc.stop()
    sides = []
  })

  it('a session over a stream pair leaves both replicas with the union', async () => {
    const net = new FakeNet()
    const a = await side(net, 120)
    const b = await side(net, 80)
    assert.notEqual(a.replica.digest(), b.replica.digest())
    await a.svc.syncWith(b.node.id)
    await waitFor(() => b.svc.traffic.sessions.answered === 1, {
      timeoutMs: 5000,
      intervalMs: 5,
      what: 'answered',
    })
    assert.equal(a.replica.digest(), b.replica.digest())
    assert.equal(a.replica.kvList().length, 200)
    assert.equal(a.svc.traffic.sessions.initiated, 1)
    assert.equal(a.svc.traffic.recordsReceived, 80)
    assert.equal(b.svc.traffic.recordsReceived, 120)
    assert.equal(a.svc.traffic.lastAt, net.clock.now(), 'stamped by the clock component')
  })

  it('refuses a peer past its byte budget, and merges nothing it sent', async () => {
    const net = new FakeNet()
    // 64 bytes a second, a burst of 1 KiB: far less than 120 records.
    const a = await side(net, 120)
    const b = await side(net, 1, 64)
    await a.svc.syncWith(b.node.id)
    await waitFor(() => b.overBudget.length > 0, { timeoutMs: 5000, intervalMs: 5, what: 'budget refusal' })
    assert.deepEqual(b.overBudget, [`${a.node.id} anti-entropy bytes`])
    assert.equal(b.svc.traffic.sessions.answered, 0)
    assert.ok(b.svc.traffic.sessions.failed >= 1)
    assert.equal(b.replica.kvList().length, 1, 'none of the over-budget records merged')
    assert.equal(a.svc.traffic.sessions.initiated, 0, 'the initiator saw its session fail')
  })

  it('names a peer on the old state wire in a warning, from its identify or its session, and refuses it', async () => {
    const net = new FakeNet()
    const lines: string[] = []
    const logger = createLogger('sync', { level: 'info', write: (l) => lines.push(l) })
    const b = await side(net, 1, undefined, logger)
    const old = await net.node()
    const warned = () => lines.filter((l) => l.includes('older state wire') && l.includes(old.id))
    await net.newStream(old, b.node.id, OLD_SYNC_PROTOCOLS[0])
    await waitFor(() => warned().length === 1, { timeoutMs: 5000, intervalMs: 5, what: 'warning' })
    assert.match(warned()[0]!, /"protocol":"\/murmur\/sync\/5\.0\.0"/)
    const identify = (protocols: string[]) =>
      b.node.events.safeDispatchEvent('peer:identify', {
        detail: { peerId: old.peerId, protocols, listenAddrs: [] } as never,
      })
    identify([OLD_SYNC_PROTOCOLS[0]])
    assert.equal(warned().length, 1, 'once per peer in ten minutes')
    net.clock.advance(10 * 60_000)
    identify([OLD_SYNC_PROTOCOLS[0]])
    assert.equal(warned().length, 2)
    assert.equal(b.svc.traffic.sessions.answered, 0)
  })

  for (const late of [false, true]) {
    it(`two fresh agents that connect sync once, with periodic sync off (${late ? 'one identify during the session of the other' : 'both identifies at once'})`, async () => {
      const net = new FakeNet()
      const sides = [await side(net, 30), await side(net, 20)].sort((x, y) =>
        x.node.id < y.node.id ? -1 : 1,
      )
      // q starts first and has the larger id: the tie rule (the smaller id's session goes on)
      // would not stop a second session by p.
      const [p, q] = sides as [Side, Side]
      const identify = (at: Side, of: Side) =>
        at.node.events.safeDispatchEvent('peer:identify', {
          detail: { peerId: of.node.peerId, protocols: [SYNC_PROTOCOL], listenAddrs: [] } as never,
        })
      if (late) {
        // p hears of q only once q's catch-up has reached it, as libp2p's identify may come late.
        const answer = p.node.handlers.get(SYNC_PROTOCOL)!
        p.node.handlers.set(SYNC_PROTOCOL, (stream, conn) => {
          const done = answer(stream, conn)
          identify(p, q)
          return done
        })
        identify(q, p)
      } else {
        identify(q, p)
        identify(p, q)
      }
      const sessions = () => p.svc.traffic.sessions.initiated + q.svc.traffic.sessions.initiated
      await waitFor(() => sessions() >= 1 && p.replica.digest() === q.replica.digest(), {
        timeoutMs: 5000,
        intervalMs: 5,
        what: 'one session',
      })
      // A refused catch-up retries within 3 s: past that, still one.
      await advanceBy(net.clock, 5000)
      assert.equal(sessions(), 1)
      assert.equal(p.replica.kvList().length, 50)
    })
  }
})
