// Wire limits of membership protocol v3. They bound what one peer can make another hold, so they
// apply to decoding, to self updates and to what self relays.

export const SWIM_PROTOCOL = '/murmur/swim/3.0.0'
/** First byte of every v3 packet. */
export const SWIM_WIRE_VERSION = 3
/** Earlier membership protocols: a peer that offers one is refused with a clear warning. */
export const OLD_SWIM_PROTOCOLS = ['/murmur/swim/2.0.0'] as const

export const MAX_PACKET_BYTES = 64 * 1024
export const MAX_UPDATES_PER_PACKET = 1024
/**
 * Incarnations start near Date.now() (about 2^41) and grow by one per refutation or update, so a
 * member never reaches this bound; claims above it are rejected, not wrapped.
 */
export const MAX_INCARNATION = 2 ** 52
/** Probe and push-pull sequence numbers are u32 and wrap: they only match answers to questions. */
export const MAX_SEQ = 2 ** 32 - 1
/** Push-pull buckets: a power of two, at most this many. */
export const MAX_BUCKETS = 1024
/** A member table larger than this is refused (bounds memory against a flood of joins). */
export const MAX_MEMBERS = 100_000
export const MAX_NAME_BYTES = 128
export const MAX_TAGS = 64
export const MAX_TAG_KEY_BYTES = 128
export const MAX_TAG_VALUE_BYTES = 512
export const MAX_ADDRS = 32
export const MAX_ADDR_CHARS = 256
export const SIGNATURE_BYTES = 64
/**
 * Largest magnitude (s) of a coordinate component, height or adjustment on the wire. Round trips
 * above 10 s are never sampled (coords.ts), so no honest coordinate comes near it.
 */
export const MAX_COORD_SECONDS = 10
/**
 * Coordinates of other members on one push-pull digest. A constant, so the bytes each member
 * spends on spreading coordinates do not grow with N (the push-pull interval even grows with it).
 */
export const MAX_SYNC_COORDS = 32
/** Age (s) of a coordinate on a digest; older ones travel as this old. */
export const MAX_COORD_AGE_S = 86_400
