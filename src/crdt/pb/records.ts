import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Seq {
  origin: string
  seq: number
}

export namespace Seq {
  let _codec: Codec<Seq>

  export const codec = (): Codec<Seq> => {
    if (_codec == null) {
      _codec = message<Seq>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.origin != null && obj.origin !== '')) {
          w.uint32(10)
          w.string(obj.origin)
        }

        if ((obj.seq != null && obj.seq !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.seq)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          origin: '',
          seq: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.origin = reader.string()
              break
            }
            case 2: {
              obj.seq = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.origin`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SeqOriginFieldEvent {
    field: '$.origin'
    value: string
  }

  export interface SeqSeqFieldEvent {
    field: '$.seq'
    value: number
  }

  export function encode (obj: Partial<Seq>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Seq.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Seq>): Seq {
    return decodeMessage(buf, Seq.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Seq>): Generator<SeqOriginFieldEvent | SeqSeqFieldEvent> {
    return streamMessage(buf, Seq.codec(), opts)
  }
}

export interface Proof {
  origin: string
  proof: Uint8Array<ArrayBuffer>
}

export namespace Proof {
  let _codec: Codec<Proof>

  export const codec = (): Codec<Proof> => {
    if (_codec == null) {
      _codec = message<Proof>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.origin != null && obj.origin !== '')) {
          w.uint32(10)
          w.string(obj.origin)
        }

        if ((obj.proof != null && obj.proof.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.proof)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          origin: '',
          proof: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.origin = reader.string()
              break
            }
            case 2: {
              obj.proof = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.origin`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.proof`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ProofOriginFieldEvent {
    field: '$.origin'
    value: string
  }

  export interface ProofProofFieldEvent {
    field: '$.proof'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Proof>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Proof.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Proof>): Proof {
    return decodeMessage(buf, Proof.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Proof>): Generator<ProofOriginFieldEvent | ProofProofFieldEvent> {
    return streamMessage(buf, Proof.codec(), opts)
  }
}

export interface Removal {
  adder: string
  remover: string
  proof: Uint8Array<ArrayBuffer>
}

export namespace Removal {
  let _codec: Codec<Removal>

  export const codec = (): Codec<Removal> => {
    if (_codec == null) {
      _codec = message<Removal>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.adder != null && obj.adder !== '')) {
          w.uint32(10)
          w.string(obj.adder)
        }

        if ((obj.remover != null && obj.remover !== '')) {
          w.uint32(18)
          w.string(obj.remover)
        }

        if ((obj.proof != null && obj.proof.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.proof)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          adder: '',
          remover: '',
          proof: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.adder = reader.string()
              break
            }
            case 2: {
              obj.remover = reader.string()
              break
            }
            case 3: {
              obj.proof = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.adder`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.remover`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.proof`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RemovalAdderFieldEvent {
    field: '$.adder'
    value: string
  }

  export interface RemovalRemoverFieldEvent {
    field: '$.remover'
    value: string
  }

  export interface RemovalProofFieldEvent {
    field: '$.proof'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Removal>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Removal.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Removal>): Removal {
    return decodeMessage(buf, Removal.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Removal>): Generator<RemovalAdderFieldEvent | RemovalRemoverFieldEvent | RemovalProofFieldEvent> {
    return streamMessage(buf, Removal.codec(), opts)
  }
}

export interface Lww {
  wall: number
  logical: number
  origin: string
  seq: number
  value?: Uint8Array<ArrayBuffer>
  proof: Uint8Array<ArrayBuffer>
}

export namespace Lww {
  let _codec: Codec<Lww>

  export const codec = (): Codec<Lww> => {
    if (_codec == null) {
      _codec = message<Lww>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.wall != null && obj.wall !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.wall)
        }

        if ((obj.logical != null && obj.logical !== 0)) {
          w.uint32(16)
          w.uint32(obj.logical)
        }

        if ((obj.origin != null && obj.origin !== '')) {
          w.uint32(26)
          w.string(obj.origin)
        }

        if ((obj.seq != null && obj.seq !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.seq)
        }

        if (obj.value != null) {
          w.uint32(42)
          w.bytes(obj.value)
        }

        if ((obj.proof != null && obj.proof.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.proof)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          wall: 0,
          logical: 0,
          origin: '',
          seq: 0,
          proof: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.wall = reader.uint64Number()
              break
            }
            case 2: {
              obj.logical = reader.uint32()
              break
            }
            case 3: {
              obj.origin = reader.string()
              break
            }
            case 4: {
              obj.seq = reader.uint64Number()
              break
            }
            case 5: {
              obj.value = reader.bytes()
              break
            }
            case 6: {
              obj.proof = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.wall`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.logical`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.origin`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.value`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.proof`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface LwwWallFieldEvent {
    field: '$.wall'
    value: number
  }

  export interface LwwLogicalFieldEvent {
    field: '$.logical'
    value: number
  }

  export interface LwwOriginFieldEvent {
    field: '$.origin'
    value: string
  }

  export interface LwwSeqFieldEvent {
    field: '$.seq'
    value: number
  }

  export interface LwwValueFieldEvent {
    field: '$.value'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LwwProofFieldEvent {
    field: '$.proof'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Lww>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Lww.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Lww>): Lww {
    return decodeMessage(buf, Lww.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Lww>): Generator<LwwWallFieldEvent | LwwLogicalFieldEvent | LwwOriginFieldEvent | LwwSeqFieldEvent | LwwValueFieldEvent | LwwProofFieldEvent> {
    return streamMessage(buf, Lww.codec(), opts)
  }
}

export interface AddRemoveSet {
  adds: Seq[]
  removed: Seq[]
  dots: Seq[]
  proofs: Proof[]
  removals: Removal[]
}

export namespace AddRemoveSet {
  let _codec: Codec<AddRemoveSet>

  export const codec = (): Codec<AddRemoveSet> => {
    if (_codec == null) {
      _codec = message<AddRemoveSet>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.adds != null && obj.adds.length > 0) {
          for (const value of obj.adds) {
            w.uint32(10)
            Seq.codec().encode(value, w)
          }
        }

        if (obj.removed != null && obj.removed.length > 0) {
          for (const value of obj.removed) {
            w.uint32(18)
            Seq.codec().encode(value, w)
          }
        }

        if (obj.dots != null && obj.dots.length > 0) {
          for (const value of obj.dots) {
            w.uint32(26)
            Seq.codec().encode(value, w)
          }
        }

        if (obj.proofs != null && obj.proofs.length > 0) {
          for (const value of obj.proofs) {
            w.uint32(34)
            Proof.codec().encode(value, w)
          }
        }

        if (obj.removals != null && obj.removals.length > 0) {
          for (const value of obj.removals) {
            w.uint32(42)
            Removal.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          adds: [],
          removed: [],
          dots: [],
          proofs: [],
          removals: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.adds != null && obj.adds.length === opts.limits.adds) {
                throw new MaxLengthError('Decode error - repeated field "adds" had too many elements')
              }

              obj.adds.push(Seq.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.adds$
              }))
              break
            }
            case 2: {
              if (opts.limits?.removed != null && obj.removed.length === opts.limits.removed) {
                throw new MaxLengthError('Decode error - repeated field "removed" had too many elements')
              }

              obj.removed.push(Seq.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.removed$
              }))
              break
            }
            case 3: {
              if (opts.limits?.dots != null && obj.dots.length === opts.limits.dots) {
                throw new MaxLengthError('Decode error - repeated field "dots" had too many elements')
              }

              obj.dots.push(Seq.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.dots$
              }))
              break
            }
            case 4: {
              if (opts.limits?.proofs != null && obj.proofs.length === opts.limits.proofs) {
                throw new MaxLengthError('Decode error - repeated field "proofs" had too many elements')
              }

              obj.proofs.push(Proof.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.proofs$
              }))
              break
            }
            case 5: {
              if (opts.limits?.removals != null && obj.removals.length === opts.limits.removals) {
                throw new MaxLengthError('Decode error - repeated field "removals" had too many elements')
              }

              obj.removals.push(Removal.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.removals$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          adds: 0,
          removed: 0,
          dots: 0,
          proofs: 0,
          removals: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.adds != null && obj.adds === opts.limits.adds) {
                throw new MaxLengthError('Streaming decode error - repeated field "adds" had too many elements')
              }

              for (const evt of Seq.codec().stream(reader, reader.uint32(), `${prefix}.adds[]`, {
                limits: opts.limits?.adds$
              })) {
                yield {
                  ...evt,
                  index: obj.adds
                }
              }

              obj.adds++

              break
            }
            case 2: {
              if (opts.limits?.removed != null && obj.removed === opts.limits.removed) {
                throw new MaxLengthError('Streaming decode error - repeated field "removed" had too many elements')
              }

              for (const evt of Seq.codec().stream(reader, reader.uint32(), `${prefix}.removed[]`, {
                limits: opts.limits?.removed$
              })) {
                yield {
                  ...evt,
                  index: obj.removed
                }
              }

              obj.removed++

              break
            }
            case 3: {
              if (opts.limits?.dots != null && obj.dots === opts.limits.dots) {
                throw new MaxLengthError('Streaming decode error - repeated field "dots" had too many elements')
              }

              for (const evt of Seq.codec().stream(reader, reader.uint32(), `${prefix}.dots[]`, {
                limits: opts.limits?.dots$
              })) {
                yield {
                  ...evt,
                  index: obj.dots
                }
              }

              obj.dots++

              break
            }
            case 4: {
              if (opts.limits?.proofs != null && obj.proofs === opts.limits.proofs) {
                throw new MaxLengthError('Streaming decode error - repeated field "proofs" had too many elements')
              }

              for (const evt of Proof.codec().stream(reader, reader.uint32(), `${prefix}.proofs[]`, {
                limits: opts.limits?.proofs$
              })) {
                yield {
                  ...evt,
                  index: obj.proofs
                }
              }

              obj.proofs++

              break
            }
            case 5: {
              if (opts.limits?.removals != null && obj.removals === opts.limits.removals) {
                throw new MaxLengthError('Streaming decode error - repeated field "removals" had too many elements')
              }

              for (const evt of Removal.codec().stream(reader, reader.uint32(), `${prefix}.removals[]`, {
                limits: opts.limits?.removals$
              })) {
                yield {
                  ...evt,
                  index: obj.removals
                }
              }

              obj.removals++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface AddRemoveSetAddsOriginFieldEvent {
    field: '$.adds[].origin'
    value: string
    index: number
  }

  export interface AddRemoveSetAddsSeqFieldEvent {
    field: '$.adds[].seq'
    value: number
    index: number
  }

  export interface AddRemoveSetRemovedOriginFieldEvent {
    field: '$.removed[].origin'
    value: string
    index: number
  }

  export interface AddRemoveSetRemovedSeqFieldEvent {
    field: '$.removed[].seq'
    value: number
    index: number
  }

  export interface AddRemoveSetDotsOriginFieldEvent {
    field: '$.dots[].origin'
    value: string
    index: number
  }

  export interface AddRemoveSetDotsSeqFieldEvent {
    field: '$.dots[].seq'
    value: number
    index: number
  }

  export interface AddRemoveSetProofsOriginFieldEvent {
    field: '$.proofs[].origin'
    value: string
    index: number
  }

  export interface AddRemoveSetProofsProofFieldEvent {
    field: '$.proofs[].proof'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface AddRemoveSetRemovalsAdderFieldEvent {
    field: '$.removals[].adder'
    value: string
    index: number
  }

  export interface AddRemoveSetRemovalsRemoverFieldEvent {
    field: '$.removals[].remover'
    value: string
    index: number
  }

  export interface AddRemoveSetRemovalsProofFieldEvent {
    field: '$.removals[].proof'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<AddRemoveSet>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, AddRemoveSet.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AddRemoveSet>): AddRemoveSet {
    return decodeMessage(buf, AddRemoveSet.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AddRemoveSet>): Generator<AddRemoveSetAddsOriginFieldEvent | AddRemoveSetAddsSeqFieldEvent | AddRemoveSetRemovedOriginFieldEvent | AddRemoveSetRemovedSeqFieldEvent | AddRemoveSetDotsOriginFieldEvent | AddRemoveSetDotsSeqFieldEvent | AddRemoveSetProofsOriginFieldEvent | AddRemoveSetProofsProofFieldEvent | AddRemoveSetRemovalsAdderFieldEvent | AddRemoveSetRemovalsRemoverFieldEvent | AddRemoveSetRemovalsProofFieldEvent> {
    return streamMessage(buf, AddRemoveSet.codec(), opts)
  }
}

export interface Counter {
  p: Seq[]
  n: Seq[]
  dots: Seq[]
  proofs: Proof[]
}

export namespace Counter {
  let _codec: Codec<Counter>

  export const codec = (): Codec<Counter> => {
    if (_codec == null) {
      _codec = message<Counter>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.p != null && obj.p.length > 0) {
          for (const value of obj.p) {
            w.uint32(10)
            Seq.codec().encode(value, w)
          }
        }

        if (obj.n != null && obj.n.length > 0) {
          for (const value of obj.n) {
            w.uint32(18)
            Seq.codec().encode(value, w)
          }
        }

        if (obj.dots != null && obj.dots.length > 0) {
          for (const value of obj.dots) {
            w.uint32(26)
            Seq.codec().encode(value, w)
          }
        }

        if (obj.proofs != null && obj.proofs.length > 0) {
          for (const value of obj.proofs) {
            w.uint32(34)
            Proof.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          p: [],
          n: [],
          dots: [],
          proofs: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.p != null && obj.p.length === opts.limits.p) {
                throw new MaxLengthError('Decode error - repeated field "p" had too many elements')
              }

              obj.p.push(Seq.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.p$
              }))
              break
            }
            case 2: {
              if (opts.limits?.n != null && obj.n.length === opts.limits.n) {
                throw new MaxLengthError('Decode error - repeated field "n" had too many elements')
              }

              obj.n.push(Seq.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.n$
              }))
              break
            }
            case 3: {
              if (opts.limits?.dots != null && obj.dots.length === opts.limits.dots) {
                throw new MaxLengthError('Decode error - repeated field "dots" had too many elements')
              }

              obj.dots.push(Seq.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.dots$
              }))
              break
            }
            case 4: {
              if (opts.limits?.proofs != null && obj.proofs.length === opts.limits.proofs) {
                throw new MaxLengthError('Decode error - repeated field "proofs" had too many elements')
              }

              obj.proofs.push(Proof.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.proofs$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          p: 0,
          n: 0,
          dots: 0,
          proofs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.p != null && obj.p === opts.limits.p) {
                throw new MaxLengthError('Streaming decode error - repeated field "p" had too many elements')
              }

              for (const evt of Seq.codec().stream(reader, reader.uint32(), `${prefix}.p[]`, {
                limits: opts.limits?.p$
              })) {
                yield {
                  ...evt,
                  index: obj.p
                }
              }

              obj.p++

              break
            }
            case 2: {
              if (opts.limits?.n != null && obj.n === opts.limits.n) {
                throw new MaxLengthError('Streaming decode error - repeated field "n" had too many elements')
              }

              for (const evt of Seq.codec().stream(reader, reader.uint32(), `${prefix}.n[]`, {
                limits: opts.limits?.n$
              })) {
                yield {
                  ...evt,
                  index: obj.n
                }
              }

              obj.n++

              break
            }
            case 3: {
              if (opts.limits?.dots != null && obj.dots === opts.limits.dots) {
                throw new MaxLengthError('Streaming decode error - repeated field "dots" had too many elements')
              }

              for (const evt of Seq.codec().stream(reader, reader.uint32(), `${prefix}.dots[]`, {
                limits: opts.limits?.dots$
              })) {
                yield {
                  ...evt,
                  index: obj.dots
                }
              }

              obj.dots++

              break
            }
            case 4: {
              if (opts.limits?.proofs != null && obj.proofs === opts.limits.proofs) {
                throw new MaxLengthError('Streaming decode error - repeated field "proofs" had too many elements')
              }

              for (const evt of Proof.codec().stream(reader, reader.uint32(), `${prefix}.proofs[]`, {
                limits: opts.limits?.proofs$
              })) {
                yield {
                  ...evt,
                  index: obj.proofs
                }
              }

              obj.proofs++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface CounterPOriginFieldEvent {
    field: '$.p[].origin'
    value: string
    index: number
  }

  export interface CounterPSeqFieldEvent {
    field: '$.p[].seq'
    value: number
    index: number
  }

  export interface CounterNOriginFieldEvent {
    field: '$.n[].origin'
    value: string
    index: number
  }

  export interface CounterNSeqFieldEvent {
    field: '$.n[].seq'
    value: number
    index: number
  }

  export interface CounterDotsOriginFieldEvent {
    field: '$.dots[].origin'
    value: string
    index: number
  }

  export interface CounterDotsSeqFieldEvent {
    field: '$.dots[].seq'
    value: number
    index: number
  }

  export interface CounterProofsOriginFieldEvent {
    field: '$.proofs[].origin'
    value: string
    index: number
  }

  export interface CounterProofsProofFieldEvent {
    field: '$.proofs[].proof'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<Counter>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Counter.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Counter>): Counter {
    return decodeMessage(buf, Counter.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Counter>): Generator<CounterPOriginFieldEvent | CounterPSeqFieldEvent | CounterNOriginFieldEvent | CounterNSeqFieldEvent | CounterDotsOriginFieldEvent | CounterDotsSeqFieldEvent | CounterProofsOriginFieldEvent | CounterProofsProofFieldEvent> {
    return streamMessage(buf, Counter.codec(), opts)
  }
}

export interface Entry {
  id: string
  lww?: Lww
  set?: AddRemoveSet
  counter?: Counter
}

export namespace Entry {
  let _codec: Codec<Entry>

  export const codec = (): Codec<Entry> => {
    if (_codec == null) {
      _codec = message<Entry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(10)
          w.string(obj.id)
        }

        if (obj.lww != null) {
          w.uint32(18)
          Lww.codec().encode(obj.lww, w)
        }

        if (obj.set != null) {
          w.uint32(26)
          AddRemoveSet.codec().encode(obj.set, w)
        }

        if (obj.counter != null) {
          w.uint32(34)
          Counter.codec().encode(obj.counter, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.string()
              break
            }
            case 2: {
              obj.lww = Lww.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.lww
              })
              break
            }
            case 3: {
              obj.set = AddRemoveSet.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.set
              })
              break
            }
            case 4: {
              obj.counter = Counter.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.counter
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield * Lww.codec().stream(reader, reader.uint32(), `${prefix}.lww`, {
                limits: opts.limits?.lww
              })

              break
            }
            case 3: {
              yield * AddRemoveSet.codec().stream(reader, reader.uint32(), `${prefix}.set`, {
                limits: opts.limits?.set
              })

              break
            }
            case 4: {
              yield * Counter.codec().stream(reader, reader.uint32(), `${prefix}.counter`, {
                limits: opts.limits?.counter
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface EntryIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface EntryLwwWallFieldEvent {
    field: '$.lww.wall'
    value: number
  }

  export interface EntryLwwLogicalFieldEvent {
    field: '$.lww.logical'
    value: number
  }

  export interface EntryLwwOriginFieldEvent {
    field: '$.lww.origin'
    value: string
  }

  export interface EntryLwwSeqFieldEvent {
    field: '$.lww.seq'
    value: number
  }

  export interface EntryLwwValueFieldEvent {
    field: '$.lww.value'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EntryLwwProofFieldEvent {
    field: '$.lww.proof'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EntrySetAddsOriginFieldEvent {
    field: '$.set.adds[].origin'
    value: string
    index: number
  }

  export interface EntrySetAddsSeqFieldEvent {
    field: '$.set.adds[].seq'
    value: number
    index: number
  }

  export interface EntrySetRemovedOriginFieldEvent {
    field: '$.set.removed[].origin'
    value: string
    index: number
  }

  export interface EntrySetRemovedSeqFieldEvent {
    field: '$.set.removed[].seq'
    value: number
    index: number
  }

  export interface EntrySetDotsOriginFieldEvent {
    field: '$.set.dots[].origin'
    value: string
    index: number
  }

  export interface EntrySetDotsSeqFieldEvent {
    field: '$.set.dots[].seq'
    value: number
    index: number
  }

  export interface EntrySetProofsOriginFieldEvent {
    field: '$.set.proofs[].origin'
    value: string
    index: number
  }

  export interface EntrySetProofsProofFieldEvent {
    field: '$.set.proofs[].proof'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface EntrySetRemovalsAdderFieldEvent {
    field: '$.set.removals[].adder'
    value: string
    index: number
  }

  export interface EntrySetRemovalsRemoverFieldEvent {
    field: '$.set.removals[].remover'
    value: string
    index: number
  }

  export interface EntrySetRemovalsProofFieldEvent {
    field: '$.set.removals[].proof'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface EntryCounterPOriginFieldEvent {
    field: '$.counter.p[].origin'
    value: string
    index: number
  }

  export interface EntryCounterPSeqFieldEvent {
    field: '$.counter.p[].seq'
    value: number
    index: number
  }

  export interface EntryCounterNOriginFieldEvent {
    field: '$.counter.n[].origin'
    value: string
    index: number
  }

  export interface EntryCounterNSeqFieldEvent {
    field: '$.counter.n[].seq'
    value: number
    index: number
  }

  export interface EntryCounterDotsOriginFieldEvent {
    field: '$.counter.dots[].origin'
    value: string
    index: number
  }

  export interface EntryCounterDotsSeqFieldEvent {
    field: '$.counter.dots[].seq'
    value: number
    index: number
  }

  export interface EntryCounterProofsOriginFieldEvent {
    field: '$.counter.proofs[].origin'
    value: string
    index: number
  }

  export interface EntryCounterProofsProofFieldEvent {
    field: '$.counter.proofs[].proof'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<Entry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Entry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Entry>): Entry {
    return decodeMessage(buf, Entry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Entry>): Generator<EntryIdFieldEvent | EntryLwwWallFieldEvent | EntryLwwLogicalFieldEvent | EntryLwwOriginFieldEvent | EntryLwwSeqFieldEvent | EntryLwwValueFieldEvent | EntryLwwProofFieldEvent | EntrySetAddsOriginFieldEvent | EntrySetAddsSeqFieldEvent | EntrySetRemovedOriginFieldEvent | EntrySetRemovedSeqFieldEvent | EntrySetDotsOriginFieldEvent | EntrySetDotsSeqFieldEvent | EntrySetProofsOriginFieldEvent | EntrySetProofsProofFieldEvent | EntrySetRemovalsAdderFieldEvent | EntrySetRemovalsRemoverFieldEvent | EntrySetRemovalsProofFieldEvent | EntryCounterPOriginFieldEvent | EntryCounterPSeqFieldEvent | EntryCounterNOriginFieldEvent | EntryCounterNSeqFieldEvent | EntryCounterDotsOriginFieldEvent | EntryCounterDotsSeqFieldEvent | EntryCounterProofsOriginFieldEvent | EntryCounterProofsProofFieldEvent> {
    return streamMessage(buf, Entry.codec(), opts)
  }
}

export interface Delta {
  entry?: Entry
  dotOrigin?: string
  dotSeq?: number
}

export namespace Delta {
  let _codec: Codec<Delta>

  export const codec = (): Codec<Delta> => {
    if (_codec == null) {
      _codec = message<Delta>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.entry != null) {
          w.uint32(10)
          Entry.codec().encode(obj.entry, w)
        }

        if (obj.dotOrigin != null) {
          w.uint32(18)
          w.string(obj.dotOrigin)
        }

        if (obj.dotSeq != null) {
          w.uint32(24)
          w.uint64Number(obj.dotSeq)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.entry = Entry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.entry
              })
              break
            }
            case 2: {
              obj.dotOrigin = reader.string()
              break
            }
            case 3: {
              obj.dotSeq = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * Entry.codec().stream(reader, reader.uint32(), `${prefix}.entry`, {
                limits: opts.limits?.entry
              })

              break
            }
            case 2: {
              yield {
                field: `${prefix}.dotOrigin`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.dotSeq`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DeltaEntryIdFieldEvent {
    field: '$.entry.id'
    value: string
  }

  export interface DeltaEntryLwwWallFieldEvent {
    field: '$.entry.lww.wall'
    value: number
  }

  export interface DeltaEntryLwwLogicalFieldEvent {
    field: '$.entry.lww.logical'
    value: number
  }

  export interface DeltaEntryLwwOriginFieldEvent {
    field: '$.entry.lww.origin'
    value: string
  }

  export interface DeltaEntryLwwSeqFieldEvent {
    field: '$.entry.lww.seq'
    value: number
  }

  export interface DeltaEntryLwwValueFieldEvent {
    field: '$.entry.lww.value'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DeltaEntryLwwProofFieldEvent {
    field: '$.entry.lww.proof'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DeltaEntrySetAddsOriginFieldEvent {
    field: '$.entry.set.adds[].origin'
    value: string
    index: number
  }

  export interface DeltaEntrySetAddsSeqFieldEvent {
    field: '$.entry.set.adds[].seq'
    value: number
    index: number
  }

  export interface DeltaEntrySetRemovedOriginFieldEvent {
    field: '$.entry.set.removed[].origin'
    value: string
    index: number
  }

  export interface DeltaEntrySetRemovedSeqFieldEvent {
    field: '$.entry.set.removed[].seq'
    value: number
    index: number
  }

  export interface DeltaEntrySetDotsOriginFieldEvent {
    field: '$.entry.set.dots[].origin'
    value: string
    index: number
  }

  export interface DeltaEntrySetDotsSeqFieldEvent {
    field: '$.entry.set.dots[].seq'
    value: number
    index: number
  }

  export interface DeltaEntrySetProofsOriginFieldEvent {
    field: '$.entry.set.proofs[].origin'
    value: string
    index: number
  }

  export interface DeltaEntrySetProofsProofFieldEvent {
    field: '$.entry.set.proofs[].proof'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface DeltaEntrySetRemovalsAdderFieldEvent {
    field: '$.entry.set.removals[].adder'
    value: string
    index: number
  }

  export interface DeltaEntrySetRemovalsRemoverFieldEvent {
    field: '$.entry.set.removals[].remover'
    value: string
    index: number
  }

  export interface DeltaEntrySetRemovalsProofFieldEvent {
    field: '$.entry.set.removals[].proof'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface DeltaEntryCounterPOriginFieldEvent {
    field: '$.entry.counter.p[].origin'
    value: string
    index: number
  }

  export interface DeltaEntryCounterPSeqFieldEvent {
    field: '$.entry.counter.p[].seq'
    value: number
    index: number
  }

  export interface DeltaEntryCounterNOriginFieldEvent {
    field: '$.entry.counter.n[].origin'
    value: string
    index: number
  }

  export interface DeltaEntryCounterNSeqFieldEvent {
    field: '$.entry.counter.n[].seq'
    value: number
    index: number
  }

  export interface DeltaEntryCounterDotsOriginFieldEvent {
    field: '$.entry.counter.dots[].origin'
    value: string
    index: number
  }

  export interface DeltaEntryCounterDotsSeqFieldEvent {
    field: '$.entry.counter.dots[].seq'
    value: number
    index: number
  }

  export interface DeltaEntryCounterProofsOriginFieldEvent {
    field: '$.entry.counter.proofs[].origin'
    value: string
    index: number
  }

  export interface DeltaEntryCounterProofsProofFieldEvent {
    field: '$.entry.counter.proofs[].proof'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface DeltaDotOriginFieldEvent {
    field: '$.dotOrigin'
    value: string
  }

  export interface DeltaDotSeqFieldEvent {
    field: '$.dotSeq'
    value: number
  }

  export function encode (obj: Partial<Delta>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Delta.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Delta>): Delta {
    return decodeMessage(buf, Delta.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Delta>): Generator<DeltaEntryIdFieldEvent | DeltaEntryLwwWallFieldEvent | DeltaEntryLwwLogicalFieldEvent | DeltaEntryLwwOriginFieldEvent | DeltaEntryLwwSeqFieldEvent | DeltaEntryLwwValueFieldEvent | DeltaEntryLwwProofFieldEvent | DeltaEntrySetAddsOriginFieldEvent | DeltaEntrySetAddsSeqFieldEvent | DeltaEntrySetRemovedOriginFieldEvent | DeltaEntrySetRemovedSeqFieldEvent | DeltaEntrySetDotsOriginFieldEvent | DeltaEntrySetDotsSeqFieldEvent | DeltaEntrySetProofsOriginFieldEvent | DeltaEntrySetProofsProofFieldEvent | DeltaEntrySetRemovalsAdderFieldEvent | DeltaEntrySetRemovalsRemoverFieldEvent | DeltaEntrySetRemovalsProofFieldEvent | DeltaEntryCounterPOriginFieldEvent | DeltaEntryCounterPSeqFieldEvent | DeltaEntryCounterNOriginFieldEvent | DeltaEntryCounterNSeqFieldEvent | DeltaEntryCounterDotsOriginFieldEvent | DeltaEntryCounterDotsSeqFieldEvent | DeltaEntryCounterProofsOriginFieldEvent | DeltaEntryCounterProofsProofFieldEvent | DeltaDotOriginFieldEvent | DeltaDotSeqFieldEvent> {
    return streamMessage(buf, Delta.codec(), opts)
  }
}

export interface DeltaFrame {
  deltas: Delta[]
}

export namespace DeltaFrame {
  let _codec: Codec<DeltaFrame>

  export const codec = (): Codec<DeltaFrame> => {
    if (_codec == null) {
      _codec = message<DeltaFrame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.deltas != null && obj.deltas.length > 0) {
          for (const value of obj.deltas) {
            w.uint32(10)
            Delta.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          deltas: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.deltas != null && obj.deltas.length === opts.limits.deltas) {
                throw new MaxLengthError('Decode error - repeated field "deltas" had too many elements')
              }

              obj.deltas.push(Delta.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.deltas$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          deltas: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.deltas != null && obj.deltas === opts.limits.deltas) {
                throw new MaxLengthError('Streaming decode error - repeated field "deltas" had too many elements')
              }

              for (const evt of Delta.codec().stream(reader, reader.uint32(), `${prefix}.deltas[]`, {
                limits: opts.limits?.deltas$
              })) {
                yield {
                  ...evt,
                  index: obj.deltas
                }
              }

              obj.deltas++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DeltaFrameDeltasEntryIdFieldEvent {
    field: '$.deltas[].entry.id'
    value: string
    index: number
  }

  export interface DeltaFrameDeltasEntryLwwWallFieldEvent {
    field: '$.deltas[].entry.lww.wall'
    value: number
    index: number
  }

  export interface DeltaFrameDeltasEntryLwwLogicalFieldEvent {
    field: '$.deltas[].entry.lww.logical'
    value: number
    index: number
  }

  export interface DeltaFrameDeltasEntryLwwOriginFieldEvent {
    field: '$.deltas[].entry.lww.origin'
    value: string
    index: number
  }

  export interface DeltaFrameDeltasEntryLwwSeqFieldEvent {
    field: '$.deltas[].entry.lww.seq'
    value: number
    index: number
  }

  export interface DeltaFrameDeltasEntryLwwValueFieldEvent {
    field: '$.deltas[].entry.lww.value'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface DeltaFrameDeltasEntryLwwProofFieldEvent {
    field: '$.deltas[].entry.lww.proof'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface DeltaFrameDeltasEntrySetAddsOriginFieldEvent {
    field: '$.deltas[].entry.set.adds[].origin'
    value: string
    index: number
  }

  export interface DeltaFrameDeltasEntrySetAddsSeqFieldEvent {
    field: '$.deltas[].entry.set.adds[].seq'
    value: number
    index: number
  }

  export interface DeltaFrameDeltasEntrySetRemovedOriginFieldEvent {
    field: '$.deltas[].entry.set.removed[].origin'
    value: string
    index: number
  }

  export interface DeltaFrameDeltasEntrySetRemovedSeqFieldEvent {
    field: '$.deltas[].entry.set.removed[].seq'
    value: number
    index: number
  }

  export interface DeltaFrameDeltasEntrySetDotsOriginFieldEvent {
    field: '$.deltas[].entry.set.dots[].origin'
    value: string
    index: number
  }

  export interface DeltaFrameDeltasEntrySetDotsSeqFieldEvent {
    field: '$.deltas[].entry.set.dots[].seq'
    value: number
    index: number
  }

  export interface DeltaFrameDeltasEntrySetProofsOriginFieldEvent {
    field: '$.deltas[].entry.set.proofs[].origin'
    value: string
    index: number
  }

  export interface DeltaFrameDeltasEntrySetProofsProofFieldEvent {
    field: '$.deltas[].entry.set.proofs[].proof'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface DeltaFrameDeltasEntrySetRemovalsAdderFieldEvent {
    field: '$.deltas[].entry.set.removals[].adder'
    value: string
    index: number
  }

  export interface DeltaFrameDeltasEntrySetRemovalsRemoverFieldEvent {
    field: '$.deltas[].entry.set.removals[].remover'
    value: string
    index: number
  }

  export interface DeltaFrameDeltasEntrySetRemovalsProofFieldEvent {
    field: '$.deltas[].entry.set.removals[].proof'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface DeltaFrameDeltasEntryCounterPOriginFieldEvent {
    field: '$.deltas[].entry.counter.p[].origin'
    value: string
    index: number
  }

  export interface DeltaFrameDeltasEntryCounterPSeqFieldEvent {
    field: '$.deltas[].entry.counter.p[].seq'
    value: number
    index: number
  }

  export interface DeltaFrameDeltasEntryCounterNOriginFieldEvent {
    field: '$.deltas[].entry.counter.n[].origin'
    value: string
    index: number
  }

  export interface DeltaFrameDeltasEntryCounterNSeqFieldEvent {
    field: '$.deltas[].entry.counter.n[].seq'
    value: number
    index: number
  }

  export interface DeltaFrameDeltasEntryCounterDotsOriginFieldEvent {
    field: '$.deltas[].entry.counter.dots[].origin'
    value: string
    index: number
  }

  export interface DeltaFrameDeltasEntryCounterDotsSeqFieldEvent {
    field: '$.deltas[].entry.counter.dots[].seq'
    value: number
    index: number
  }

  export interface DeltaFrameDeltasEntryCounterProofsOriginFieldEvent {
    field: '$.deltas[].entry.counter.proofs[].origin'
    value: string
    index: number
  }

  export interface DeltaFrameDeltasEntryCounterProofsProofFieldEvent {
    field: '$.deltas[].entry.counter.proofs[].proof'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface DeltaFrameDeltasDotOriginFieldEvent {
    field: '$.deltas[].dotOrigin'
    value: string
    index: number
  }

  export interface DeltaFrameDeltasDotSeqFieldEvent {
    field: '$.deltas[].dotSeq'
    value: number
    index: number
  }

  export function encode (obj: Partial<DeltaFrame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DeltaFrame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeltaFrame>): DeltaFrame {
    return decodeMessage(buf, DeltaFrame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeltaFrame>): Generator<DeltaFrameDeltasEntryIdFieldEvent | DeltaFrameDeltasEntryLwwWallFieldEvent | DeltaFrameDeltasEntryLwwLogicalFieldEvent | DeltaFrameDeltasEntryLwwOriginFieldEvent | DeltaFrameDeltasEntryLwwSeqFieldEvent | DeltaFrameDeltasEntryLwwValueFieldEvent | DeltaFrameDeltasEntryLwwProofFieldEvent | DeltaFrameDeltasEntrySetAddsOriginFieldEvent | DeltaFrameDeltasEntrySetAddsSeqFieldEvent | DeltaFrameDeltasEntrySetRemovedOriginFieldEvent | DeltaFrameDeltasEntrySetRemovedSeqFieldEvent | DeltaFrameDeltasEntrySetDotsOriginFieldEvent | DeltaFrameDeltasEntrySetDotsSeqFieldEvent | DeltaFrameDeltasEntrySetProofsOriginFieldEvent | DeltaFrameDeltasEntrySetProofsProofFieldEvent | DeltaFrameDeltasEntrySetRemovalsAdderFieldEvent | DeltaFrameDeltasEntrySetRemovalsRemoverFieldEvent | DeltaFrameDeltasEntrySetRemovalsProofFieldEvent | DeltaFrameDeltasEntryCounterPOriginFieldEvent | DeltaFrameDeltasEntryCounterPSeqFieldEvent | DeltaFrameDeltasEntryCounterNOriginFieldEvent | DeltaFrameDeltasEntryCounterNSeqFieldEvent | DeltaFrameDeltasEntryCounterDotsOriginFieldEvent | DeltaFrameDeltasEntryCounterDotsSeqFieldEvent | DeltaFrameDeltasEntryCounterProofsOriginFieldEvent | DeltaFrameDeltasEntryCounterProofsProofFieldEvent | DeltaFrameDeltasDotOriginFieldEvent | DeltaFrameDeltasDotSeqFieldEvent> {
    return streamMessage(buf, DeltaFrame.codec(), opts)
  }
}
