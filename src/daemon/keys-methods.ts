// `keys.*`: the swarm keyring, applied here and then on every live member (keys.ts).
import type { MethodRegistry } from '../admin/methods.js'
import { implement } from '../api/index.js'
import { type MeshKeysHost, meshKeyList, meshKeyOp } from './keys.js'

/** `host` undefined: an open mesh, which has no keys; every method says so. */
export function keysMethods(host: () => MeshKeysHost): MethodRegistry {
  return {
    'keys.list': implement('keys.list', () => meshKeyList(host())),
    'keys.install': implement('keys.install', (p) => meshKeyOp(host(), { v: 1, op: 'install', key: p.key })),
    'keys.use': implement('keys.use', (p) =>
      meshKeyOp(host(), { v: 1, op: 'use', fingerprint: p.fingerprint }),
    ),
    'keys.remove': implement('keys.remove', (p) =>
      meshKeyOp(host(), { v: 1, op: 'remove', fingerprint: p.fingerprint }),
    ),
  }
}
