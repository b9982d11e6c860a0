/**
 * Connects a change feed to a `CachedMembership`, so cached answers follow the source:
 * {@link invalidateOnChanges} takes a feed that names the rooms and users whose answers
 * changed (`InMemoryMembership#onChange`) and invalidates exactly those. The SQL adapter's
 * feed, `invalidateOnDelta`, is in `@presence-router/membership/synapse`.
 *
 * @example
 * ```ts
 * import { CachedMembership, InMemoryMembership, invalidateOnChanges } from '@presence-router/membership';
 *
 * const memory = new InMemoryMembership({ serverName: 'hs.example' });
 * const cache = new CachedMembership(memory);
 * const stop = invalidateOnChanges(cache, (listener) => memory.onChange(listener));
 * ```
 * @module
 */
import type { CachedMembership, MembershipInvalidation } from './cached-membership.ts';

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
