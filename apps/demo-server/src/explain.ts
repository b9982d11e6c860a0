/**
 * `explain(from, to)`: why `to` does or does not receive `from`'s presence — the user itself,
 * the rooms they share (and which of those are excluded from presence), and each routing
 * module's answer on the write side (`getUsersForStates` / `getRoomsAndUsersForStates`) and
 * the read side (`getInterestedUsers`), with the configured rule for the example router.
 *
 * @example
 * ```ts
 * const explainer = new PresenceExplainer({ serverName, membership, modules, excludeRoomsFromPresence });
 * const why = await explainer.explain('@alice:hs', '@bob:hs');
 * why.receives; // true
 * why.reasons;  // ['they share !lobby:hs']
 * ```
 * @module
 */
import {
  ALL_USERS,
  assertUserId,
  type MembershipSource,
  PresenceRouter,
  type PresenceRouterModule,
  silentLogger,
  type UserPresenceState,
  userPresenceState,
} from '@presence-router/core';
import { ExamplePresenceRouter } from '@presence-router/example-router';

/** One module's part in an explanation. */
export interface ModuleVerdict {
  readonly module: string;
  /** The write side sends `from`'s updates to `to`. */
  readonly routesUpdates: boolean;
  /** The read side says `to` is interested in `from` (or in everyone). */
  readonly interested: boolean | 'all';
  /** The configured rules that match, when the module can tell. */
  readonly rules: readonly string[];
  /** Set when the module failed while being asked. */
  readonly error?: string;
}

/** Why `to` does or does not receive `from`'s presence. */
export interface Explanation {
  readonly from: string;
  readonly to: string;
  readonly receives: boolean;
  /** One sentence per reason `to` receives it (empty when it does not). */
  readonly reasons: readonly string[];
  /** Rooms both are joined to that count for presence. */
  readonly sharedRooms: readonly string[];
  /** Rooms both are joined to that `exclude_rooms_from_presence` leaves out. */
  readonly excludedSharedRooms: readonly string[];
  readonly modules: readonly ModuleVerdict[];
  /** A one-paragraph summary. */
  readonly summary: string;
}

/** Options of {@link PresenceExplainer}. */
export interface PresenceExplainerOptions {
  readonly serverName: string;
  readonly membership: MembershipSource;
  readonly modules: readonly PresenceRouterModule[];
  readonly excludeRoomsFromPresence?: Iterable<string>;
  /** Names for the modules (e.g. their `module:` entries), by position. */
  readonly moduleNames?: readonly (string | undefined)[];
  /** The state to route for `from` (default: its current state from the server, else online). */
  readonly stateOf?: (userId: string) => UserPresenceState | undefined;
}

/** Explains routing decisions; see the module documentation. */
export class PresenceExplainer {
  readonly #options: PresenceExplainerOptions;
  readonly #excluded: ReadonlySet<string>;
  readonly #single: { name: string; module: PresenceRouterModule; router: PresenceRouter }[];

  constructor(options: PresenceExplainerOptions) {
    this.#options = options;
    this.#excluded = new Set(options.excludeRoomsFromPresence ?? []);
    this.#single = options.modules.map((module, i) => ({
      name: module.moduleName ?? options.moduleNames?.[i] ?? `routing_modules[${i}]`,
      module,
      router: new PresenceRouter({
        serverName: options.serverName,
        membership: options.membership,
        modules: [module],
        logger: silentLogger,
      }),
    }));
  }

  /**
   * Explains whether `to` receives `from`'s presence.
   * @throws InvalidIdentifierError for an invalid user ID.
   */
  async explain(from: string, to: string): Promise<Explanation> {
    assertUserId(from);
    assertUserId(to);
    const reasons: string[] = [];
    if (from === to) reasons.push(`${to} always receives its own presence`);
    const rooms = await this.#options.membership.getRoomsForUsers([from, to]);
    const toRooms = new Set(rooms.get(to) ?? []);
    const shared = (rooms.get(from) ?? []).filter((roomId) => toRooms.has(roomId));
    const sharedRooms = shared.filter((roomId) => !this.#excluded.has(roomId));
    const excludedSharedRooms = shared.filter((roomId) => this.#excluded.has(roomId));
    if (sharedRooms.length > 0) {
      reasons.push(
        `they share ${sharedRooms.join(', ')} (default routing: room members see each other)`,
      );
    }
    const state = this.#options.stateOf?.(from) ?? userPresenceState(from, { state: 'online' });
    const modules: ModuleVerdict[] = [];
    for (const { name, module, router } of this.#single) {
      const verdict = await this.#askModule(name, module, router, state, from, to);
      modules.push(verdict);
      if (verdict.routesUpdates) {
        reasons.push(
          `routing module ${name} sends ${from}'s updates to ${to}${verdict.rules.length ? ` (${verdict.rules.join('; ')})` : ''}`,
        );
      }
      if (verdict.interested !== false) {
        reasons.push(
          verdict.interested === 'all'
            ? `routing module ${name} says ${to} is interested in every user (ALL_USERS)`
            : `routing module ${name} says ${to} is interested in ${from}`,
        );
      }
    }
    const receives = reasons.length > 0;
    const notes: string[] = [];
    if (excludedSharedRooms.length > 0) {
      notes.push(`shared rooms excluded from presence: ${excludedSharedRooms.join(', ')}`);
    }
    const summary = receives
      ? `${to} receives ${from}'s presence: ${reasons.join('; ')}.${notes.length ? ` Note: ${notes.join('; ')}.` : ''}`
      : `${to} does not receive ${from}'s presence: ${shared.length === 0 ? 'they share no room' : 'every room they share is excluded from presence'}${this.#single.length === 0 ? ' and no routing module is configured' : ' and no routing module routes it'}.${notes.length ? ` (${notes.join('; ')})` : ''}`;
    return { from, to, receives, reasons, sharedRooms, excludedSharedRooms, modules, summary };
  }

  async #askModule(
    name: string,
    module: PresenceRouterModule,
    router: PresenceRouter,
    state: UserPresenceState,
    from: string,
    to: string,
  ): Promise<ModuleVerdict> {
    try {
      const routed = await router.getUsersForStates([state]);
      const interest = await router.getInterestedUsers(to);
      const interested = interest === ALL_USERS ? 'all' : interest.has(from);
      return {
        module: name,
        routesUpdates: routed.has(to),
        interested,
        rules: await this.#rules(module, from, to),
      };
    } catch (error) {
      return {
        module: name,
        routesUpdates: false,
        interested: false,
        rules: [],
        error: error instanceof Error ? error.message : String(error),
      };
    }
  }

  /** The example router's matching rules, by name. */
  async #rules(module: PresenceRouterModule, from: string, to: string): Promise<string[]> {
    if (!(module instanceof ExamplePresenceRouter)) return [];
    const rules: string[] = [];
    if (module.config.alwaysSendToUsers.includes(to)) {
      rules.push(`always_send_to_users lists ${to}`);
    }
    const rooms = module.config.usersToRooms.get(from) ?? [];
    if (rooms.length > 0) {
      const members = await this.#options.membership.getJoinedMembers(rooms);
      for (const roomId of rooms) {
        if (members.get(roomId)?.includes(to)) {
          rules.push(`users_to_rooms sends ${from} to ${roomId}, where ${to} is joined`);
        }
      }
    }
    return rules;
  }
}
