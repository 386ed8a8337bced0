// Public surface of the membership module: the pure SWIM + Lifeguard state machine, its wire
// format (/murmur/swim/3.0.0), claim signatures and network coordinates.

export { type ClaimSigner, type ClaimVerifier, ed25519Signer, ed25519Verifier } from './claims.js'
export * from './limits.js'
export { type MemberFilterSpec, memberFilter, memberFilterSchema } from './member-filter.js'
export type * from './messages.js'
export { activeViewSize } from './overlay.js'
export { type DropReason, type ListFilter, type SelfInfo, Swim, type SwimInit } from './swim.js'
export { DEFAULT_SWIM_OPTIONS, type SwimOptions } from './swim-options.js'
export { nameSchema, tagsSchema } from './tags.js'
export * from './types.js'
export { decodePacket, encodePacket } from './wire.js'
