// The signatures of a replica's record parts (docs/state-and-sync.md, "Signed writes"): sealing
// its own unsigned parts under batch proofs, and checking a peer's parts before a merge (a format 1
// record's re-signing is in src/state/resign.ts). Pure: the replica passes in what it holds.
import { MAX_BATCH_PARTS, type ProofChecker, signBatch } from './batch-proof.js'
import { type CounterRecord, type CrdtRecord, compareLww, type SetRecord, seqOf } from './records.js'
import { counterBody, lwwBody, removeBody, setBody, type WriteSigner } from './signing.js'

/** Fills in `self`'s unsigned parts (empty signatures) of `items`, batch-signed. */
export function signParts(
  signer: WriteSigner,
  self: string,
  items: ReadonlyArray<readonly [string, CrdtRecord]>,
): Array<[string, CrdtRecord]> {
  // Each unsigned part: its body, and where its proof goes.
  const bodies: Uint8Array[] = []
  const slots: Array<{ item: number; remove?: string }> = []
  const part = (body: Uint8Array, item: number, remove?: string) => {
    bodies.push(body)
    slots.push({ item, remove })
  }
  items.forEach(([id, r], item) => {
    if (r.t === 'lww') {
      if (r.sig === '') part(lwwBody(id, r), item)
    } else if (r.t === 'counter') {
      if (r.sigs[self] === '') part(counterBody(id, r, self), item)
    } else {
      if (r.sigs[self] === '') part(setBody(id, r, self), item)
      for (const x of Object.keys(r.rsigs)) if (r.rsigs[x]![1] === '') part(removeBody(id, r, x), item, x)
    }
  })
  const proofs: string[] = []
  for (let i = 0; i < bodies.length; i += MAX_BATCH_PARTS) {
    proofs.push(...signBatch(signer, bodies.slice(i, i + MAX_BATCH_PARTS)))
  }
  const out = items.map(([id, r]) => [id, r] as [string, CrdtRecord])
  slots.forEach(({ item, remove }, i) => {
    const r = out[item]![1]
    const proof = proofs[i]!
    if (r.t === 'lww') out[item]![1] = { ...r, sig: proof }
    else if (remove !== undefined && r.t === 'set')
      out[item]![1] = { ...r, rsigs: { ...r.rsigs, [remove]: [self, proof] } }
    else out[item]![1] = { ...r, sigs: { ...r.sigs, [self]: proof } } as CrdtRecord
  })
  return out
}

/**
 * True when every part of a peer's record `r` that could change `ours` (what we hold under its
 * id) carries its origin's valid signature; parts equal to ours were checked when they first came.
 */
export function authentic(v: ProofChecker, id: string, r: CrdtRecord, ours: CrdtRecord | undefined): boolean {
  if (r.t === 'lww') {
    // A losing write is checked too: its dot goes into the vv (Replica.applyRecords, applyDelta).
    if (ours?.t === 'lww' && compareLww(r, ours) === 0) return true
    return v.check(r.origin, lwwBody(id, r), r.sig)
  }
  const newer = (o: string, mine: CrdtRecord | undefined, sameSig: (m: CrdtRecord) => boolean): boolean => {
    if (mine === undefined || mine.t !== r.t) return true
    const x = seqOf(mine.dots, o) ?? 0
    const y = r.dots[o]!
    return y > x || (y === x && !sameSig(mine))
  }
  if (r.t === 'counter') {
    for (const o of Object.keys(r.dots)) {
      if (!newer(o, ours, (m) => (m as CounterRecord).sigs[o] === r.sigs[o])) continue
      if (!v.check(o, counterBody(id, r, o), r.sigs[o]!)) return false
    }
    return true
  }
  for (const o of Object.keys(r.dots)) {
    if (!newer(o, ours, (m) => (m as SetRecord).sigs[o] === r.sigs[o])) continue
    if (!v.check(o, setBody(id, r, o), r.sigs[o]!)) return false
  }
  const mine = ours?.t === 'set' ? ours : undefined
  for (const x of Object.keys(r.removed)) {
    const have = mine === undefined ? 0 : (seqOf(mine.removed, x) ?? 0)
    const [by, sig] = r.rsigs[x]!
    if (r.removed[x]! < have || (r.removed[x] === have && mine?.rsigs[x]?.[1] === sig)) continue
    if (!v.check(by, removeBody(id, r, x), sig)) return false
  }
  return true
}
