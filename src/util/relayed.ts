// Whether a multiaddr goes through a circuit relay (docs/nat.md). Plain text, so that the pure
// membership layer and the transport share one rule.

/** A relayed address: `/.../p2p/RELAY/p2p-circuit/p2p/PEER`. */
export const isRelayedAddr = (addr: { toString(): string } | string): boolean =>
  addr.toString().includes('/p2p-circuit')
