// The little of @orbitdb/core 4 (plain JavaScript, no types of its own) that bench/orbitdb-peer.ts uses.
declare module '@orbitdb/core' {
  export interface OrbitEntry {
    hash: string
    clock: { id: string; time: number }
    payload: { op: string; key: string; value: unknown }
  }
  export interface KeyValueDatabase {
    address: string
    peers: Set<string>
    events: {
      on(event: 'update', fn: (entry: OrbitEntry) => void): void
      on(event: 'join' | 'leave', fn: (peerId: unknown, heads: OrbitEntry[]) => void): void
    }
    log: { heads(): Promise<OrbitEntry[]> }
    put(key: string, value: unknown): Promise<string>
    all(): Promise<Array<{ key: string; value: unknown; hash: string }>>
    close(): Promise<void>
  }
  export interface OrbitDB {
    open(address: string, opts?: { type?: string }): Promise<KeyValueDatabase>
    stop(): Promise<void>
  }
  export function createOrbitDB(opts: { ipfs: unknown; id?: string; directory?: string }): Promise<OrbitDB>
}
