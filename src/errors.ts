// Typed errors with stable codes. Tests and clients check `code`, never the message.

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'DATA_DIR_LOCKED'
  | 'STORE_CORRUPT'
  | 'NO_AGENT'
  | 'ADMIN_PROTOCOL'
  | 'INVALID_INPUT'
  | 'NOT_FOUND'
  | 'TOO_LARGE'
  | 'DIAL_FAILED'
  | 'SWARM_KEY_MISMATCH'
  | 'SHUTTING_DOWN'
  | 'SNAPSHOT_INVALID'
  | 'STATE_NOT_EMPTY'
  | 'IO_FAILED'
  | 'INTERNAL'

export class MurmurError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string) {
    super(message)
    this.code = code
    this.name = 'MurmurError'
  }
}

/** Thrown when the config file, environment or flags hold an unknown key or a bad value. */
export class ConfigError extends MurmurError {
  constructor(message: string) {
    super('CONFIG_INVALID', message)
    this.name = 'ConfigError'
  }
}

/** Thrown when a live agent already owns the data directory. */
export class DataDirLockedError extends MurmurError {
  constructor(message: string) {
    super('DATA_DIR_LOCKED', message)
    this.name = 'DataDirLockedError'
  }
}

/** Thrown when the on-disk store cannot be read back safely. */
export class StoreCorruptError extends MurmurError {
  constructor(message: string) {
    super('STORE_CORRUPT', message)
    this.name = 'StoreCorruptError'
  }
}

/** Thrown by clients when no agent listens on the admin socket. */
export class NoAgentError extends MurmurError {
  constructor(socketPath: string) {
    super('NO_AGENT', `no murmur agent at ${socketPath}: is it running?`)
    this.name = 'NoAgentError'
  }
}

/** Thrown when input from a client, a peer or a user breaks a documented rule. */
export class InvalidInputError extends MurmurError {
  constructor(message: string) {
    super('INVALID_INPUT', message)
    this.name = 'InvalidInputError'
  }
}

/** Thrown when input exceeds a documented size limit. */
export class TooLargeError extends MurmurError {
  constructor(message: string) {
    super('TOO_LARGE', message)
    this.name = 'TooLargeError'
  }
}

/** Thrown when a requested key, set or counter does not exist. */
export class NotFoundError extends MurmurError {
  constructor(message: string) {
    super('NOT_FOUND', message)
    this.name = 'NotFoundError'
  }
}

/** Why a snapshot file was refused (docs/storage.md, "Snapshots"); stable like the codes. */
export type SnapshotProblem = 'foreign' | 'damaged' | 'newer' | 'invalid'

/**
 * A snapshot file that cannot be restored: not a murmur snapshot (`foreign`), truncated or failing
 * its checksum (`damaged`), of a format this murmur cannot read (`newer`), or intact but holding
 * an entry murmur would not write (`invalid`, e.g. a record whose signature does not verify).
 */
export class SnapshotError extends MurmurError {
  readonly problem: SnapshotProblem
  constructor(problem: SnapshotProblem, message: string) {
    super('SNAPSHOT_INVALID', message)
    this.problem = problem
    this.name = 'SnapshotError'
  }
}

/** A restore into a store that holds replicated state already, without `--force`. */
export class StateNotEmptyError extends MurmurError {
  constructor(message: string) {
    super('STATE_NOT_EMPTY', message)
    this.name = 'StateNotEmptyError'
  }
}

/** A file could not be written or read (disk full, permission denied, I/O error). */
export class IoFailedError extends MurmurError {
  constructor(message: string) {
    super('IO_FAILED', message)
    this.name = 'IoFailedError'
  }
}

/** A connection's peer encrypts with another swarm key, or none: it is not in this private mesh. */
export class SwarmKeyMismatchError extends MurmurError {
  constructor(remoteAddr: string) {
    super(
      'SWARM_KEY_MISMATCH',
      `swarm key mismatch: the peer at ${remoteAddr} uses a different swarm key, or none`,
    )
    this.name = 'SwarmKeyMismatchError'
  }
}

/**
 * A peer we dialled hung up in the private-mesh handshake, after the nonces and before its first
 * bytes under the key: it could not decrypt ours, so it holds another swarm key, or none.
 */
export class SwarmKeyRefusedError extends MurmurError {
  constructor(remoteAddr: string) {
    super(
      'SWARM_KEY_MISMATCH',
      `the peer at ${remoteAddr} refused our swarm key: it hung up in the private-mesh handshake, so it uses a different swarm key, or none`,
    )
    this.name = 'SwarmKeyRefusedError'
  }
}

/**
 * An inbound connection did not prove the swarm key (or, open, its peer id) in time, and is closed.
 * Never reaches an admin client, so not one of the admin protocol's codes.
 */
export class PreAuthTimeoutError extends Error {
  readonly code = 'PREAUTH_TIMEOUT'
  constructor(remoteAddr: string) {
    super(`the peer at ${remoteAddr} did not authenticate within the deadline`)
    this.name = 'PreAuthTimeoutError'
  }
}
