/**
 * `MembershipSource`: where room members come from. Batched and asynchronous, so one
 * round trip answers many rooms or users. Adapters live in `@presence-router/membership`.
 *
 * @example
 * ```ts
 * const members = await source.getJoinedMembers(['!a:hs', '!b:hs']);
 * members.get('!a:hs'); // ['@alice:hs', '@bob:other'] — or undefined: not participating
 * ```
 * @module
 */

/** A batched, asynchronous view of room membership as seen by one homeserver. */
export interface MembershipSource {
  /**
   * Joined members of each given room. Rooms this server does not participate in (no local
   * user joined; unknown; left) are absent from the result.
   *
   * Return the same array instance for a room whose members have not changed: the routing
   * engine caches its integer-interned copy of each member list by array identity.
   */
  getJoinedMembers(roomIds: readonly string[]): Promise<ReadonlyMap<string, readonly string[]>>;

  /**
   * Rooms each given user is joined to, among the rooms this server participates in. Users
   * in no room may be absent or map to an empty array.
   */
  getRoomsForUsers(userIds: readonly string[]): Promise<ReadonlyMap<string, readonly string[]>>;
}
