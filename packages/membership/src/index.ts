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

export type { DeltaStreamPollerOptions, MembershipDelta } from './delta-stream-poller.ts';
export { DeltaStreamPoller } from './delta-stream-poller.ts';
export type { MembershipErrorCode } from './errors.ts';
export { MembershipError } from './errors.ts';
export type {
  InMemoryMembershipOptions,
  MembershipChange,
  MembershipChangeListener,
} from './in-memory-membership.ts';
export { InMemoryMembership } from './in-memory-membership.ts';
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
export type { SqlDialect, SqlDriver, SqlParam } from './sql/sql-driver.ts';
export type {
  FixtureDatabase,
  MemberEventOptions,
  SynapseFixtureWriterOptions,
} from './synapse-fixture-writer.ts';
export { createSynapseSchema, SynapseFixtureWriter } from './synapse-fixture-writer.ts';
export type { SynapseSqlOptions } from './synapse-sql.ts';
export { SynapseSqlMembership } from './synapse-sql.ts';
