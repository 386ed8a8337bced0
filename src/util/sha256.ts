// One-shot SHA-256. crypto.hash (Node 20.12 and later) costs about a third of a Hash object for
// small inputs, and a late joiner hashes every record it receives about ten times (digest, proof
// path); older Node 20 releases fall back to the Hash object.
import * as crypto from 'node:crypto'

const oneShot = typeof crypto.hash === 'function'

export function sha256Hex(data: string): string {
  return oneShot ? crypto.hash('sha256', data, 'hex') : crypto.createHash('sha256').update(data).digest('hex')
}

export function sha256(data: Uint8Array): Buffer {
  return oneShot
    ? (crypto.hash('sha256', data, 'buffer') as unknown as Buffer)
    : crypto.createHash('sha256').update(data).digest()
}
