/**
 * Connects change feeds to a `CachedMembership`, so cached answers follow the source.
 *
 * - {@link invalidateOnChanges}: a feed that names the rooms and users whose answers changed
 *   (`InMemoryMembership#onChange`): exactly those are invalidated.
 * - {@link invalidateOnDelta}: the `onDelta` callback for the SQL adapter's
 *   `DeltaStreamPoller`. Every room and user of a delta is invalidated. A room listed in
 *   `localChangeRooms` (a local user's membership changed there) may also have started or
 *   stopped being participated in, which changes the room lists of all its members: those
 *   rooms are reloaded at once, and when participation flipped (or cannot be told), the room
 *   lists of its old and new members are invalidated too. Ordinary local joins and leaves
 *   cost one reload of the room, which the next fan-out would have done anyway. A delta with
 *   `reset: true` (the poller reopened a replaced database file, or the stream went back)
 *   clears the whole cache: nothing cached from before can be trusted.
 *
 * @example
 * ```ts
 * const poller = new DeltaStreamPoller({
 *   driver: sqlMembership.driver,
 *   serverName: 'hs.example',
 *   onDelta: invalidateOnDelta(cache),
 * });
 * await poller.start();
 *
 * const stop = invalidateOnChanges(cache, (listener) => memory.onChange(listener));
 * ```
 * @module
 */
import type { CachedMembership, MembershipInvalidation } from './cached-membership.ts';

/** The part of the delta-stream poller's `MembershipDelta` the cache needs. */
export interface MembershipDeltaLike {
  readonly rooms: Iterable<string>;
  readonly users: Iterable<string>;
  /** Rooms where a local user's membership changed (participation may have flipped). */
  readonly localChangeRooms?: Iterable<string>;
  /** Everything may have changed: drop every cached answer. */
  readonly reset?: boolean;
}

/**
 * Invalidates, for every change `subscribe` reports, exactly the rooms and users it names.
 * `subscribe` registers a listener and returns a function removing it; the returned
 * function disconnects.
 */
export function invalidateOnChanges(
  cache: Pick<CachedMembership, 'invalidate'>,
  subscribe: (listener: (change: MembershipInvalidation) => void) => () => void,
): () => void {
  return subscribe((change) => {
    cache.invalidate(change);
  });
}

/** An `onDelta` callback for `DeltaStreamPoller` that keeps `cache` in step; see the module docs. */
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
