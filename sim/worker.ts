// A worker thread that runs the RunSpecs it is sent against the real Swim and posts the results.

import { parentPort } from 'node:worker_threads'
import { run, type RunSpec } from './scenario.js'
import { packetSize, swimNode } from './swim-node.js'

parentPort?.on('message', (msg: { index: number; spec: RunSpec }) => {
  // process.cpuUsage() counts every thread, so a run's CPU time is unknown here.
  const result = { ...run(msg.spec, { factory: swimNode, sizeOf: packetSize }), cpuMs: Number.NaN }
  parentPort?.postMessage({ index: msg.index, result })
})
