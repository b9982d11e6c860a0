/**
 * `ExamplePresenceRouter`: the seed's example routing module, ported with its bugs fixed.
 *
 * - `always_send_to_users` receive every presence update (the seed handed them a one-shot
 *   iterator, so only the first of them got anything: the states are now materialized once);
 * - `users_to_rooms` send a user's updates to every joined member of the listed rooms (the
 *   seed put the user ID in the room's list instead of the state).
 *
 * It offers both module shapes: the seed's `getRoomsAndUsersForStates` (rooms are expanded by
 * the host, e.g. core's `PresenceRouter`) and Synapse's `getUsersForStates` /
 * `getInterestedUsers` pair (rooms are expanded here, through `ModuleApi.membership`).
 *
 * @example
 * ```ts
 * const config = ExamplePresenceRouter.parseConfig({
 *   always_send_to_users: ['@auditor:hs.example'],
 *   users_to_rooms: [{ '@alice:hs.example': '!lobby:hs.example' }],
 * });
 * const module = new ExamplePresenceRouter(config, moduleApi);
 * const [rooms, users] = module.getRoomsAndUsersForStates(states);
 * const router = new PresenceRouter({ serverName: 'hs.example', membership, modules: [module] });
 * ```
 * @module
 */

import {
  ALL_USERS,
  type AllUsers,
  ConfigError,
  consoleLogger,
  type Logger,
  type MembershipSource,
  type ModuleApi,
  type UserPresenceState,
} from '@presence-router/core';
import { ExampleRouterError } from './errors.ts';
import {
  type ExampleRouterConfig,
  isParsedExampleRouterConfig,
  parseExampleRouterConfig,
} from './example-router-config.ts';

/** Options of {@link ExamplePresenceRouter} beyond Synapse's `(config, moduleApi)`. */
export interface ExamplePresenceRouterOptions {
  /** Receives warnings (no membership source, rooms this server is not in). Default: console. */
  readonly logger?: Logger;
}

/** Takes the states once, whatever the iterable: a one-shot generator works too. */
function materialize(states: Iterable<UserPresenceState>): UserPresenceState[] {
  if (
    states === null ||
    typeof (states as { [Symbol.iterator]?: unknown })?.[Symbol.iterator] !== 'function'
  ) {
    throw new ExampleRouterError(
      'INVALID_PRESENCE_STATE',
      `ExamplePresenceRouter expects an iterable of presence states, got ${states === null ? 'null' : typeof states}`,
    );
  }
  const list = [...states];
  list.forEach((state, i) => {
    if (typeof (state as { userId?: unknown } | null)?.userId !== 'string') {
      throw new ExampleRouterError(
        'INVALID_PRESENCE_STATE',
        `ExamplePresenceRouter got a value without a userId at position ${i} of the states`,
      );
    }
  });
  return list;
}

/** A `camelCase` config built by hand: validated by the same rules as `parseConfig`. */
function normalizeConfig(config: unknown): ExampleRouterConfig {
  if (isParsedExampleRouterConfig(config)) return config;
  const c = config as Partial<ExampleRouterConfig> | null | undefined;
  const users = c?.alwaysSendToUsers;
  const rooms = c?.usersToRooms;
  const raw = config as Record<string, unknown> | null | undefined;
  if (
    typeof config !== 'object' ||
    config === null ||
    !Array.isArray(users) ||
    typeof (rooms as { entries?: unknown } | undefined)?.entries !== 'function'
  ) {
    const looksRaw =
      raw !== null &&
      typeof raw === 'object' &&
      ('always_send_to_users' in raw || 'users_to_rooms' in raw);
    throw new ExampleRouterError(
      'INVALID_CONFIG_OBJECT',
      looksRaw
        ? 'ExamplePresenceRouter was given a raw config mapping: pass it through ExamplePresenceRouter.parseConfig(raw) first'
        : 'ExamplePresenceRouter needs an ExampleRouterConfig ({ alwaysSendToUsers: string[], usersToRooms: Map<string, string[]> }); build one with ExamplePresenceRouter.parseConfig(raw)',
    );
  }
  try {
    return parseExampleRouterConfig({
      always_send_to_users: [...users],
      users_to_rooms: new Map(
        [...(rooms as ReadonlyMap<string, readonly string[]>).entries()].map(([user, list]) => [
          user,
          Array.isArray(list) ? [...list] : list,
        ]),
      ),
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ExampleRouterError(
      'INVALID_CONFIG_OBJECT',
      `Invalid ExampleRouterConfig: ${error.message}`,
      { cause: error },
    );
  }
}

/** The seed's example presence router, ported: see the module documentation. */
export class ExamplePresenceRouter {
  /** The validated configuration this instance routes with. */
  readonly config: ExampleRouterConfig;
  readonly #api: ModuleApi;
  readonly #logger: Logger;
  readonly #alwaysSendTo: ReadonlySet<string>;
  /** Room ID -> users whose updates go to its members (the reverse of `usersToRooms`). */
  readonly #usersOfRoom: ReadonlyMap<string, readonly string[]>;
  #warnedNoMembership = false;

  /**
   * Validates the raw `config:` mapping of the module's `routing_modules` entry.
   * See `parseExampleRouterConfig` for the accepted keys and forms.
   *
   * @throws ConfigError with a path relative to the module's `config:`.
   */
  static parseConfig(raw: unknown): ExampleRouterConfig {
    return parseExampleRouterConfig(raw);
  }

  /**
   * @param config what {@link ExamplePresenceRouter.parseConfig} returned (a hand-built
   *   `ExampleRouterConfig` is validated the same way).
   * @param moduleApi the host's API; `moduleApi.membership` is used by `getUsersForStates` and
   *   `getInterestedUsers`. The callbacks are not registered through
   *   `registerPresenceRouterCallbacks`: the host calls this instance's methods directly.
   * @throws ExampleRouterError `INVALID_CONFIG_OBJECT` or `INVALID_MODULE_API`.
   */
  constructor(
    config: ExampleRouterConfig,
    moduleApi: ModuleApi,
    options: ExamplePresenceRouterOptions = {},
  ) {
    this.config = normalizeConfig(config);
    if (
      typeof moduleApi !== 'object' ||
      moduleApi === null ||
      typeof moduleApi.serverName !== 'string'
    ) {
      throw new ExampleRouterError(
        'INVALID_MODULE_API',
        'ExamplePresenceRouter needs a ModuleApi (an object with serverName) as its second argument',
      );
    }
    this.#api = moduleApi;
    this.#logger = options.logger ?? consoleLogger;
    this.#alwaysSendTo = new Set(this.config.alwaysSendToUsers);
    const usersOfRoom = new Map<string, string[]>();
    for (const [userId, roomIds] of this.config.usersToRooms) {
      for (const roomId of roomIds) {
        const users = usersOfRoom.get(roomId);
        if (users === undefined) usersOfRoom.set(roomId, [userId]);
        else users.push(userId);
      }
    }
    this.#usersOfRoom = usersOfRoom;
  }

  /**
   * The seed's callback: `[roomIdsToStates, userIdsToStates]`. Each configured room of a
   * state's user gets the state; each `always_send_to_users` entry gets every state. `states`
   * may be any iterable, a one-shot generator included: it is read exactly once.
   */
  getRoomsAndUsersForStates(
    states: Iterable<UserPresenceState>,
  ): [Map<string, UserPresenceState[]>, Map<string, readonly UserPresenceState[]>] {
    const list = materialize(states);
    return [this.#roomsForStates(list), this.#alwaysSendMap(list)];
  }

  /**
   * Synapse's write-side callback: destination user ID -> the states to send to that user.
   * `always_send_to_users` get every state; the joined members of each room mapped to a
   * state's user get that state (one batched `getJoinedMembers` call). Rooms this server is
   * not in are dropped with a warning. Without `moduleApi.membership`, rooms cannot be
   * expanded: a warning is logged once and only user destinations are returned.
   *
   * Users with identical destinations share one `Set`: do not mutate the results.
   *
   * @throws ExampleRouterError `MEMBERSHIP_UNAVAILABLE` when the membership source fails.
   */
  async getUsersForStates(
    states: Iterable<UserPresenceState>,
  ): Promise<Map<string, ReadonlySet<UserPresenceState>>> {
    const list = materialize(states);
    // Each source delivers its states to its recipients; recipients reached by the same
    // sources share one Set.
    const sources: { recipients: readonly string[]; states: readonly UserPresenceState[] }[] = [];
    if (list.length > 0 && this.config.alwaysSendToUsers.length > 0) {
      sources.push({ recipients: this.config.alwaysSendToUsers, states: list });
    }
    const roomStates = this.#roomsForStates(list);
    if (roomStates.size > 0) {
      const membership = this.#membership();
      if (membership !== undefined) {
        const roomIds = [...roomStates.keys()];
        let members: ReadonlyMap<string, readonly string[]>;
        try {
          members = await membership.getJoinedMembers(roomIds);
        } catch (error) {
          throw new ExampleRouterError(
            'MEMBERSHIP_UNAVAILABLE',
            `ExamplePresenceRouter could not look up the members of ${roomIds.join(', ')}: ${error instanceof Error ? error.message : String(error)}`,
            { roomIds, cause: error },
          );
        }
        for (const [roomId, states] of roomStates) {
          const roomMembers = members.get(roomId);
          if (roomMembers === undefined) {
            this.#logger.warn(
              `ExamplePresenceRouter: room ${roomId} dropped: this server (${this.#api.serverName}) does not participate in it`,
              { roomId },
            );
            continue;
          }
          sources.push({ recipients: roomMembers, states });
        }
      }
    }
    return groupBySources(sources);
  }

  /**
   * Synapse's read-side callback: whose presence `userId` receives. `ALL_USERS` for an
   * `always_send_to_users` entry; otherwise the users mapped (`users_to_rooms`) to a room
   * `userId` is joined to — the members of a configured room are interested in the users
   * mapped to it. An empty set when there is no membership source.
   *
   * @throws ExampleRouterError `MEMBERSHIP_UNAVAILABLE` when the membership source fails.
   */
  async getInterestedUsers(userId: string): Promise<Set<string> | AllUsers> {
    if (this.#alwaysSendTo.has(userId)) return ALL_USERS;
    const interested = new Set<string>();
    if (this.#usersOfRoom.size === 0) return interested;
    const membership = this.#membership();
    if (membership === undefined) return interested;
    let roomsOfUser: ReadonlyMap<string, readonly string[]>;
    try {
      roomsOfUser = await membership.getRoomsForUsers([userId]);
    } catch (error) {
      throw new ExampleRouterError(
        'MEMBERSHIP_UNAVAILABLE',
        `ExamplePresenceRouter could not look up the rooms of ${userId}: ${error instanceof Error ? error.message : String(error)}`,
        { userIds: [userId], cause: error },
      );
    }
    for (const roomId of roomsOfUser.get(userId) ?? []) {
      for (const mapped of this.#usersOfRoom.get(roomId) ?? []) interested.add(mapped);
    }
    return interested;
  }

  /** Room ID -> the states of the users mapped to it, in batch order. */
  /**
   * The configured rules that send `from`'s presence to `to`, one sentence each (core's
   * `PresenceRouter.explain` asks every module that has this hook): `always_send_to_users`
   * listing `to`, and `users_to_rooms` entries of `from` whose room `to` is joined to.
   */
  async explain(from: string, to: string, _state: UserPresenceState): Promise<string[]> {
    const rules: string[] = [];
    if (this.#alwaysSendTo.has(to)) rules.push(`always_send_to_users lists ${to}`);
    const rooms = this.config.usersToRooms.get(from) ?? [];
    const membership = rooms.length > 0 ? this.#api.membership : undefined;
    if (membership === undefined || membership === null) return rules;
    const members = await membership.getJoinedMembers(rooms);
    for (const roomId of rooms) {
      if (members.get(roomId)?.includes(to)) {
        rules.push(`users_to_rooms sends ${from} to ${roomId}, where ${to} is joined`);
      }
    }
    return rules;
  }

  #roomsForStates(list: readonly UserPresenceState[]): Map<string, UserPresenceState[]> {
    const rooms = new Map<string, UserPresenceState[]>();
    for (const state of list) {
      for (const roomId of this.config.usersToRooms.get(state.userId) ?? []) {
        const states = rooms.get(roomId);
        if (states === undefined) rooms.set(roomId, [state]);
        else states.push(state);
      }
    }
    return rooms;
  }

  /**
   * Each `always_send_to_users` entry -> every state: one frozen list shared by all entries
   * (the router checks a shared list once and groups its recipients).
   */
  #alwaysSendMap(list: readonly UserPresenceState[]): Map<string, readonly UserPresenceState[]> {
    const users = new Map<string, readonly UserPresenceState[]>();
    if (list.length === 0) return users;
    const shared = Object.freeze([...list]);
    for (const userId of this.config.alwaysSendToUsers) users.set(userId, shared);
    return users;
  }

  /** The host's membership source, or `undefined` after warning (once) that there is none. */
  #membership(): MembershipSource | undefined {
    const membership = this.#api.membership;
    if (membership !== undefined && membership !== null) return membership;
    if (!this.#warnedNoMembership) {
      this.#warnedNoMembership = true;
      this.#logger.warn(
        'ExamplePresenceRouter: users_to_rooms is configured but the host provides no membership source (ModuleApi.membership); room destinations cannot be expanded, so only always_send_to_users receive routed presence and getInterestedUsers answers no room-based interest',
      );
    }
    return undefined;
  }
}

/**
 * `userId -> Set of states` from sources (recipients + states). Recipients reached by the
 * same sources share one `Set`: each recipient carries a small integer naming the list of
 * sources that reached it so far, and visiting source `s` moves it along a memoized
 * transition, so a big room costs one map lookup per member, not one `Set` per member.
 */
function groupBySources(
  sources: readonly { recipients: readonly string[]; states: readonly UserPresenceState[] }[],
): Map<string, ReadonlySet<UserPresenceState>> {
  const signatureOf = new Map<string, number>();
  // Signature 0 is "reached by nothing yet"; each signature records its last source and parent.
  const lastSource: number[] = [-1];
  const parent: number[] = [-1];
  const next: Map<number, number>[] = [new Map()];
  sources.forEach((source, index) => {
    for (const userId of source.recipients) {
      const current = signatureOf.get(userId) ?? 0;
      if (lastSource[current] === index) continue; // listed twice in one source
      const transitions = next[current] as Map<number, number>;
      let signature = transitions.get(index);
      if (signature === undefined) {
        signature = lastSource.length;
        lastSource.push(index);
        parent.push(current);
        next.push(new Map());
        transitions.set(index, signature);
      }
      signatureOf.set(userId, signature);
    }
  });
  const setOf = new Map<number, ReadonlySet<UserPresenceState>>();
  const result = new Map<string, ReadonlySet<UserPresenceState>>();
  for (const [userId, signature] of signatureOf) {
    let set = setOf.get(signature);
    if (set === undefined) {
      const reached: number[] = [];
      for (let g = signature; g > 0; g = parent[g] as number) reached.push(lastSource[g] as number);
      const union = new Set<UserPresenceState>();
      for (let i = reached.length - 1; i >= 0; i--) {
        for (const state of (sources[reached[i] as number] as (typeof sources)[number]).states)
          union.add(state);
      }
      set = union;
      setOf.set(signature, set);
    }
    result.set(userId, set);
  }
  return result;
}
