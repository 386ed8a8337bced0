import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Hello {
  digest: Uint8Array<ArrayBuffer>
  same?: boolean
}

export namespace Hello {
  let _codec: Codec<Hello>

  export const codec = (): Codec<Hello> => {
    if (_codec == null) {
      _codec = message<Hello>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.digest != null && obj.digest.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.digest)
        }

        if (obj.same != null) {
          w.uint32(16)
          w.bool(obj.same)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          digest: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.digest = reader.bytes()
              break
            }
            case 2: {
              obj.same = reader.bool()
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
                field: `${prefix}.digest`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.same`,
                value: reader.bool()
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

  export interface HelloDigestFieldEvent {
    field: '$.digest'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HelloSameFieldEvent {
    field: '$.same'
    value: boolean
  }

  export function encode (obj: Partial<Hello>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Hello.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Hello>): Hello {
    return decodeMessage(buf, Hello.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Hello>): Generator<HelloDigestFieldEvent | HelloSameFieldEvent> {
    return streamMessage(buf, Hello.codec(), opts)
  }
}

export interface VersionEntry {
  origin: string
  seq: number
  maxSeen?: number
}

export namespace VersionEntry {
  let _codec: Codec<VersionEntry>

  export const codec = (): Codec<VersionEntry> => {
    if (_codec == null) {
      _codec = message<VersionEntry>((obj, w, opts = {}) => {
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

        if (obj.maxSeen != null) {
          w.uint32(24)
          w.uint64Number(obj.maxSeen)
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
            case 3: {
              obj.maxSeen = reader.uint64Number()
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
            case 3: {
              yield {
                field: `${prefix}.maxSeen`,
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

  export interface VersionEntryOriginFieldEvent {
    field: '$.origin'
    value: string
  }

  export interface VersionEntrySeqFieldEvent {
    field: '$.seq'
    value: number
  }

  export interface VersionEntryMaxSeenFieldEvent {
    field: '$.maxSeen'
    value: number
  }

  export function encode (obj: Partial<VersionEntry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, VersionEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<VersionEntry>): VersionEntry {
    return decodeMessage(buf, VersionEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<VersionEntry>): Generator<VersionEntryOriginFieldEvent | VersionEntrySeqFieldEvent | VersionEntryMaxSeenFieldEvent> {
    return streamMessage(buf, VersionEntry.codec(), opts)
  }
}

export interface Range {
  upper?: string
  kind: number
  fp?: Uint8Array<ArrayBuffer>
  count?: number
  entries: VersionEntry[]
}

export namespace Range {
  let _codec: Codec<Range>

  export const codec = (): Codec<Range> => {
    if (_codec == null) {
      _codec = message<Range>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.upper != null) {
          w.uint32(10)
          w.string(obj.upper)
        }

        if ((obj.kind != null && obj.kind !== 0)) {
          w.uint32(16)
          w.uint32(obj.kind)
        }

        if (obj.fp != null) {
          w.uint32(26)
          w.bytes(obj.fp)
        }

        if (obj.count != null) {
          w.uint32(32)
          w.uint64Number(obj.count)
        }

        if (obj.entries != null && obj.entries.length > 0) {
          for (const value of obj.entries) {
            w.uint32(42)
            VersionEntry.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: 0,
          entries: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.upper = reader.string()
              break
            }
            case 2: {
              obj.kind = reader.uint32()
              break
            }
            case 3: {
              obj.fp = reader.bytes()
              break
            }
            case 4: {
              obj.count = reader.uint64Number()
              break
            }
            case 5: {
              if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements')
              }

              obj.entries.push(VersionEntry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.entries$
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
          entries: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.upper`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.kind`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.fp`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.count`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements')
              }

              for (const evt of VersionEntry.codec().stream(reader, reader.uint32(), `${prefix}.entries[]`, {
                limits: opts.limits?.entries$
              })) {
                yield {
                  ...evt,
                  index: obj.entries
                }
              }

              obj.entries++

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

  export interface RangeUpperFieldEvent {
    field: '$.upper'
    value: string
  }

  export interface RangeKindFieldEvent {
    field: '$.kind'
    value: number
  }

  export interface RangeFpFieldEvent {
    field: '$.fp'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RangeCountFieldEvent {
    field: '$.count'
    value: number
  }

  export interface RangeEntriesOriginFieldEvent {
    field: '$.entries[].origin'
    value: string
    index: number
  }

  export interface RangeEntriesSeqFieldEvent {
    field: '$.entries[].seq'
    value: number
    index: number
  }

  export interface RangeEntriesMaxSeenFieldEvent {
    field: '$.entries[].maxSeen'
    value: number
    index: number
  }

  export function encode (obj: Partial<Range>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Range.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Range>): Range {
    return decodeMessage(buf, Range.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Range>): Generator<RangeUpperFieldEvent | RangeKindFieldEvent | RangeFpFieldEvent | RangeCountFieldEvent | RangeEntriesOriginFieldEvent | RangeEntriesSeqFieldEvent | RangeEntriesMaxSeenFieldEvent> {
    return streamMessage(buf, Range.codec(), opts)
  }
}

export interface Ranges {
  ranges: Range[]
  more: boolean
}

export namespace Ranges {
  let _codec: Codec<Ranges>

  export const codec = (): Codec<Ranges> => {
    if (_codec == null) {
      _codec = message<Ranges>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.ranges != null && obj.ranges.length > 0) {
          for (const value of obj.ranges) {
            w.uint32(10)
            Range.codec().encode(value, w)
          }
        }

        if ((obj.more != null && obj.more !== false)) {
          w.uint32(16)
          w.bool(obj.more)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          ranges: [],
          more: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.ranges != null && obj.ranges.length === opts.limits.ranges) {
                throw new MaxLengthError('Decode error - repeated field "ranges" had too many elements')
              }

              obj.ranges.push(Range.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ranges$
              }))
              break
            }
            case 2: {
              obj.more = reader.bool()
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
          ranges: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.ranges != null && obj.ranges === opts.limits.ranges) {
                throw new MaxLengthError('Streaming decode error - repeated field "ranges" had too many elements')
              }

              for (const evt of Range.codec().stream(reader, reader.uint32(), `${prefix}.ranges[]`, {
                limits: opts.limits?.ranges$
              })) {
                yield {
                  ...evt,
                  index: obj.ranges
                }
              }

              obj.ranges++

              break
            }
            case 2: {
              yield {
                field: `${prefix}.more`,
                value: reader.bool()
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

  export interface RangesRangesUpperFieldEvent {
    field: '$.ranges[].upper'
    value: string
    index: number
  }

  export interface RangesRangesKindFieldEvent {
    field: '$.ranges[].kind'
    value: number
    index: number
  }

  export interface RangesRangesFpFieldEvent {
    field: '$.ranges[].fp'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RangesRangesCountFieldEvent {
    field: '$.ranges[].count'
    value: number
    index: number
  }

  export interface RangesRangesEntriesOriginFieldEvent {
    field: '$.ranges[].entries[].origin'
    value: string
    index: number
  }

  export interface RangesRangesEntriesSeqFieldEvent {
    field: '$.ranges[].entries[].seq'
    value: number
    index: number
  }

  export interface RangesRangesEntriesMaxSeenFieldEvent {
    field: '$.ranges[].entries[].maxSeen'
    value: number
    index: number
  }

  export interface RangesMoreFieldEvent {
    field: '$.more'
    value: boolean
  }

  export function encode (obj: Partial<Ranges>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Ranges.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Ranges>): Ranges {
    return decodeMessage(buf, Ranges.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Ranges>): Generator<RangesRangesUpperFieldEvent | RangesRangesKindFieldEvent | RangesRangesFpFieldEvent | RangesRangesCountFieldEvent | RangesRangesEntriesOriginFieldEvent | RangesRangesEntriesSeqFieldEvent | RangesRangesEntriesMaxSeenFieldEvent | RangesMoreFieldEvent> {
    return streamMessage(buf, Ranges.codec(), opts)
  }
}

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

export interface Response {
  records: Uint8Array<ArrayBuffer>[]
  vv: Seq[]
  done: boolean
  full?: boolean
  floors: Seq[]
}

export namespace Response {
  let _codec: Codec<Response>

  export const codec = (): Codec<Response> => {
    if (_codec == null) {
      _codec = message<Response>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.records != null && obj.records.length > 0) {
          for (const value of obj.records) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if (obj.vv != null && obj.vv.length > 0) {
          for (const value of obj.vv) {
            w.uint32(18)
            Seq.codec().encode(value, w)
          }
        }

        if ((obj.done != null && obj.done !== false)) {
          w.uint32(24)
          w.bool(obj.done)
        }

        if (obj.full != null) {
          w.uint32(32)
          w.bool(obj.full)
        }

        if (obj.floors != null && obj.floors.length > 0) {
          for (const value of obj.floors) {
            w.uint32(42)
            Seq.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          records: [],
          vv: [],
          done: false,
          floors: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.records != null && obj.records.length === opts.limits.records) {
                throw new MaxLengthError('Decode error - repeated field "records" had too many elements')
              }

              obj.records.push(reader.bytes())
              break
            }
            case 2: {
              if (opts.limits?.vv != null && obj.vv.length === opts.limits.vv) {
                throw new MaxLengthError('Decode error - repeated field "vv" had too many elements')
              }

              obj.vv.push(Seq.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.vv$
              }))
              break
            }
            case 3: {
              obj.done = reader.bool()
              break
            }
            case 4: {
              obj.full = reader.bool()
              break
            }
            case 5: {
              if (opts.limits?.floors != null && obj.floors.length === opts.limits.floors) {
                throw new MaxLengthError('Decode error - repeated field "floors" had too many elements')
              }

              obj.floors.push(Seq.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.floors$
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
          records: 0,
          vv: 0,
          floors: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.records != null && obj.records === opts.limits.records) {
                throw new MaxLengthError('Streaming decode error - repeated field "records" had too many elements')
              }

              yield {
                field: `${prefix}.records[]`,
                index: obj.records,
                value: reader.bytes()
              }

              obj.records++

              break
            }
            case 2: {
              if (opts.limits?.vv != null && obj.vv === opts.limits.vv) {
                throw new MaxLengthError('Streaming decode error - repeated field "vv" had too many elements')
              }

              for (const evt of Seq.codec().stream(reader, reader.uint32(), `${prefix}.vv[]`, {
                limits: opts.limits?.vv$
              })) {
                yield {
                  ...evt,
                  index: obj.vv
                }
              }

              obj.vv++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.done`,
                value: reader.bool()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.full`,
                value: reader.bool()
              }
              break
            }
            case 5: {
              if (opts.limits?.floors != null && obj.floors === opts.limits.floors) {
                throw new MaxLengthError('Streaming decode error - repeated field "floors" had too many elements')
              }

              for (const evt of Seq.codec().stream(reader, reader.uint32(), `${prefix}.floors[]`, {
                limits: opts.limits?.floors$
              })) {
                yield {
                  ...evt,
                  index: obj.floors
                }
              }

              obj.floors++

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

  export interface ResponseRecordsFieldEvent {
    field: '$.records[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface ResponseVvOriginFieldEvent {
    field: '$.vv[].origin'
    value: string
    index: number
  }

  export interface ResponseVvSeqFieldEvent {
    field: '$.vv[].seq'
    value: number
    index: number
  }

  export interface ResponseDoneFieldEvent {
    field: '$.done'
    value: boolean
  }

  export interface ResponseFullFieldEvent {
    field: '$.full'
    value: boolean
  }

  export interface ResponseFloorsOriginFieldEvent {
    field: '$.floors[].origin'
    value: string
    index: number
  }

  export interface ResponseFloorsSeqFieldEvent {
    field: '$.floors[].seq'
    value: number
    index: number
  }

  export function encode (obj: Partial<Response>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Response.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Response>): Response {
    return decodeMessage(buf, Response.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Response>): Generator<ResponseRecordsFieldEvent | ResponseVvOriginFieldEvent | ResponseVvSeqFieldEvent | ResponseDoneFieldEvent | ResponseFullFieldEvent | ResponseFloorsOriginFieldEvent | ResponseFloorsSeqFieldEvent> {
    return streamMessage(buf, Response.codec(), opts)
  }
}

export interface SyncFrame {
  hello?: Hello
  ranges?: Ranges
  response?: Response
}

export namespace SyncFrame {
  let _codec: Codec<SyncFrame>

  export const codec = (): Codec<SyncFrame> => {
    if (_codec == null) {
      _codec = message<SyncFrame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.hello != null) {
          w.uint32(10)
          Hello.codec().encode(obj.hello, w)
        }

        if (obj.ranges != null) {
          w.uint32(18)
          Ranges.codec().encode(obj.ranges, w)
        }

        if (obj.response != null) {
          w.uint32(26)
          Response.codec().encode(obj.response, w)
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
              obj.hello = Hello.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.hello
              })
              break
            }
            case 2: {
              obj.ranges = Ranges.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ranges
              })
              break
            }
            case 3: {
              obj.response = Response.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.response
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
              yield * Hello.codec().stream(reader, reader.uint32(), `${prefix}.hello`, {
                limits: opts.limits?.hello
              })

              break
            }
            case 2: {
              yield * Ranges.codec().stream(reader, reader.uint32(), `${prefix}.ranges`, {
                limits: opts.limits?.ranges
              })

              break
            }
            case 3: {
              yield * Response.codec().stream(reader, reader.uint32(), `${prefix}.response`, {
                limits: opts.limits?.response
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

  export interface SyncFrameHelloDigestFieldEvent {
    field: '$.hello.digest'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncFrameHelloSameFieldEvent {
    field: '$.hello.same'
    value: boolean
  }

  export interface SyncFrameRangesRangesUpperFieldEvent {
    field: '$.ranges.ranges[].upper'
    value: string
    index: number
  }

  export interface SyncFrameRangesRangesKindFieldEvent {
    field: '$.ranges.ranges[].kind'
    value: number
    index: number
  }

  export interface SyncFrameRangesRangesFpFieldEvent {
    field: '$.ranges.ranges[].fp'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncFrameRangesRangesCountFieldEvent {
    field: '$.ranges.ranges[].count'
    value: number
    index: number
  }

  export interface SyncFrameRangesRangesEntriesOriginFieldEvent {
    field: '$.ranges.ranges[].entries[].origin'
    value: string
    index: number
  }

  export interface SyncFrameRangesRangesEntriesSeqFieldEvent {
    field: '$.ranges.ranges[].entries[].seq'
    value: number
    index: number
  }

  export interface SyncFrameRangesRangesEntriesMaxSeenFieldEvent {
    field: '$.ranges.ranges[].entries[].maxSeen'
    value: number
    index: number
  }

  export interface SyncFrameRangesMoreFieldEvent {
    field: '$.ranges.more'
    value: boolean
  }

  export interface SyncFrameResponseRecordsFieldEvent {
    field: '$.response.records[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncFrameResponseVvOriginFieldEvent {
    field: '$.response.vv[].origin'
    value: string
    index: number
  }

  export interface SyncFrameResponseVvSeqFieldEvent {
    field: '$.response.vv[].seq'
    value: number
    index: number
  }

  export interface SyncFrameResponseDoneFieldEvent {
    field: '$.response.done'
    value: boolean
  }

  export interface SyncFrameResponseFullFieldEvent {
    field: '$.response.full'
    value: boolean
  }

  export interface SyncFrameResponseFloorsOriginFieldEvent {
    field: '$.response.floors[].origin'
    value: string
    index: number
  }

  export interface SyncFrameResponseFloorsSeqFieldEvent {
    field: '$.response.floors[].seq'
    value: number
    index: number
  }

  export function encode (obj: Partial<SyncFrame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SyncFrame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncFrame>): SyncFrame {
    return decodeMessage(buf, SyncFrame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncFrame>): Generator<SyncFrameHelloDigestFieldEvent | SyncFrameHelloSameFieldEvent | SyncFrameRangesRangesUpperFieldEvent | SyncFrameRangesRangesKindFieldEvent | SyncFrameRangesRangesFpFieldEvent | SyncFrameRangesRangesCountFieldEvent | SyncFrameRangesRangesEntriesOriginFieldEvent | SyncFrameRangesRangesEntriesSeqFieldEvent | SyncFrameRangesRangesEntriesMaxSeenFieldEvent | SyncFrameRangesMoreFieldEvent | SyncFrameResponseRecordsFieldEvent | SyncFrameResponseVvOriginFieldEvent | SyncFrameResponseVvSeqFieldEvent | SyncFrameResponseDoneFieldEvent | SyncFrameResponseFullFieldEvent | SyncFrameResponseFloorsOriginFieldEvent | SyncFrameResponseFloorsSeqFieldEvent> {
    return streamMessage(buf, SyncFrame.codec(), opts)
  }
}
