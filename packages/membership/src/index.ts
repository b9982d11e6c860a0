/**
 * `@presence-router/membership`: where room members come from. Implementations of core's
 * `MembershipSource` that load nothing beyond core: in memory, over Matrix HTTP APIs, a cache
 * with invalidation, a deadline for any source; their errors and room statuses. It imports no
 * `node:` module, no SQL driver and no native module.
 *
 * Two more entry points: `@presence-router/membership/synapse` reads a Synapse database
 * (SQLite or PostgreSQL, drivers installed separately), `@presence-router/membership/testing`
 * writes Synapse-shaped test data.
 *
 * @example
 * ```ts
 * import { InMemoryMembership } from '@presence-router/membership';
 *
 * const membership = new InMemoryMembership({ serverName: 'hs.example' });
 * membership.join('!room:hs.example', '@alice:hs.example');
 * const members = await membership.getJoinedMembers(['!room:hs.example']);
 * members.get('!room:hs.example'); // ['@alice:hs.example']
 * ```
 * @module
 */

/** Connects a change feed (`InMemoryMembership#onChange`) to a cache's invalidation. */
export { invalidateOnChanges } from './cache/cache-invalidation.ts';
/** Options, `onError` events, statistics and invalidations of {@link CachedMembership}. */
export type {
  CachedMembershipOptions,
  CacheErrorEvent,
  CacheStats,
  MembershipInvalidation,
} from './cache/cached-membership.ts';
/** A bounded, coalescing, stale-on-error cache in front of any membership source. */
export { CachedMembership } from './cache/cached-membership.ts';
/** The codes of {@link MembershipError}. */
export type { MembershipErrorCode } from './errors.ts';
/** The error of every membership source (a core `PresenceRouterError`). */
export { MembershipError } from './errors.ts';
/** A membership source over a homeserver's client-server or Synapse admin API. */
export { MatrixHttpMembership } from './http/matrix-http-membership.ts';
/** Credentials, options and retry settings of {@link MatrixHttpMembership}. */
export type {
  MatrixHttpAuth,
  MatrixHttpMembershipOptions,
  RetryOptions,
} from './http/matrix-http-options.ts';
/** Options and change events of {@link InMemoryMembership}. */
export type {
  InMemoryMembershipOptions,
  MembershipChange,
  MembershipChangeListener,
} from './in-memory-membership.ts';
/** A membership source held in memory, changed by method calls, with a change feed. */
export { InMemoryMembership } from './in-memory-membership.ts';
/** Options of {@link withLookupDeadline}. */
export type { LookupDeadlineOptions } from './lookup-deadline.ts';
/** Any source as a settled source whose calls settle within a deadline. */
export { withLookupDeadline } from './lookup-deadline.ts';
/** What plain calls do when some keys of a batch failed (`'reject'` or `'omit'`). */
export type { PartialFailurePolicy } from './partial-failure-policy.ts';
/** MSC4495 room hints (`m.room.presence_sharing`): the optional source extension. */
export type {
  PresenceSharingHint,
  PresenceSharingHintSource,
} from './presence-sharing-hints.ts';
/** The hint event types (stable, unstable) and whether a source answers hints. */
export {
  isPresenceSharingHintSource,
  PRESENCE_SHARING_EVENT_TYPES,
} from './presence-sharing-hints.ts';
/** Membership values and room statuses (`participating`, `partial-state`, `left`, `unknown`). */
export type { Membership, RoomStatus, RoomStatusKind, RoomStatusSource } from './room-status.ts';
/** Whether a source answers `getRoomStatuses`. */
export { isRoomStatusSource } from './room-status.ts';
