/**
 * A plain routing-module object equivalent to `ExamplePresenceRouter` for a given
 * configuration (the seed's `getRoomsAndUsersForStates` shape, plus `getInterestedUsers`):
 * - every update goes to each of `always_send_to_users`, who are interested in ALL_USERS;
 * - an update of a user listed in `users_to_rooms` also goes to each of that user's rooms.
 *
 * The benchmark uses it for the engine and the naive baseline alike, so both pay the same
 * module cost.
 *
 * @example
 * ```ts
 * const module = exampleRoutingModule(plan.config);
 * const [rooms, users] = module.getRoomsAndUsersForStates(states);
 * ```
 * @module
 */
import {
  ALL_USERS,
  type AllUsers,
  type PresenceRouterModule,
  type UserPresenceState,
} from '@presence-router/core';
import type { ExampleRouterConfig } from './router-config.ts';

/** The module object: synchronous callbacks returning `Map`s. */
export interface ExampleRoutingModule extends PresenceRouterModule {
  readonly moduleName: string;
  getRoomsAndUsersForStates(
    states: readonly UserPresenceState[],
  ): readonly [Map<string, UserPresenceState[]>, Map<string, readonly UserPresenceState[]>];
  getInterestedUsers(userId: string): Set<string> | AllUsers;
}

/** Builds the module for `config`. */
export function exampleRoutingModule(config: ExampleRouterConfig): ExampleRoutingModule {
  const alwaysSend = new Set(config.always_send_to_users);
  const usersToRooms = new Map<string, readonly string[]>(Object.entries(config.users_to_rooms));
  return {
    moduleName: 'ExamplePresenceRouter (bench equivalent)',
    getRoomsAndUsersForStates(states) {
      const rooms = new Map<string, UserPresenceState[]>();
      for (const state of states) {
        const targets = usersToRooms.get(state.userId);
        if (targets === undefined) continue;
        for (const roomId of targets) {
          let list = rooms.get(roomId);
          if (list === undefined) {
            list = [];
            rooms.set(roomId, list);
          }
          list.push(state);
        }
      }
      const users = new Map<string, readonly UserPresenceState[]>();
      if (states.length > 0) for (const userId of alwaysSend) users.set(userId, states);
      return [rooms, users] as const;
    },
    getInterestedUsers(userId) {
      return alwaysSend.has(userId) ? ALL_USERS : new Set<string>();
    },
  };
}
