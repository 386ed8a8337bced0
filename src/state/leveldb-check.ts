// Checks of a LevelDB directory that LevelDB itself skips. classic-level 3 does not pass
// `paranoid_checks` (nor `verify_checksums`) to LevelDB, so on open LevelDB silently drops a
// damaged write-ahead log, and with CURRENT missing it creates a new, empty database (and then
// deletes the old tables as obsolete). These checks run before and just after open and turn such
// damage into a StoreCorruptError naming the file. Formats: LevelDB's doc/log_format.md and
// doc/table_format.md.
import { open, readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { StoreCorruptError } from '../errors.js'

const BLOCK_SIZE = 32768
const HEADER_SIZE = 7
const RECORD_FULL = 1
const RECORD_FIRST = 2
// 3 is a MIDDLE fragment: neither starts nor ends a record.
const RECORD_LAST = 4
const TABLE_FOOTER_SIZE = 48
const TABLE_MAGIC_LO = 0x8b80fb57
const TABLE_MAGIC_HI = 0xdb477524

export interface DirCheck {
  /** The directory existed. */
  exists: boolean
  /** It held tables or a non-empty log: a store that was written to, never to be recreated empty. */
  hasData: boolean
  /** Table files present before open; checked again after open (see checkTables). */
  tables: string[]
  /** Recoverable findings worth a warning (a torn log tail). */
  notes: string[]
}

/** Runs before LevelDB opens `path`; throws StoreCorruptError naming the damaged file. */
export async function checkBeforeOpen(path: string): Promise<DirCheck> {
  let names: string[]
  try {
    names = await readdir(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return { exists: false, hasData: false, tables: [], notes: [] }
    throw new StoreCorruptError(`store ${path} is unreadable: ${(err as Error).message}`)
  }
  const tables = names.filter((n) => /^\d+\.(ldb|sst)$/.test(n))
  const logs = names.filter((n) => /^\d+\.log$/.test(n))
  let hasData = tables.length > 0
  for (const log of logs) if ((await stat(join(path, log))).size > 0) hasData = true

  const notes: string[] = []
  const currentPath = join(path, 'CURRENT')
  let current: string
  try {
    current = await readFile(currentPath, 'latin1')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw unreadable(currentPath, err)
    if (hasData) {
      throw new StoreCorruptError(
        `store file ${currentPath} is missing but the store holds data; LevelDB would start an empty store. Restore the data directory from a backup`,
      )
    }
    // A store whose creation was interrupted before its first write: nothing to lose.
    return { exists: true, hasData, tables, notes }
  }
  const manifest = /^(MANIFEST-\d+)\n$/.exec(current)?.[1]
  if (!manifest) {
    throw new StoreCorruptError(`store file ${currentPath} is corrupt: it does not name a MANIFEST file`)
  }
  const manifestPath = join(path, manifest)
  let bytes: Buffer
  try {
    bytes = await readFile(manifestPath)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new StoreCorruptError(`store file ${manifestPath} (named by CURRENT) is missing`)
    }
    throw unreadable(manifestPath, err)
  }
  const torn = checkLogBytes(manifestPath, bytes)
  if (torn > 0)
    notes.push(`store file ${manifestPath} ends in a torn record (${torn} bytes); LevelDB ignores it`)
  for (const log of logs) {
    const logPath = join(path, log)
    const tornLog = checkLogBytes(logPath, await readFile(logPath))
    if (tornLog > 0) {
      notes.push(
        `store file ${logPath} ends in a torn record (${tornLog} bytes), as a crash in the middle of a write leaves it: the records before it are recovered, the torn one (a write never acknowledged) is dropped`,
      )
    }
  }
  return { exists: true, hasData, tables, notes }
}

/**
 * Verifies a LevelDB log file (write-ahead log or MANIFEST): every record's header and CRC32C,
 * and the order of fragments. A record cut short at the end of the file is what a crash in the
 * middle of a write leaves; LevelDB drops it, and so do we (returns its size). Anything else is
 * corruption: LevelDB would skip it, silently losing acknowledged writes.
 */
export function checkLogBytes(file: string, buf: Uint8Array): number {
  const corrupt = (pos: number, why: string) =>
    new StoreCorruptError(`store file ${file} is corrupt at byte ${pos}: ${why}`)
  const size = buf.length
  let pos = 0
  let fragmentStart = -1
  while (pos < size) {
    const blockLeft = BLOCK_SIZE - (pos % BLOCK_SIZE)
    const blockEnd = Math.min(pos + blockLeft, size)
    if (blockLeft < HEADER_SIZE) {
      // The writer pads the last bytes of a block, too short for a header, with zeros.
      if (!allZero(buf, pos, blockEnd)) throw corrupt(pos, 'non-zero block trailer')
      pos = blockEnd
      continue
    }
    if (size - pos < HEADER_SIZE) return tornFrom(fragmentStart, pos, size)
    const crc = readU32(buf, pos)
    const length = (buf[pos + 4] ?? 0) | ((buf[pos + 5] ?? 0) << 8)
    const type = buf[pos + 6] ?? 0
    if (type === 0 && length === 0 && crc === 0) {
      // Zeroed space (pre-allocation, or a file extended by the file system after a crash).
      if (!allZero(buf, pos, blockEnd)) throw corrupt(pos, 'garbage after zero padding')
      pos = blockEnd
      continue
    }
    if (type < RECORD_FULL || type > RECORD_LAST) throw corrupt(pos, `unknown record type ${type}`)
    if (HEADER_SIZE + length > blockLeft)
      throw corrupt(pos, `record length ${length} crosses a block boundary`)
    if (pos + HEADER_SIZE + length > size) return tornFrom(fragmentStart, pos, size)
    if (maskCrc(crc32c(buf, pos + 6, pos + HEADER_SIZE + length)) !== crc)
      throw corrupt(pos, 'checksum mismatch')
    if (type === RECORD_FULL || type === RECORD_FIRST) {
      if (fragmentStart >= 0) throw corrupt(pos, 'a record starts before the previous one ended')
      if (type === RECORD_FIRST) fragmentStart = pos
    } else {
      if (fragmentStart < 0) throw corrupt(pos, 'a record continues that never started')
      if (type === RECORD_LAST) fragmentStart = -1
    }
    pos += HEADER_SIZE + length
  }
  return fragmentStart >= 0 ? size - fragmentStart : 0
}

function tornFrom(fragmentStart: number, pos: number, size: number): number {
  return size - (fragmentStart >= 0 ? fragmentStart : pos)
}

/**
 * Runs after open, when LevelDB has deleted obsolete files (such as a table a crashed compaction
 * left half-written): every table present before open that still exists must end in a table
 * footer. Catches truncated and overwritten tables up front, with their name.
 */
export async function checkTables(path: string, tables: string[]): Promise<void> {
  for (const name of tables) {
    const file = join(path, name)
    let fh: Awaited<ReturnType<typeof open>>
    try {
      fh = await open(file, 'r')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue // compacted away meanwhile
      throw unreadable(file, err)
    }
    try {
      const { size } = await fh.stat()
      if (size < TABLE_FOOTER_SIZE)
        throw new StoreCorruptError(`store file ${file} is corrupt: truncated (${size} bytes)`)
      const magic = Buffer.alloc(8)
      await fh.read(magic, 0, 8, size - 8)
      if (magic.readUInt32LE(0) !== TABLE_MAGIC_LO || magic.readUInt32LE(4) !== TABLE_MAGIC_HI) {
        throw new StoreCorruptError(
          `store file ${file} is corrupt: not a complete LevelDB table (truncated or overwritten)`,
        )
      }
    } finally {
      await fh.close()
    }
  }
}

function unreadable(file: string, err: unknown): StoreCorruptError {
  return new StoreCorruptError(`store file ${file} is unreadable: ${(err as Error).message}`)
}

function allZero(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== 0) return false
  return true
}

function readU32(buf: Uint8Array, pos: number): number {
  return (
    ((buf[pos] ?? 0) |
      ((buf[pos + 1] ?? 0) << 8) |
      ((buf[pos + 2] ?? 0) << 16) |
      ((buf[pos + 3] ?? 0) << 24)) >>>
    0
  )
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let i = 0; i < 256; i++) {
    let c = i
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
    t[i] = c >>> 0
  }
  return t
})()

/** CRC-32C (Castagnoli), as LevelDB computes it. */
export function crc32c(buf: Uint8Array, from = 0, to = buf.length): number {
  let c = 0xffffffff
  for (let i = from; i < to; i++) c = (CRC_TABLE[(c ^ (buf[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** LevelDB stores CRCs masked, so a CRC of data that holds CRCs does not degenerate. */
function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0
}
