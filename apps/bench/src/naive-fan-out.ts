/**
 * The naive baseline, written as the seed's code would be: for each state, for each
 * destination room (default routing: the user's rooms; the router: the rooms it maps the
 * state to), for each member, add the state to that member's own collection — a
 * `Map<userId, Set<state>>` holding one entry per (recipient, state) pair.
 *
 * Member lists come from the same `MembershipSource` as the engine's (fetched in one batched
 * call, which favours the baseline), and the same routing module is called.
 *
 * @example
 * ```ts
 * const deliveries = await naiveFanOut(states, membership, module);
 * deliveries.get('@u1:bench.test'); // Set of the states @u1 receives
 * ```
 * @module
 */
import type { MembershipSource, UserPresenceState } from '@presence-router/core';
import type { SeedShapedModule } from './example-router-module.ts';

/** Recipient user ID -> the states it receives. */
export type NaiveDeliveries = Map<string, Set<UserPresenceState>>;

function add(out: NaiveDeliveries, userId: string, state: UserPresenceState): void {
  let set = out.get(userId);
  if (set === undefined) {
    set = new Set();
    out.set(userId, set);
  }
  set.add(state);
}

/** Adds the module's destinations (rooms expanded member by member) to `out`. */
async function addRouted(
  out: NaiveDeliveries,
  states: readonly UserPresenceState[],
  membership: MembershipSource,
  module: SeedShapedModule,
): Promise<void> {
  const [rooms, users] = module.getRoomsAndUsersForStates(states);
  const members = rooms.size > 0 ? await membership.getJoinedMembers([...rooms.keys()]) : new Map();
  for (const [roomId, roomStates] of rooms) {
    const roomMembers: readonly string[] | undefined = members.get(roomId);
    if (roomMembers === undefined) continue; // not participating: dropped
    for (const state of roomStates) {
      for (const member of roomMembers) add(out, member, state);
    }
  }
  for (const [userId, userStates] of users) {
    for (const state of userStates) add(out, userId, state);
  }
}

/**
 * Full fan-out of a batch (distinct users): each user itself, every member of each of the
 * user's rooms, and the module's destinations.
 */
export async function naiveFanOut(
  states: readonly UserPresenceState[],
  membership: MembershipSource,
  module: SeedShapedModule,
): Promise<NaiveDeliveries> {
  const out: NaiveDeliveries = new Map();
  const roomsOfUsers = await membership.getRoomsForUsers(states.map((state) => state.userId));
  const roomIds = new Set<string>();
  for (const rooms of roomsOfUsers.values()) for (const roomId of rooms) roomIds.add(roomId);
  const members = await membership.getJoinedMembers([...roomIds]);
  for (const state of states) {
    add(out, state.userId, state);
    for (const roomId of roomsOfUsers.get(state.userId) ?? []) {
      const roomMembers = members.get(roomId);
      if (roomMembers === undefined) continue;
      for (const member of roomMembers) add(out, member, state);
    }
  }
  await addRouted(out, states, membership, module);
  return out;
}

/** The module's destinations only (what `PresenceRouter.getUsersForStates` answers). */
export async function naiveRouteStates(
  states: readonly UserPresenceState[],
  membership: MembershipSource,
  module: SeedShapedModule,
): Promise<NaiveDeliveries> {
  const out: NaiveDeliveries = new Map();
  await addRouted(out, states, membership, module);
  return out;
}
