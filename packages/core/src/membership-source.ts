/**
 * `MembershipSource`: where room members come from. Batched and asynchronous, so one
 * round trip answers many rooms or users. Adapters live in `@presence-router/membership`.
 *
 * A source that can fail for one room and succeed for the others (one HTTP request per room,
 * a cache serving what it has) also implements {@link SettledMembershipSource}: its
 * `*Settled` methods answer every key that worked and list the others in `errors`. The
 * router uses them when present, so one failing room does not fail a whole batch.
 *
 * @example
 * ```ts
 * const members = await source.getJoinedMembers(['!a:hs', '!b:hs']);
 * members.get('!a:hs'); // ['@alice:hs', '@bob:other'] — or undefined: not participating
 * if (isSettledMembershipSource(source)) {
 *   const { found, errors } = await source.getJoinedMembersSettled(['!a:hs', '!b:hs']);
 * }
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

/** The answer of a batched lookup that may fail for some keys only. */
export interface SettledLookup<E extends Error = Error> {
  /** Room -> joined members (or user -> rooms) for every key that was answered. */
  readonly found: ReadonlyMap<string, readonly string[]>;
  /** Keys whose lookup failed, with the reason. A key is in `found` or `errors`, not both. */
  readonly errors: ReadonlyMap<string, E>;
}

/**
 * A {@link MembershipSource} that reports failures per key. The `*Settled` methods reject
 * only for failures of the whole batch (invalid IDs, rejected credentials, closed source).
 */
export interface SettledMembershipSource extends MembershipSource {
  /** Like `getJoinedMembers`, with failed rooms in `errors` instead of a rejection. */
  getJoinedMembersSettled(roomIds: readonly string[]): Promise<SettledLookup>;
  /** Like `getRoomsForUsers`, with failed users in `errors` instead of a rejection. */
  getRoomsForUsersSettled(userIds: readonly string[]): Promise<SettledLookup>;
}

/** Whether `source` implements {@link SettledMembershipSource}. */
export function isSettledMembershipSource(source: unknown): source is SettledMembershipSource {
  if (typeof source !== 'object' || source === null) return false;
  const candidate = source as Partial<SettledMembershipSource>;
  return (
    typeof candidate.getJoinedMembersSettled === 'function' &&
    typeof candidate.getRoomsForUsersSettled === 'function'
  );
}
