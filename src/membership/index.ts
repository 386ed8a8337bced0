// Public surface of the membership module.

export { decodeMemberMessage, encodeMemberMessage, tagsSchema, validateMemberMessage } from './codec.js'
export * from './constants.js'
export { type ListFilter, Membership, type MembershipInit, type SelfInfo } from './membership.js'
export { speakerOf, statusOf, supersedes } from './precedence.js'
export * from './types.js'
