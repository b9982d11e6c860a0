/**
 * {@link invalidateOnDelta}: the `onDelta` callback of the `DeltaStreamPoller` that keeps a
 * `CachedMembership` in step with a Synapse database. Every room and user of a delta is
 * invalidated. A room listed in `localChangeRooms` (a local user's membership changed there)
 * may also have started or stopped being participated in, which changes the room lists of
 * all its members: those rooms are reloaded at once, and when participation flipped (or
 * cannot be told), the room lists of its old and new members are invalidated too. Ordinary
 * local joins and leaves cost one reload of the room, which the next fan-out would have done
 * anyway. A delta with `reset: true` (the poller reopened a replaced database file, or the
 * stream went back) clears the whole cache: nothing cached from before can be trusted.
 *
 * @example
 * ```ts
 * import { CachedMembership } from '@presence-router/membership';
 * import { DeltaStreamPoller, invalidateOnDelta, SynapseSqlMembership } from '@presence-router/membership/synapse';
 *
 * const sql = await SynapseSqlMembership.open({ sqlitePath: '/data/homeserver.db' });
 * const cache = new CachedMembership(sql, { ttlMs: Number.POSITIVE_INFINITY });
 * const poller = new DeltaStreamPoller({
 *   driver: sql.driver,
 *   serverName: 'hs.example',
 *   onDelta: invalidateOnDelta(cache),
 * });
 * await poller.start();
 * ```
 * @module
 */
import type { CachedMembership } from '../cache/cached-membership.ts';

/** The part of the poller's `MembershipDelta` that {@link invalidateOnDelta} reads. */
export interface MembershipDeltaLike {
  readonly rooms: Iterable<string>;
  readonly users: Iterable<string>;
  /** Rooms where a local user's membership changed (participation may have flipped). */
  readonly localChangeRooms?: Iterable<string>;
  /** Everything may have changed: drop every cached answer. */
  readonly reset?: boolean;
}

/** An `onDelta` callback that keeps `cache` in step; see the module documentation. */
export function invalidateOnDelta(
  cache: CachedMembership,
): (delta: MembershipDeltaLike) => Promise<void> {
  return async (delta) => {
    if (delta.reset === true) {
      cache.clear();
      return;
    }
    const localRooms = [...new Set(delta.localChangeRooms ?? [])];
    const before = new Map(localRooms.map((roomId) => [roomId, cache.peekRoom(roomId)]));
    cache.invalidate({ rooms: delta.rooms, users: delta.users });
    if (localRooms.length === 0) return;
    const after = await cache.reloadRooms(localRooms);
    for (const roomId of localRooms) {
      const old = before.get(roomId);
      const now = after.errors.has(roomId) ? undefined : (after.found.get(roomId) ?? null);
      const unchanged = old !== undefined && now !== undefined && (old === null) === (now === null);
      if (unchanged) continue;
      // Users who had the room in their list (it may have gone from all of them) ...
      cache.invalidateUsersListing(roomId);
      for (const list of [old, now]) {
        if (Array.isArray(list)) for (const userId of list) cache.invalidateUser(userId);
      }
      // ... and, when the new members cannot be known, every user's list.
      if (now === undefined && !Array.isArray(old)) cache.invalidateAllUsers();
    }
  };
}
