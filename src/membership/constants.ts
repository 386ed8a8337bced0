// Defaults and wire limits for the membership protocol. Limits bound what one peer
// can make every other peer store, so they apply both to decoding and to self updates.

export interface MembershipOptions {
  /** How often self publishes an `alive` heartbeat. */
  heartbeatIntervalMs: number
  /** No heartbeat for this long: ask the adapter to ping the member. */
  suspectAfterMs: number
  /** A member still suspect this long after it became suspect is declared dead. */
  suspicionTimeoutMs: number
  /** Dead or left members are removed from the table this long after entering that status. */
  reapAfterMs: number
}

export const DEFAULT_MEMBERSHIP_OPTIONS: Readonly<MembershipOptions> = Object.freeze({
  heartbeatIntervalMs: 1000,
  suspectAfterMs: 3000,
  suspicionTimeoutMs: 5000,
  reapAfterMs: 24 * 60 * 60 * 1000,
})

export const WIRE_VERSION = 1
export const MAX_MESSAGE_BYTES = 64 * 1024
export const MAX_ID_CHARS = 128
export const MAX_NAME_BYTES = 128
export const MAX_TAGS = 64
export const MAX_TAG_KEY_BYTES = 128
export const MAX_TAG_VALUE_BYTES = 512
export const MAX_ADDRS = 32
export const MAX_ADDR_CHARS = 256
