/**
 * `PresenceRouter`: runs the configured routing modules with Synapse's combining rules,
 * expands room destinations through a {@link MembershipSource}, and fans out batches of
 * presence updates to every recipient (default routing plus the modules' destinations).
 *
 * @example
 * ```ts
 * const router = new PresenceRouter({ serverName: 'hs.example', membership, modules: [myModule] });
 * const destinations = await router.getUsersForStates([userPresenceState('@a:hs.example', { state: 'online' })]);
 * const interested = await router.getInterestedUsers('@auditor:hs.example'); // Set or ALL_USERS
 * const fanOut = await router.fanOut(batch); // grouped recipients + remote servers
 * ```
 * @module
 */
import { MembershipLookupError } from './errors.ts';
import { type Explanation, type ExplanationParts, explain } from './explanation.ts';
import { FanOutResult, type UnroutedParts } from './fan-out-result.ts';
import { assertServerName, userIdProblem } from './identifiers.ts';
import {
  DELIVERS,
  DELIVERS_ALWAYS,
  type FanOutRestrictions,
  WITHHOLDS,
} from './internal/fan-out-restrictions.ts';
import { lookUpMembers, lookUpRooms } from './internal/membership-lookups.ts';
import { DestinationMerger, describeValue, StateCanonicalizer } from './internal/module-results.ts';
import { type PolicyRules, policyRules } from './internal/policy-rules.ts';
import {
  collectDenials,
  type DenialRule,
  denialReason,
  deniedRoomsOf,
  type NamedModule,
  policyRule,
} from './internal/recipient-denials.ts';
import { RecipientGrouper, sourcesOfGroup } from './internal/recipient-grouping.ts';
import { StateNumbering } from './internal/state-numbering.ts';
import { LOCAL_SERVER, UserInterner } from './internal/user-interner.ts';
import { consoleLogger, type Logger } from './logger.ts';
import type { MembershipSource, SettledLookup } from './membership-source.ts';
import { assertRoutingModule } from './module-registration.ts';
import type { PresencePolicy } from './presence-policy.ts';
import {
  canSee,
  policyDenialOf,
  type ReadSideParts,
  type SeenStates,
  type SeenUsers,
  statesSeenBy,
  usersSeenBy,
  type Visibility,
} from './read-side.ts';
import { ALL_USERS, type AllUsers, type PresenceRouterModule } from './router-module.ts';
import type { UserPresenceState } from './user-presence-state.ts';
import { UserSet } from './user-set.ts';

/** Options of {@link PresenceRouter}. */
export interface PresenceRouterOptions {
  /** This homeserver's name: users whose IDs end in `:serverName` are local. */
  readonly serverName: string;
  /** Where room members come from. */
  readonly membership: MembershipSource;
  /** Routing modules, called in this order. */
  readonly modules?: readonly PresenceRouterModule[];
  /** Receives warnings (dropped destinations) and errors (failing modules). */
  readonly logger?: Logger;
  /** Rooms left out of default routing (Synapse's `exclude_rooms_from_presence`). */
  readonly excludeRoomsFromPresence?: Iterable<string>;
  /**
   * Names of the modules for logs and explanations, by position (e.g. their `module:`
   * entries); default: a module's `moduleName`, else its class name and position.
   */
  readonly moduleNames?: readonly (string | undefined)[];
  /**
   * The operator's subtractive rules: `defaultRouting`, `localOnly`, `maxRoomSize` and `deny`
   * lists (see {@link PresencePolicy}); default `{}`, Synapse's behaviour. Throws
   * `InvalidPolicyError` or `InvalidIdentifierError` when a setting is wrong.
   */
  readonly policy?: PresencePolicy | undefined;
}

/** Module destinations before room expansion. */
export interface RoutedDestinations {
  /** Destination user -> states (each state once, by value). */
  readonly users: ReadonlyMap<string, ReadonlySet<UserPresenceState>>;
  /** Destination room -> states, to go to every joined member. */
  readonly rooms: ReadonlyMap<string, ReadonlySet<UserPresenceState>>;
}

/** Keys the caller knows to be failing (waiting for a retry): answered as failed, unasked. */
export interface KnownFailing {
  has(id: string): boolean;
}

/** Options of {@link PresenceRouter.fanOut} and {@link PresenceRouter.fanOutRetry}. */
export interface FanOutOptions {
  /**
   * Room and user IDs known to be failing (waiting for a retry): not looked up, reported in
   * {@link FanOutResult.unrouted} at once, so a hanging lookup is not waited on again.
   */
  readonly knownFailing?: KnownFailing;
}

/** What {@link PresenceRouter.fanOutRetry} routes again (see {@link FanOutResult.unrouted}). */
export interface RetryParts {
  /** States whose default routing (the users' rooms) is to be done again. */
  readonly users: Iterable<UserPresenceState>;
  /** Rooms whose members are to receive these states. */
  readonly rooms: ReadonlyMap<string, readonly UserPresenceState[]>;
}

interface RoutePlan {
  /** The latest state of each user concerned, with interned IDs. */
  readonly states: readonly UserPresenceState[];
  readonly updaterIds: readonly number[];
  /** States that get default routing (their users' rooms): `states` itself on a fan-out. */
  readonly defaultRouted: readonly UserPresenceState[];
  /** Room destinations given by the caller (retries). */
  readonly rooms: ReadonlyMap<string, readonly UserPresenceState[]> | undefined;
  readonly withModules: boolean;
  /** Whether each local updater receives its own state. */
  readonly withSelf: boolean;
  readonly knownFailing: KnownFailing | undefined;
}

const NO_LOOKUP: SettledLookup = Object.freeze({ found: new Map(), errors: new Map() });
const NO_RULES: readonly DenialRule[] = Object.freeze([]);

/** The unrouted parts of a fan-out, from the failed lookups. */
function unroutedParts(
  defaultRouted: readonly UserPresenceState[],
  userErrors: ReadonlyMap<string, Error>,
  rooms: ReadonlyMap<string, readonly UserPresenceState[]>,
  roomErrors: ReadonlyMap<string, Error>,
): UnroutedParts {
  if (userErrors.size === 0 && rooms.size === 0) return NOTHING_UNROUTED;
  const users = new Map<string, UserPresenceState>();
  const errors = new Map<string, Error>();
  for (const state of defaultRouted) {
    const error = userErrors.get(state.userId);
    if (error === undefined) continue;
    users.set(state.userId, state);
    errors.set(state.userId, error);
  }
  for (const roomId of rooms.keys()) errors.set(roomId, roomErrors.get(roomId) as Error);
  return { users, rooms, errors, size: users.size + rooms.size };
}

const NOTHING_UNROUTED: UnroutedParts = Object.freeze({
  users: new Map(),
  rooms: new Map(),
  errors: new Map(),
  size: 0,
});

interface Source {
  readonly members: Int32Array;
  readonly states: number[];
}

/** The grouped form of a batch's denials (see `PresenceRouter.#withholdings`). */
interface Withholdings {
  /** Withholding sources: a denied room's members or a denied user, with the states denied. */
  readonly sources: Source[];
  /** Server index -> states withheld from all its users. */
  readonly byServer: Map<number, Set<number>>;
  /** States withheld from everyone but their senders. */
  readonly everywhere: Set<number>;
}

const NO_DESTINATIONS: RoutedDestinations = Object.freeze({
  users: new Map<string, ReadonlySet<UserPresenceState>>(),
  rooms: new Map<string, ReadonlySet<UserPresenceState>>(),
});

/** Sorts state numbers ascending and drops repeats (in place). */
function ascendingUnique(list: number[]): number[] {
  list.sort((a, b) => a - b);
  let out = 0;
  for (let i = 0; i < list.length; i++) {
    if (i === 0 || list[i] !== list[out - 1]) list[out++] = list[i] as number;
  }
  list.length = out;
  return list;
}

/** Whether the ascending `list` holds `value`. */
function binaryHas(list: readonly number[], value: number): boolean {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = list[mid] as number;
    if (at === value) return true;
    if (at < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Routes presence with the configured modules; see the module documentation. */
export class PresenceRouter {
  readonly serverName: string;
  readonly #membership: MembershipSource;
  readonly #modules: readonly PresenceRouterModule[];
  readonly #names: readonly string[];
  /** Every module's index, in order. */
  readonly #all: readonly number[];
  readonly #logger: Logger;
  readonly #excluded: ReadonlySet<string>;
  readonly #rules: PolicyRules;
  /** The modules with their names, for denials and explanations. */
  readonly #named: readonly NamedModule[];
  /** Whether denials can apply: the policy's deny lists or a module's `getDeniedRecipients`. */
  readonly #denying: boolean;
  readonly #interner: UserInterner;
  readonly #grouper = new RecipientGrouper();
  /** Per interned user: the batch (epoch) it was last seen in, and its position there. */
  #batchStamp: Int32Array = new Int32Array(0);
  #batchSlot: Int32Array = new Int32Array(0);
  #batchEpoch = 0;

  constructor(options: PresenceRouterOptions) {
    this.serverName = assertServerName(options.serverName);
    if (typeof options.membership?.getJoinedMembers !== 'function') {
      throw new TypeError('PresenceRouter needs a membership source (options.membership)');
    }
    this.#membership = options.membership;
    const modules = options.modules ?? [];
    this.#names = modules.map(
      (module, i) => options.moduleNames?.[i] ?? PresenceRouter.#nameOf(module, i),
    );
    this.#all = modules.map((_, i) => i);
    modules.forEach((module, i) => {
      assertRoutingModule(module, this.#names[i] as string);
    });
    this.#modules = [...modules];
    this.#logger = options.logger ?? consoleLogger;
    this.#excluded = new Set(options.excludeRoomsFromPresence ?? []);
    this.#rules = policyRules(options.policy);
    this.#named = this.#modules.map((module, i) => ({ module, name: this.#names[i] as string }));
    this.#denying =
      this.#rules.denies ||
      this.#modules.some((module) => typeof module.getDeniedRecipients === 'function');
    this.#interner = new UserInterner(this.serverName);
  }

  static #nameOf(module: PresenceRouterModule, index: number): string {
    if (typeof module?.moduleName === 'string') return module.moduleName;
    const ctor = (module as { constructor?: { name?: string } } | null)?.constructor?.name;
    return ctor && ctor !== 'Object'
      ? `${ctor} (routing_modules[${index}])`
      : `routing_modules[${index}]`;
  }

  /** Rooms left out of default routing and of co-membership (`exclude_rooms_from_presence`). */
  get excludedRooms(): ReadonlySet<string> {
    return this.#excluded;
  }

  /** The operator's policy as applied (defaults filled in; `maxRoomSize` `Infinity` for none). */
  get policy(): Required<Omit<PresencePolicy, 'deny'>> & {
    readonly deny: {
      readonly users: ReadonlySet<string>;
      readonly rooms: ReadonlySet<string>;
      readonly servers: ReadonlySet<string>;
    };
  } {
    const rules = this.#rules;
    return {
      defaultRouting: rules.defaultRouting,
      localOnly: rules.localOnly,
      maxRoomSize: rules.maxRoomSize,
      deny: { users: rules.denyUsers, rooms: rules.denyRooms, servers: rules.denyServers },
    };
  }

  /** The names of the modules, by position (for logs and explanations). */
  get moduleNames(): readonly string[] {
    return this.#names;
  }

  /**
   * Looks up the members of `roomIds` and converts them to the router's integer form ahead of
   * the first fan-out that touches them (a server warming up its large rooms, a benchmark
   * timing steady state). Resolves to the number of rooms loaded; failures are skipped.
   */
  async preloadRooms(roomIds: readonly string[]): Promise<number> {
    const { found } = await lookUpMembers(this.#membership, roomIds);
    for (const members of found.values()) this.#interner.internMembers(members);
    return found.size;
  }

  /**
   * A set of users to deliver to, for {@link FanOutResult.forEachGroupAmong}: the users who
   * sync, say. Build it once and reuse it while the set does not change.
   */
  userSet(userIds: Iterable<string>): UserSet {
    return new UserSet(this.#interner, userIds);
  }

  /**
   * The read side: whose presence `userId` receives — itself, the members of its rooms
   * (excluded rooms, and with the policy rooms over `maxRoomSize` or every room under
   * `defaultRouting: false`, left out), and the modules' `getInterestedUsers` — or
   * {@link ALL_USERS}. A user the policy denies (its `deny` lists, `localOnly` for a remote
   * user) receives only itself. The modules' denials are per state: apply them with
   * {@link statesSeenBy} (or `FanOutResult.allows`). `complete` is false when some of its
   * rooms could not be looked up.
   */
  usersSeenBy(userId: string): Promise<SeenUsers> {
    return usersSeenBy(this.#readSide, userId);
  }

  /**
   * The read side for states (a sync's snapshot, say): those of `states` that `viewer`
   * receives — its own, and those of {@link usersSeenBy} that neither the policy nor a
   * module's `getDeniedRecipients` denies it. Each module's denial callback is called once,
   * with the candidate states.
   */
  statesSeenBy(viewer: string, states: Iterable<UserPresenceState>): Promise<SeenStates> {
    return statesSeenBy(this.#readSide, viewer, [...states]);
  }

  /**
   * Visibility: whether `viewer` may see `target`'s presence — itself, a co-member, or routed
   * by a module on either side (the read side of `viewer`, the write side of `targetState`) —
   * and neither the policy nor a module denies it (a denial wins).
   * `complete` is false when the answer is no but some rooms could not be looked up.
   */
  canSee(viewer: string, target: string, targetState: UserPresenceState): Promise<Visibility> {
    return canSee(this.#readSide, viewer, target, targetState);
  }

  /**
   * Why `to` does or does not receive `from`'s presence (given `from`'s state): the rooms
   * they share or that are excluded, each module's write side, read side, denials and — when
   * the module has an `explain` hook — the rules that match, and the policy rules that apply
   * (`denials`: `denied by presence.deny.rooms !big:hs`, `local_only: ...`, `denied by routing
   * module X (users: @to)`; `limits`: `max_room_size 500 < 812 members: ...`).
   * @throws InvalidIdentifierError for an invalid user ID.
   */
  explain(from: string, to: string, state: UserPresenceState): Promise<Explanation> {
    return explain(this.#explanationParts, from, to, state);
  }

  get #readSide(): ReadSideParts {
    return {
      membership: this.#membership,
      excluded: this.#excluded,
      rules: this.#rules,
      serverName: this.serverName,
      isLocal: (userId) => this.isLocalUser(userId),
      interest: (userId) => this.#interest(userId, this.#all),
      routed: (state) => this.#usersForStates([state], this.#all),
      denials: (states) =>
        this.#denying
          ? collectDenials(this.#named, states, this.#logger, policyRule(this.#rules))
          : Promise.resolve(NO_RULES),
    };
  }

  get #explanationParts(): ExplanationParts {
    return {
      ...this.#readSide,
      modules: this.#named,
      routedBy: (index, state) => this.#usersForStates([state], [index]),
      interestBy: (index, userId) => this.#interest(userId, [index]),
      deniedBy: (index, state) =>
        collectDenials([this.#named[index] as NamedModule], [state], this.#logger, undefined),
    };
  }

  /** The denials of `states`: the policy's deny lists and every module's. */
  #denials(states: readonly UserPresenceState[]): Promise<readonly DenialRule[]> {
    if (!this.#denying) return Promise.resolve(NO_RULES);
    return collectDenials(this.#named, states, this.#logger, policyRule(this.#rules));
  }

  /**
   * Whether `recipient` may receive `sender`'s state under the policy and `rules`, with the
   * members of the denied rooms from `rooms` (a room that failed to answer denies everyone:
   * fail closed).
   */
  #allowsWith(
    rules: readonly DenialRule[],
    rooms: SettledLookup,
  ): (sender: string, recipient: string) => boolean {
    const memberSets = new Map<string, Set<string>>();
    const inRoomOf =
      (recipient: string) =>
      (roomId: string): boolean => {
        if (rooms.errors.has(roomId)) return true;
        let set = memberSets.get(roomId);
        if (set === undefined) {
          set = new Set(rooms.found.get(roomId) ?? []);
          memberSets.set(roomId, set);
        }
        return set.has(recipient);
      };
    return (sender, recipient) => {
      if (sender === recipient) return true;
      if (this.#rules.localOnly && !this.isLocalUser(recipient)) return false;
      return denialReason(rules, sender, recipient, inRoomOf(recipient)) === undefined;
    };
  }

  /** Whether a user ID belongs to this server. */
  isLocalUser(userId: string): boolean {
    return (
      userId.endsWith(`:${this.serverName}`) &&
      userId.indexOf(':') === userId.length - this.serverName.length - 1
    );
  }

  /**
   * Runs every module's write-side callback on the same array of states and unions the
   * results. Rooms are not expanded. A module that throws or returns the wrong type is
   * logged and skipped.
   */
  collectDestinations(states: Iterable<UserPresenceState>): Promise<RoutedDestinations> {
    return this.#collect(states, this.#all);
  }

  async #collect(
    states: Iterable<UserPresenceState>,
    indices: readonly number[],
  ): Promise<RoutedDestinations> {
    if (indices.length === 0) return { users: new Map(), rooms: new Map() };
    const input = Object.freeze([...states]);
    const canonical = new StateCanonicalizer();
    canonical.seed(input);
    const merger = new DestinationMerger(this.#logger, canonical);
    for (const i of indices) {
      const module = this.#modules[i] as PresenceRouterModule;
      const name = this.#names[i] as string;
      try {
        if (typeof module.getRoomsAndUsersForStates === 'function') {
          const result: unknown = await module.getRoomsAndUsersForStates(input);
          if (!Array.isArray(result) || result.length !== 2) {
            this.#logger.warn(
              `Routing module ${name} returned ${describeValue(result)} from getRoomsAndUsersForStates, expected [roomIdsToStates, userIdsToStates]; result skipped`,
              { module: name },
            );
            continue;
          }
          merger.addRooms(name, result[0]);
          merger.addUsers(name, result[1]);
        } else if (typeof module.getUsersForStates === 'function') {
          merger.addUsers(name, await module.getUsersForStates(input));
        }
      } catch (error) {
        this.#logger.error(`Routing module ${name} failed while routing states; skipped`, {
          module: name,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    return { users: merger.users, rooms: merger.rooms };
  }

  /**
   * Destination user ID -> the states to send to that user, from every module, with room
   * destinations expanded to their joined members (rooms this server does not participate
   * in are dropped with a warning), minus what the policy (`deny`, `localOnly`) and the
   * modules' `getDeniedRecipients` deny. Users with identical destinations share one `Set`.
   */
  async getUsersForStates(
    states: Iterable<UserPresenceState>,
  ): Promise<ReadonlyMap<string, ReadonlySet<UserPresenceState>>> {
    if (!this.#denying && !this.#rules.localOnly) return this.#usersForStates(states, this.#all);
    const list = [...states];
    const [routed, rules] = await Promise.all([
      this.#usersForStates(list, this.#all),
      this.#denials(list),
    ]);
    const deniedRooms = [...deniedRoomsOf(rules)];
    const rooms =
      deniedRooms.length > 0 ? await lookUpMembers(this.#membership, deniedRooms) : NO_LOOKUP;
    const allows = this.#allowsWith(rules, rooms);
    const result = new Map<string, ReadonlySet<UserPresenceState>>();
    for (const [userId, userStates] of routed) {
      const kept = new Set<UserPresenceState>();
      for (const state of userStates) if (allows(state.userId, userId)) kept.add(state);
      if (kept.size > 0) result.set(userId, kept.size === userStates.size ? userStates : kept);
    }
    return result;
  }

  async #usersForStates(
    states: Iterable<UserPresenceState>,
    indices: readonly number[],
  ): Promise<ReadonlyMap<string, ReadonlySet<UserPresenceState>>> {
    const routed = await this.#collect(states, indices);
    if (routed.rooms.size === 0) return routed.users;
    const numbering = new StateNumbering();
    const indexOf = (state: UserPresenceState): number => numbering.numberOf(state);
    const members = await this.#joinedMembers([...routed.rooms.keys()]);
    const sources: Source[] = [];
    for (const [roomId, roomStates] of routed.rooms) {
      const roomMembers = members.get(roomId);
      if (roomMembers === undefined) {
        this.#warnNotParticipating(roomId);
        continue;
      }
      sources.push({
        members: this.#interner.internMembers(roomMembers),
        states: [...roomStates].map(indexOf),
      });
    }
    const numbered = new Map<ReadonlySet<UserPresenceState>, number[]>();
    for (const [userId, userStates] of routed.users) {
      let list = numbered.get(userStates);
      if (list === undefined) {
        list = [...userStates].map(indexOf);
        numbered.set(userStates, list);
      }
      sources.push({ members: Int32Array.of(this.#interner.intern(userId)), states: list });
    }
    const grouper = this.#grouper;
    grouper.begin(this.#interner.size);
    for (const source of sources) grouper.addSource(source.members);
    const grouping = grouper.finish();
    const result = new Map<string, ReadonlySet<UserPresenceState>>();
    const { groupIds, starts, members: recipients } = grouping;
    for (let k = 0; k < groupIds.length; k++) {
      const group = groupIds[k] as number;
      const union = new Set<UserPresenceState>();
      for (const s of sourcesOfGroup(grouping, group).reverse()) {
        for (const index of (sources[s] as Source).states)
          union.add(numbering.states[index] as UserPresenceState);
      }
      for (let j = starts[k] as number; j < (starts[k + 1] as number); j++) {
        result.set(this.#interner.userIdOf(recipients[j] as number), union);
      }
    }
    return result;
  }

  /**
   * The users whose presence `userId` receives according to the modules: the union of their
   * answers, or {@link ALL_USERS} as soon as one module answers it (or `"ALL"`); later
   * modules are then not called. Failing modules and wrong result types are logged and
   * skipped; entries that are not valid user IDs are dropped with a warning. A user the policy
   * denies outright (its `deny` lists, `localOnly` for a remote user) gets an empty set, the
   * modules unasked (when its rooms cannot be looked up for `deny.rooms`, too: fail closed).
   * Modules' denials are per state: apply them with `FanOutResult.allows` or `statesSeenBy`.
   */
  async getInterestedUsers(userId: string): Promise<Set<string> | AllUsers> {
    if (this.#rules.restricts) {
      const denied = await policyDenialOf(this.#readSide, userId);
      if (denied.reason !== undefined || !denied.complete) return new Set();
    }
    return this.#interest(userId, this.#all);
  }

  async #interest(userId: string, indices: readonly number[]): Promise<Set<string> | AllUsers> {
    const interested = new Set<string>();
    for (const i of indices) {
      const module = this.#modules[i] as PresenceRouterModule;
      if (typeof module.getInterestedUsers !== 'function') continue;
      const name = this.#names[i] as string;
      let result: unknown;
      try {
        result = await module.getInterestedUsers(userId);
      } catch (error) {
        this.#logger.error(`Routing module ${name} failed in getInterestedUsers; skipped`, {
          module: name,
          userId,
          error: error instanceof Error ? error.message : String(error),
        });
        continue;
      }
      if (result === ALL_USERS || result === 'ALL') return ALL_USERS;
      if (!(result instanceof Set) && !Array.isArray(result)) {
        this.#logger.warn(
          `Routing module ${name} returned ${describeValue(result)} from getInterestedUsers, expected a Set of user IDs or ALL_USERS; skipped`,
          { module: name, userId },
        );
        continue;
      }
      for (const other of result as Iterable<unknown>) {
        const problem = typeof other === 'string' ? userIdProblem(other) : 'not a string';
        if (problem !== undefined) {
          this.#logger.warn(
            `Routing module ${name} returned the invalid user ID ${describeValue(other)} from getInterestedUsers (${problem}); dropped`,
            { module: name, userId },
          );
          continue;
        }
        interested.add(other as string);
      }
    }
    return interested;
  }

  /**
   * Fans out a batch of presence updates (the latest state per user counts): every local
   * recipient — the user itself, every member of every room the user is joined to (minus
   * excluded rooms), and the modules' destinations — grouped by identical state lists, and
   * remote destinations grouped by server (local users' states only).
   *
   * Membership lookups that fail do not fail the batch: the rest is routed, and what could
   * not be is in {@link FanOutResult.unrouted} (users whose rooms, rooms whose members could
   * not be looked up) for the caller to retry with {@link fanOutRetry}. Keys in
   * `options.knownFailing` are not looked up at all and land there directly.
   */
  async fanOut(
    batch: Iterable<UserPresenceState>,
    options: FanOutOptions = {},
  ): Promise<FanOutResult> {
    const { states, updaterIds } = this.#latestPerUser(batch);
    return this.#route({
      states,
      updaterIds,
      defaultRouted: states,
      rooms: undefined,
      withModules: this.#modules.length > 0,
      withSelf: true,
      knownFailing: options.knownFailing,
    });
  }

  /**
   * Routes again what an earlier fan-out left {@link FanOutResult.unrouted}: default routing
   * of `retry.users`' states (their rooms), and `retry.rooms`' states to those rooms'
   * members. No module is called and no user is sent its own state again: those parts were
   * done. Pass the users' latest states, so a retry never delivers an older state.
   */
  async fanOutRetry(retry: RetryParts, options: FanOutOptions = {}): Promise<FanOutResult> {
    const all: UserPresenceState[] = [...retry.users];
    for (const roomStates of retry.rooms.values()) all.push(...roomStates);
    const { states, updaterIds } = this.#latestPerUser(all);
    const latest = new Map(states.map((state) => [state.userId, state]));
    const pick = (state: UserPresenceState): UserPresenceState => latest.get(state.userId) ?? state;
    const rooms = new Map<string, readonly UserPresenceState[]>();
    for (const [roomId, roomStates] of retry.rooms) rooms.set(roomId, roomStates.map(pick));
    return this.#route({
      states,
      updaterIds,
      defaultRouted: [...retry.users].map(pick),
      rooms,
      withModules: false,
      withSelf: false,
      knownFailing: options.knownFailing,
    });
  }

  async #route(plan: RoutePlan): Promise<FanOutResult> {
    const interner = this.#interner;
    const rules = this.#rules;
    const { states, updaterIds } = plan;
    // Default routing: the users' rooms, unless the policy turns it off.
    const defaultStates = rules.defaultRouting ? plan.defaultRouted : [];
    const defaultIds = defaultStates.map((state) => state.userId);
    const [roomsOfUsers, routed, denials] = await Promise.all([
      lookUpRooms(this.#membership, defaultIds, plan.knownFailing),
      plan.withModules ? this.collectDestinations(states) : NO_DESTINATIONS,
      this.#denials(states),
    ]);

    // States are numbered: the batch first, then any other state a module returned.
    const numbering = new StateNumbering(states);
    const indexOf = (state: UserPresenceState): number => numbering.numberOf(state);

    // Default routing: each touched room delivers the states of its updating members (state
    // numbers ascending, as the self check below binary-searches them).
    const roomStates = new Map<string, number[]>();
    const excluded = this.#excluded;
    const sortNeeded = new Set<string>();
    for (let i = 0; i < defaultStates.length; i++) {
      const rooms = roomsOfUsers.found.get(defaultIds[i] as string);
      if (rooms === undefined) continue;
      const number = defaultStates === states ? i : indexOf(defaultStates[i] as UserPresenceState);
      for (let r = 0; r < rooms.length; r++) {
        const roomId = rooms[r] as string;
        if (excluded.size > 0 && excluded.has(roomId)) continue;
        const list = roomStates.get(roomId);
        if (list === undefined) roomStates.set(roomId, [number]);
        else list.push(number);
      }
    }
    if (defaultStates !== states) for (const roomId of roomStates.keys()) sortNeeded.add(roomId);
    // What reaches a room besides default routing: the modules' room destinations and the
    // caller's (retries). Kept apart, for rooms over the policy's maxRoomSize.
    const extraStates = new Map<string, number[]>();
    const addExtra = (roomId: string, extra: Iterable<UserPresenceState>): void => {
      let list = extraStates.get(roomId);
      if (list === undefined) {
        list = [];
        extraStates.set(roomId, list);
      }
      for (const state of extra) list.push(indexOf(state));
    };
    for (const [roomId, routedStates] of routed.rooms) addExtra(roomId, routedStates);
    if (plan.rooms !== undefined) {
      for (const [roomId, extra] of plan.rooms) addExtra(roomId, extra);
    }

    const roomIds = [...roomStates.keys()];
    for (const roomId of extraStates.keys()) if (!roomStates.has(roomId)) roomIds.push(roomId);
    // Denied rooms are looked up in the same call: their members must not receive.
    const deniedRooms = denials.length > 0 ? deniedRoomsOf(denials) : undefined;
    const lookupIds = roomIds.slice();
    if (deniedRooms !== undefined) {
      for (const roomId of deniedRooms) {
        if (!roomStates.has(roomId) && !extraStates.has(roomId)) lookupIds.push(roomId);
      }
    }
    const members =
      lookupIds.length > 0
        ? await lookUpMembers(this.#membership, lookupIds, plan.knownFailing)
        : NO_LOOKUP;
    const sourceMembers: Int32Array[] = [];
    const sourceStates: number[][] = [];
    const failedRooms = new Map<string, readonly UserPresenceState[]>();
    for (const roomId of roomIds) {
      const roomMembers = members.found.get(roomId);
      const defaults = roomStates.get(roomId);
      const extra = extraStates.get(roomId);
      if (roomMembers === undefined) {
        if (members.errors.has(roomId)) {
          const all = ascendingUnique([...(defaults ?? []), ...(extra ?? [])]);
          failedRooms.set(
            roomId,
            all.map((n) => numbering.states[n] as UserPresenceState),
          );
        } else if (routed.rooms.has(roomId)) this.#warnNotParticipating(roomId);
        continue;
      }
      let list: number[];
      if (roomMembers.length > rules.maxRoomSize) {
        // Over maxRoomSize: no default presence. A retried room's states from its own members
        // were default routing; the modules' room destinations are not limited.
        if (extra === undefined) continue;
        list = extra;
        if (plan.rooms?.has(roomId)) {
          const joined = new Set(roomMembers);
          list = extra.filter(
            (n) => !joined.has((numbering.states[n] as UserPresenceState).userId),
          );
        }
        list = ascendingUnique(list);
        if (list.length === 0) continue;
      } else if (extra === undefined) {
        list = defaults as number[];
        if (sortNeeded.has(roomId)) ascendingUnique(list);
      } else {
        list = ascendingUnique(defaults === undefined ? extra : [...defaults, ...extra]);
      }
      sourceMembers.push(interner.internMembers(roomMembers));
      sourceStates.push(list);
    }
    const numbered = new Map<ReadonlySet<UserPresenceState>, number[]>();
    for (const [userId, userStates] of routed.users) {
      let list = numbered.get(userStates);
      if (list === undefined) {
        list = ascendingUnique([...userStates].map(indexOf));
        numbered.set(userStates, list);
      }
      sourceMembers.push(Int32Array.of(interner.intern(userId)));
      sourceStates.push(list);
    }
    const delivering = sourceMembers.length;

    // Denials become withholding sources (one per denied room, one per denied user), states
    // withheld per server, and states withheld everywhere (a module that failed closed).
    const denialErrors = new Map<string, Error>();
    const withheld =
      denials.length > 0
        ? this.#withholdings(denials, numbering.states, members, denialErrors)
        : undefined;
    const withholding = withheld?.sources ?? [];
    // Updaters a denial could deprive of their own state: they get a self source that always
    // delivers. The others keep Synapse's rule below (a self source only when no source
    // delivers their state), so they stay in their rooms' groups.
    const selfDenied =
      withheld !== undefined && plan.withSelf
        ? this.#selfDenied(withheld, states.length, updaterIds)
        : undefined;

    const grouper = this.#grouper;
    grouper.begin(interner.size);
    for (let s = 0; s < delivering; s++) grouper.addSource(sourceMembers[s] as Int32Array);

    // The user itself: unless a source that reached it already delivers its own state.
    if (plan.withSelf) {
      for (let i = 0; i < states.length; i++) {
        const id = updaterIds[i] as number;
        if (!interner.isLocal(id)) continue;
        if (selfDenied?.has(i) || !grouper.isReachedByState(id, i, sourceStates)) {
          sourceMembers.push(Int32Array.of(id));
          sourceStates.push([i]);
          grouper.addSource(sourceMembers[sourceMembers.length - 1] as Int32Array);
        }
      }
    }
    const alwaysEnd = sourceMembers.length;
    for (const source of withholding) {
      sourceMembers.push(source.members);
      sourceStates.push(source.states);
      grouper.addSource(source.members, true);
    }
    const grouping = grouper.finish(interner.localFlags);

    const stateList = numbering.states;
    const isLocalState = new Uint8Array(stateList.length);
    for (let i = 0; i < stateList.length; i++) {
      const id =
        i < updaterIds.length
          ? (updaterIds[i] as number)
          : interner.intern((stateList[i] as UserPresenceState).userId);
      isLocalState[i] = interner.isLocal(id) ? 1 : 0;
    }
    let restrictions: FanOutRestrictions | undefined;
    if (withheld !== undefined || rules.localOnly) {
      const kinds = new Uint8Array(sourceMembers.length).fill(DELIVERS);
      kinds.fill(DELIVERS_ALWAYS, delivering, alwaysEnd);
      kinds.fill(WITHHOLDS, alwaysEnd, alwaysEnd + withholding.length);
      restrictions = {
        denies: withheld !== undefined,
        kinds,
        byServer: withheld?.byServer ?? new Map(),
        everywhere: withheld?.everywhere ?? new Set(),
        localOnly: rules.localOnly,
        allows: this.#allowsWith(denials, members),
      };
    }
    let userErrors: ReadonlyMap<string, Error> = roomsOfUsers.errors;
    if (denialErrors.size > 0) userErrors = new Map([...roomsOfUsers.errors, ...denialErrors]);
    return new FanOutResult({
      interner,
      grouping,
      stateList,
      batchSize: states.length,
      isLocalState,
      sourceStates,
      unrouted: unroutedParts(plan.defaultRouted, userErrors, failedRooms, members.errors),
      restrictions,
    });
  }

  /**
   * The batch positions of the updaters that `withheld` may deny their own state: withheld
   * everywhere or from this server, or members of a withholding source of their state.
   */
  #selfDenied(
    withheld: Withholdings,
    batchSize: number,
    updaterIds: readonly number[],
  ): Set<number> {
    const denied = new Set<number>();
    for (const n of withheld.everywhere) if (n < batchSize) denied.add(n);
    for (const n of withheld.byServer.get(LOCAL_SERVER) ?? []) if (n < batchSize) denied.add(n);
    if (withheld.sources.length === 0) return denied;
    const slot = new Int32Array(this.#interner.size).fill(-1);
    for (let i = 0; i < batchSize; i++) slot[updaterIds[i] as number] = i;
    for (const source of withheld.sources) {
      for (const member of source.members) {
        const i = slot[member] as number;
        if (i >= 0 && binaryHas(source.states, i)) denied.add(i);
      }
    }
    return denied;
  }

  /**
   * The grouped form of `denials` over the numbered states: a withholding source per denied
   * room (its members) and per denied user, the states withheld per server, and those withheld
   * everywhere. A denied room whose members could not be looked up withholds its states
   * everywhere (fail closed) and its senders' default routing is reported unrouted, in
   * `errors`, to be retried.
   */
  #withholdings(
    denials: readonly DenialRule[],
    stateList: readonly UserPresenceState[],
    members: SettledLookup,
    errors: Map<string, Error>,
  ): Withholdings | undefined {
    const all = stateList.map((_, i) => i);
    let bySender: Map<string, number[]> | undefined;
    const statesOf = (rule: DenialRule): number[] => {
      if (rule.senders === 'all') return all;
      if (bySender === undefined) {
        bySender = new Map();
        stateList.forEach((state, i) => {
          const list = bySender?.get(state.userId);
          if (list === undefined) bySender?.set(state.userId, [i]);
          else list.push(i);
        });
      }
      const out: number[] = [];
      for (const sender of rule.senders) out.push(...(bySender.get(sender) ?? []));
      return out;
    };
    const everywhere = new Set<number>();
    const users = new Map<string, number[]>();
    const rooms = new Map<string, number[]>();
    const servers = new Map<number, Set<number>>();
    const push = (map: Map<string, number[]>, key: string, numbers: number[]): void => {
      const list = map.get(key);
      if (list === undefined) map.set(key, numbers.slice());
      else list.push(...numbers);
    };
    for (const rule of denials) {
      const numbers = statesOf(rule);
      if (numbers.length === 0) continue;
      if (rule.everyone) for (const n of numbers) everywhere.add(n);
      for (const userId of rule.users) push(users, userId, numbers);
      for (const roomId of rule.rooms) push(rooms, roomId, numbers);
      for (const server of rule.servers) {
        const index = this.#interner.serverIndexOfName(server);
        if (index === undefined) continue; // no interned user is on it: no recipient there
        let set = servers.get(index);
        if (set === undefined) {
          set = new Set();
          servers.set(index, set);
        }
        for (const n of numbers) set.add(n);
      }
    }
    const sources: Source[] = [];
    for (const [roomId, numbers] of rooms) {
      const roomMembers = members.found.get(roomId);
      if (roomMembers !== undefined) {
        sources.push({
          members: this.#interner.internMembers(roomMembers),
          states: ascendingUnique(numbers),
        });
        continue;
      }
      const error = members.errors.get(roomId);
      if (error === undefined) continue; // not participating: no member to deny
      for (const n of numbers) {
        everywhere.add(n);
        errors.set((stateList[n] as UserPresenceState).userId, error);
      }
      this.#logger.warn(
        `Denied room ${roomId} could not be looked up: the states it denies are withheld from everyone but their senders`,
        { roomId, error: error.message },
      );
    }
    for (const [userId, numbers] of users) {
      sources.push({
        members: Int32Array.of(this.#interner.intern(userId)),
        states: ascendingUnique(numbers),
      });
    }
    if (sources.length === 0 && servers.size === 0 && everywhere.size === 0) return undefined;
    return { sources, byServer: servers, everywhere };
  }

  /** The latest state of each user in the batch, in first-seen order, with interned IDs. */
  #latestPerUser(batch: Iterable<UserPresenceState>): {
    states: UserPresenceState[];
    updaterIds: number[];
  } {
    const interner = this.#interner;
    const states: UserPresenceState[] = [];
    const updaterIds: number[] = [];
    const epoch = ++this.#batchEpoch;
    for (const state of batch) {
      const id = interner.intern(state.userId);
      if (id >= this.#batchStamp.length) {
        const size = Math.max(id + 1, this.#batchStamp.length * 2);
        const stamp = new Int32Array(size);
        stamp.set(this.#batchStamp);
        this.#batchStamp = stamp;
        const slot = new Int32Array(size);
        slot.set(this.#batchSlot);
        this.#batchSlot = slot;
      }
      if (this.#batchStamp[id] === epoch) {
        states[this.#batchSlot[id] as number] = state;
        continue;
      }
      this.#batchStamp[id] = epoch;
      this.#batchSlot[id] = states.length;
      states.push(state);
      updaterIds.push(id);
    }
    return { states, updaterIds };
  }

  #warnNotParticipating(roomId: string): void {
    this.#logger.warn(
      `Room destination ${roomId} dropped: this server (${this.serverName}) does not participate in it (no local user is joined)`,
      { roomId },
    );
  }

  /**
   * Members of rooms that came from the membership source itself or passed the module-result
   * checks (room IDs are validated there, not again here: this is the hot path).
   */
  async #joinedMembers(roomIds: string[]): Promise<ReadonlyMap<string, readonly string[]>> {
    try {
      return await this.#membership.getJoinedMembers(roomIds);
    } catch (error) {
      throw new MembershipLookupError('members', roomIds, error);
    }
  }
}
