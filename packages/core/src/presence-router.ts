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
import { FanOutResult } from './fan-out-result.ts';
import { assertServerName, userIdProblem } from './identifiers.ts';
import { consoleLogger, type Logger } from './logger.ts';
import type { MembershipSource } from './membership-source.ts';
import { assertRoutingModule } from './module-registration.ts';
import { DestinationMerger, describeValue, StateCanonicalizer } from './module-results.ts';
import { RecipientGrouper, sourcesOfGroup } from './recipient-grouping.ts';
import { ALL_USERS, type AllUsers, type PresenceRouterModule } from './router-module.ts';
import { StateNumbering } from './state-numbering.ts';
import { UserInterner } from './user-interner.ts';
import type { UserPresenceState } from './user-presence-state.ts';

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
}

/** Module destinations before room expansion. */
export interface RoutedDestinations {
  /** Destination user -> states (each state once, by value). */
  readonly users: ReadonlyMap<string, ReadonlySet<UserPresenceState>>;
  /** Destination room -> states, to go to every joined member. */
  readonly rooms: ReadonlyMap<string, ReadonlySet<UserPresenceState>>;
}

interface Source {
  readonly members: Int32Array;
  readonly states: number[];
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

/** Routes presence with the configured modules; see the module documentation. */
export class PresenceRouter {
  readonly serverName: string;
  readonly #membership: MembershipSource;
  readonly #modules: readonly PresenceRouterModule[];
  readonly #names: readonly string[];
  readonly #logger: Logger;
  readonly #excluded: ReadonlySet<string>;
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
    this.#names = modules.map((module, i) => PresenceRouter.#nameOf(module, i));
    modules.forEach((module, i) => {
      assertRoutingModule(module, this.#names[i] as string);
    });
    this.#modules = [...modules];
    this.#logger = options.logger ?? consoleLogger;
    this.#excluded = new Set(options.excludeRoomsFromPresence ?? []);
    this.#interner = new UserInterner(this.serverName);
  }

  static #nameOf(module: PresenceRouterModule, index: number): string {
    if (typeof module?.moduleName === 'string') return module.moduleName;
    const ctor = (module as { constructor?: { name?: string } } | null)?.constructor?.name;
    return ctor && ctor !== 'Object'
      ? `${ctor} (routing_modules[${index}])`
      : `routing_modules[${index}]`;
  }

  /** The user-ID interner of the hot path (shared with {@link FanOutResult}). */
  get interner(): UserInterner {
    return this.#interner;
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
  async collectDestinations(states: Iterable<UserPresenceState>): Promise<RoutedDestinations> {
    if (this.#modules.length === 0) return { users: new Map(), rooms: new Map() };
    const input = Object.freeze([...states]);
    const canonical = new StateCanonicalizer();
    canonical.seed(input);
    const merger = new DestinationMerger(this.#logger, canonical);
    for (let i = 0; i < this.#modules.length; i++) {
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
   * in are dropped with a warning). Users with identical destinations share one `Set`.
   */
  async getUsersForStates(
    states: Iterable<UserPresenceState>,
  ): Promise<ReadonlyMap<string, ReadonlySet<UserPresenceState>>> {
    const routed = await this.collectDestinations(states);
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
   * skipped; entries that are not valid user IDs are dropped with a warning.
   */
  async getInterestedUsers(userId: string): Promise<Set<string> | AllUsers> {
    const interested = new Set<string>();
    for (let i = 0; i < this.#modules.length; i++) {
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
   */
  async fanOut(batch: Iterable<UserPresenceState>): Promise<FanOutResult> {
    const interner = this.#interner;
    const { states, updaterIds } = this.#latestPerUser(batch);
    const userIds = states.map((state) => state.userId);
    const [roomsOfUsers, routed] =
      this.#modules.length === 0
        ? [await this.#roomsForUsers(userIds), NO_DESTINATIONS]
        : await Promise.all([this.#roomsForUsers(userIds), this.collectDestinations(states)]);

    // States are numbered: the batch first, then any other state a module returned.
    const numbering = new StateNumbering(states);
    const indexOf = (state: UserPresenceState): number => numbering.numberOf(state);

    // Default routing: each touched room delivers the states of its updating members (state
    // numbers ascending, as the self check below binary-searches them).
    const roomStates = new Map<string, number[]>();
    const excluded = this.#excluded;
    for (let i = 0; i < states.length; i++) {
      const rooms = roomsOfUsers.get(userIds[i] as string);
      if (rooms === undefined) continue;
      for (let r = 0; r < rooms.length; r++) {
        const roomId = rooms[r] as string;
        if (excluded.size > 0 && excluded.has(roomId)) continue;
        const list = roomStates.get(roomId);
        if (list === undefined) roomStates.set(roomId, [i]);
        else list.push(i);
      }
    }
    for (const [roomId, routedStates] of routed.rooms) {
      const list = roomStates.get(roomId) ?? [];
      for (const state of routedStates) list.push(indexOf(state));
      roomStates.set(roomId, ascendingUnique(list));
    }

    const roomIds = [...roomStates.keys()];
    const members =
      roomIds.length > 0
        ? await this.#joinedMembers(roomIds)
        : new Map<string, readonly string[]>();
    const sourceMembers: Int32Array[] = [];
    const sourceStates: number[][] = [];
    for (const roomId of roomIds) {
      const roomMembers = members.get(roomId);
      if (roomMembers === undefined) {
        if (routed.rooms.has(roomId)) this.#warnNotParticipating(roomId);
        continue;
      }
      sourceMembers.push(interner.internMembers(roomMembers));
      sourceStates.push(roomStates.get(roomId) as number[]);
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

    const grouper = this.#grouper;
    grouper.begin(interner.size);
    for (let s = 0; s < sourceMembers.length; s++)
      grouper.addSource(sourceMembers[s] as Int32Array);

    // The user itself: unless a source that reached it already delivers its own state.
    for (let i = 0; i < states.length; i++) {
      const id = updaterIds[i] as number;
      if (!interner.isLocal(id)) continue;
      if (!grouper.isReachedByState(id, i, sourceStates)) {
        sourceMembers.push(Int32Array.of(id));
        sourceStates.push([i]);
        grouper.addSource(sourceMembers[sourceMembers.length - 1] as Int32Array);
      }
    }
    const grouping = grouper.finish(interner.localFlags);

    const stateList = numbering.states;
    const localState = new Uint8Array(stateList.length);
    for (let i = 0; i < stateList.length; i++) {
      const id =
        i < updaterIds.length
          ? (updaterIds[i] as number)
          : interner.intern((stateList[i] as UserPresenceState).userId);
      localState[i] = interner.isLocal(id) ? 1 : 0;
    }
    return new FanOutResult({
      interner,
      grouping,
      stateList,
      batchSize: states.length,
      localState,
      sourceStates,
    });
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

  async #roomsForUsers(userIds: string[]): Promise<ReadonlyMap<string, readonly string[]>> {
    if (userIds.length === 0) return new Map();
    try {
      return await this.#membership.getRoomsForUsers(userIds);
    } catch (error) {
      throw new MembershipLookupError('rooms', userIds, error);
    }
  }
}
