/**
 * `@presence-router/membership`: where room members come from. Implementations of core's
 * `MembershipSource`: in memory, over a Synapse database (SQLite or PostgreSQL), over
 * Matrix HTTP APIs, plus a cache with invalidation.
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

export type { MembershipDeltaLike } from './cache/cache-invalidation.ts';
export { invalidateOnChanges, invalidateOnDelta } from './cache/cache-invalidation.ts';
export type {
  CachedMembershipOptions,
  CacheErrorEvent,
  CacheStats,
  MembershipInvalidation,
} from './cache/cached-membership.ts';
export { CachedMembership } from './cache/cached-membership.ts';
export type {
  PartialFailurePolicy,
  SettledLookup,
  SettledMembershipSource,
} from './cache/settled-lookup.ts';
export { isSettledMembershipSource } from './cache/settled-lookup.ts';
export type { DeltaStreamPollerOptions, MembershipDelta } from './delta-stream-poller.ts';
export { DeltaStreamPoller } from './delta-stream-poller.ts';
export type { MembershipErrorCode } from './errors.ts';
export { MembershipError } from './errors.ts';
export type { MatrixHttpAuth, MatrixHttpMembershipOptions } from './http/joined-members-http.ts';
export { MatrixHttpMembership } from './http/joined-members-http.ts';
export type {
  MatrixHttpClientOptions,
  MatrixResponse,
  RequestSubject,
} from './http/matrix-http-client.ts';
export { MatrixHttpClient } from './http/matrix-http-client.ts';
export type { RetryOptions } from './http/retry-policy.ts';
export type {
  InMemoryMembershipOptions,
  MembershipChange,
  MembershipChangeListener,
} from './in-memory-membership.ts';
export { InMemoryMembership } from './in-memory-membership.ts';
export type { LookupDeadlineOptions } from './lookup-deadline.ts';
export { withLookupDeadline } from './lookup-deadline.ts';
export type { Membership, RoomStatus, RoomStatusKind, RoomStatusSource } from './room-status.ts';
export {
  checkRoomId,
  checkUserId,
  isAnswered,
  isMembership,
  isRoomStatusSource,
  MEMBERSHIPS,
  ROOM_STATUS_KINDS,
} from './room-status.ts';
export type { DatabaseFileChange, SqlDialect, SqlDriver, SqlParam } from './sql/sql-driver.ts';
export type {
  FixtureDatabase,
  MemberEventOptions,
  SynapseFixtureWriterOptions,
} from './synapse-fixture-writer.ts';
export { createSynapseSchema, SynapseFixtureWriter } from './synapse-fixture-writer.ts';
export type { SynapseSqlOptions } from './synapse-sql.ts';
export { SynapseSqlMembership } from './synapse-sql.ts';
