/**
 * The vocabulary every membership source shares: the `m.room.member` membership values, and
 * room statuses: what a source knows about a room beyond its joined members, so callers can
 * tell "this server left", "unknown room" and "member list incomplete (partial state)" apart
 * from "empty".
 *
 * @example
 * ```ts
 * import { isRoomStatusSource } from '@presence-router/membership';
 *
 * if (isRoomStatusSource(source)) {
 *   const statuses = await source.getRoomStatuses(['!a:hs.example']);
 *   statuses.get('!a:hs.example'); // { status: 'participating', joinedCount: 12 }
 * }
 * ```
 * @module
 */

/** A Matrix `m.room.member` membership value. */
export type Membership = 'join' | 'leave' | 'ban' | 'invite' | 'knock';

/**
 * How this server stands with a room:
 * - `participating`: at least one local user is joined; the member list is complete;
 * - `partial-state`: a local user is joined but the member list is still incomplete (a
 *   "faster join" in progress): members are answered, but some may be missing;
 * - `left`: the room is known but no local user is joined any more; not answered;
 * - `unknown`: the source has never heard of the room; not answered.
 */
export type RoomStatusKind = 'participating' | 'partial-state' | 'left' | 'unknown';

/** What a source knows about one room. */
export interface RoomStatus {
  readonly status: RoomStatusKind;
  /**
   * Joined members the source answers for this room: the length of its
   * `getJoinedMembers` entry, and `0` for `left` and `unknown` rooms.
   */
  readonly joinedCount: number;
}

/**
 * An optional extension of `MembershipSource`: statuses of rooms. Every requested room has an
 * entry in the answer (`unknown` included).
 */
export interface RoomStatusSource {
  getRoomStatuses(roomIds: readonly string[]): Promise<ReadonlyMap<string, RoomStatus>>;
}

/** Whether `source` implements {@link RoomStatusSource}. */
export function isRoomStatusSource(source: unknown): source is RoomStatusSource {
  return (
    typeof source === 'object' &&
    source !== null &&
    typeof (source as { getRoomStatuses?: unknown }).getRoomStatuses === 'function'
  );
}
