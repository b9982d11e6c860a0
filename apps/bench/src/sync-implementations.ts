/**
 * The implementations of a sync scenario, each answering one syncing user's "what is new
 * for me" over the setup's window:
 * - `sync-all`: a user the router makes interested in ALL_USERS, our way —
 *   `router.getInterestedUsers(user)` answers ALL_USERS, so the answer is the window itself;
 * - `sync-all-route-every-state`: Synapse's way with our engine — every known state through
 *   `router.getUsersForStates`, keep this user's states, filter to the window;
 * - `sync-all-naive`: Synapse's way with the naive baseline (`naiveRouteStates`);
 * - `sync-member`: an ordinary user — `router.getInterestedUsers(user)` plus the window's
 *   updates of users sharing a room with it (rooms from the membership source).
 *
 * @example
 * ```ts
 * const answer = await syncImplementations(setup)['sync-member']('@u1:bench.test');
 * ```
 * @module
 */
import { ALL_USERS, type PresenceRouter, type UserPresenceState } from '@presence-router/core';
import { BenchError } from './errors.ts';
import type { SeedShapedModule } from './example-router-module.ts';
import { naiveRouteStates } from './naive-fan-out.ts';
import type { SyncSetup } from './sync-setup.ts';
import type { WorkloadMembership } from './workload-membership.ts';

/** What one timed sync includes, by implementation (in the order they are timed). */
export const SYNC_INCLUDES = {
  'sync-all':
    'router.getInterestedUsers(user) -> ALL_USERS, then every update of the window read once',
  'sync-all-route-every-state':
    "router.getUsersForStates(every known state) (Synapse's ALL_USERS path), this user's entry filtered to the window",
  'sync-all-naive':
    "naive routing of every known state (Map<userId, Set<state>>), this user's entry filtered to the window",
  'sync-member':
    'router.getInterestedUsers(user) + membership.getRoomsForUsers(user and window users) + a shared-room test per window update',
} as const;

/** The implementations of a sync scenario. */
export type SyncImplementation = keyof typeof SYNC_INCLUDES;

/** What the syncing user is shown, as a list. */
export type Answer = UserPresenceState[];

/** One sync of `userId`. */
export type Sync = (userId: string) => Promise<Answer>;

/** `sync-all`: ALL_USERS from `getInterestedUsers`, so the window itself. */
function syncAll(router: PresenceRouter, window: readonly UserPresenceState[]): Sync {
  return async (userId) => {
    const interested = await router.getInterestedUsers(userId);
    if (interested !== ALL_USERS) {
      throw new BenchError('INVALID_OPTION', `${userId} is not interested in ALL_USERS`);
    }
    return [...window];
  };
}

/** `sync-all-route-every-state`: every known state routed by the engine, filtered. */
function syncAllRouteEveryState(
  router: PresenceRouter,
  allKnown: readonly UserPresenceState[],
  inWindow: ReadonlySet<UserPresenceState>,
): Sync {
  return async (userId) => {
    const routed = await router.getUsersForStates(allKnown);
    return [...(routed.get(userId) ?? [])].filter((state) => inWindow.has(state));
  };
}

/** `sync-all-naive`: every known state routed by the naive baseline, filtered. */
function syncAllNaive(
  membership: WorkloadMembership,
  module: SeedShapedModule,
  allKnown: readonly UserPresenceState[],
  inWindow: ReadonlySet<UserPresenceState>,
): Sync {
  return async (userId) => {
    const routed = await naiveRouteStates(allKnown, membership, module);
    return [...(routed.get(userId) ?? [])].filter((state) => inWindow.has(state));
  };
}

/** `sync-member`: the window's updates of the user, of its interests and of co-members. */
function syncMember(
  router: PresenceRouter,
  membership: WorkloadMembership,
  window: readonly UserPresenceState[],
): Sync {
  return async (userId) => {
    const interested = await router.getInterestedUsers(userId);
    const windowUserIds = window.map((state) => state.userId);
    const rooms = await membership.getRoomsForUsers([userId, ...windowUserIds]);
    const mine = new Set(rooms.get(userId) ?? []);
    const answer: Answer = [];
    for (const state of window) {
      const other = state.userId;
      if (
        other === userId ||
        interested === ALL_USERS ||
        interested.has(other) ||
        (rooms.get(other) ?? []).some((room) => mine.has(room))
      ) {
        answer.push(state);
      }
    }
    return answer;
  };
}

/** Every implementation over the setup's routing and window. */
export function syncImplementations(setup: SyncSetup): Record<SyncImplementation, Sync> {
  const { allKnown, inWindow, membership, module, router, window } = setup;
  return {
    'sync-all': syncAll(router, window),
    'sync-all-route-every-state': syncAllRouteEveryState(router, allKnown, inWindow),
    'sync-all-naive': syncAllNaive(membership, module, allKnown, inWindow),
    'sync-member': syncMember(router, membership, window),
  };
}
