import assert from 'node:assert/strict'
import { EventQueue, PACKET } from '../../../sim/events.js'
import { Network } from '../../../sim/network.js'
import { rng } from '../../../sim/rng.js'

interface P {
  n: number
}

function setup(options = {}) {
  const q = new EventQueue(0)
  const index = new Map([
    ['a', 0],
    ['b', 1],
    ['c', 2],
  ])
  const net = new Network<P>(q, index, 3, rng(1), () => 10, options)
  net.up.fill(1)
  const deliveries = (): { at: number; to: number; from: number; n: number }[] => {
    const out = []
    while (q.pop()) {
      if (q.kind === PACKET && net.deliverable(q.node))
        out.push({ at: q.time, to: q.node, from: q.aux, n: (q.payload as P).n })
    }
    return out
  }
  return { q, net, deliveries }
}

describe('sim: network', () => {
  it('delivers within the latency bounds and counts packets and bytes per sender', () => {
    const { net, deliveries } = setup({ latencyMinMs: 2, latencyMaxMs: 4 })
    for (let i = 0; i < 100; i++) net.send(0, 'b', { n: i })
    net.send(1, 'c', { n: 100 })
    const got = deliveries()
    assert.equal(got.length, 101)
    for (const d of got) assert.ok(d.at >= 2 && d.at <= 4, String(d.at))
    assert.deepEqual(
      got.find((d) => d.n === 100),
      { at: got.find((d) => d.n === 100)!.at, to: 2, from: 1, n: 100 },
    )
    assert.deepEqual([...net.msgs], [100, 1, 0])
    assert.deepEqual([...net.bytes], [1000, 10, 0])
  })

  it('loses about `loss` of the packets, each independently, and still counts them as sent', () => {
    const { net, deliveries } = setup({ loss: 0.3, transport: 'datagram' })
    for (let i = 0; i < 10_000; i++) net.send(0, 'b', { n: i })
    const got = deliveries().length
    assert.ok(got > 6700 && got < 7300, String(got))
    assert.equal(net.lost, 10_000 - got)
    assert.equal(net.msgs[0], 10_000)
  })

  it('never loses packets the reliable predicate marks (streams), but still blocks them', () => {
    const { net, deliveries } = setup({ loss: 0.9, transport: 'datagram', reliable: (p: P) => p.n < 0 })
    for (let i = 0; i < 100; i++) net.send(0, 'b', { n: -1 })
    assert.equal(deliveries().length, 100)
    net.partition([[0]])
    net.send(0, 'b', { n: -1 })
    assert.equal(deliveries().length, 0)
  })

  it('stream transport: loss delays a packet by the doubling RTO, loses none, and it holds up the pair', () => {
    const { net, deliveries } = setup({
      loss: 0.3,
      transport: 'stream',
      rtoMs: 200,
      latencyMinMs: 1,
      latencyMaxMs: 5,
    })
    for (let i = 0; i < 2000; i++) {
      net.send(0, 'b', { n: i })
      net.send(1, 'c', { n: i })
    }
    const got = deliveries()
    assert.equal(got.length, 4000)
    for (const pair of [0, 1]) {
      // In send order, a packet never arrives before an earlier one that was resent (jitter aside).
      const at = got
        .filter((d) => d.from === pair)
        .sort((x, y) => x.n - y.n)
        .map((d) => d.at)
      let latest = 0
      for (const t of at) {
        assert.ok(t >= latest - 4, `a packet at ${t} overtook one at ${latest}`)
        latest = Math.max(latest, t)
      }
    }
    // Retransmissions: lost counts each, about loss / (1 - loss) per packet (0.43).
    assert.ok(net.lost > 0.35 * 4000 && net.lost < 0.5 * 4000, String(net.lost))
    // A packet lost k times arrives after 200 * (2^k - 1) ms more: some waited 600 ms or longer.
    const late = got.filter((d) => d.at > 600).length
    assert.ok(late > 0, 'no packet was lost twice')
  })

  it('blocks packets across a partition until healed', () => {
    const { net, deliveries } = setup()
    net.partition([[0], [1, 2]])
    net.send(0, 'b', { n: 1 })
    net.send(1, 'c', { n: 2 })
    assert.deepEqual(
      deliveries().map((d) => d.n),
      [2],
    )
    assert.equal(net.blocked, 1)
    net.heal()
    net.send(0, 'b', { n: 3 })
    assert.deepEqual(
      deliveries().map((d) => d.n),
      [3],
    )
  })

  it('drops packets to a node that is down when they arrive', () => {
    const { net, deliveries } = setup()
    net.send(0, 'b', { n: 1 })
    net.up[1] = 0
    assert.deepEqual(deliveries(), [])
    assert.equal(net.undelivered, 1)
  })

  it('a node slowed 10x handles packets (factor - 1) x the mean round trip late', () => {
    const { net, deliveries } = setup({ latencyMinMs: 1, latencyMaxMs: 5 })
    net.slow(1, 10)
    assert.equal(net.delay[1], 54)
    net.send(0, 'b', { n: 1 })
    net.send(1, 'a', { n: 2 })
    const [toA, toB] = deliveries()
    assert.ok(toA!.n === 2 && toA!.at <= 5)
    assert.ok(toB!.n === 1 && toB!.at >= 55 && toB!.at <= 59)
  })

  it('counts packets to unknown addresses', () => {
    const { net, deliveries } = setup()
    net.send(0, 'nobody', { n: 1 })
    assert.deepEqual(deliveries(), [])
    assert.equal(net.unknown, 1)
  })

  it('is deterministic for a seed', () => {
    const times = () => {
      const { net, deliveries } = setup({ loss: 0.2 })
      for (let i = 0; i < 50; i++) net.send(i % 3, 'abc'[(i * 7) % 3]!, { n: i })
      return deliveries()
    }
    assert.deepEqual(times(), times())
  })
})
