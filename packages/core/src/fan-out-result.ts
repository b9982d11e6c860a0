/**
 * The result of fanning out a batch of presence updates, in grouped form: recipients that
 * receive the same states form one group sharing one state list. Views that materialize a
 * per-user `Map` are provided for callers who want them (the compatibility surface); the
 * grouped form is what makes delivery cheap.
 *
 * @example
 * ```ts
 * const result = await router.fanOut(states);
 * for (const group of result.groups) deliver(group.userIds, group.states);
 * for (const [server, dest] of result.remote) federation.send(server, dest.states);
 * result.toMap(); // Map<userId, UserPresenceState[]>, built on demand
 * ```
 * @module
 */
import {
  DELIVERS,
  DELIVERS_ALWAYS,
  type FanOutRestrictions,
  WITHHOLDS,
} from './internal/fan-out-restrictions.ts';
import { type Grouping, sourcesOfGroup } from './internal/recipient-grouping.ts';
import { LOCAL_SERVER, type UserInterner } from './internal/user-interner.ts';
import type { UserPresenceState } from './user-presence-state.ts';
import type { UserSet } from './user-set.ts';

/** Local recipients that receive the same states. */
export interface RecipientGroup {
  /** Interned user integers of the members (see {@link FanOutResult.userIdOf}). */
  readonly memberIds: Int32Array;
  /** The members' user IDs. */
  readonly userIds: readonly string[];
  /** The states every member receives, each once. Shared by all members: do not mutate. */
  readonly states: readonly UserPresenceState[];
}

/** Local recipients grouped, as flat arrays (see {@link FanOutResult.localGroups}). */
export interface LocalGroups {
  /** Group numbers, to pass to {@link FanOutResult.statesOfGroup}. */
  readonly groupIds: Int32Array;
  /** Where each group's members start in `members`; `starts[groupIds.length]` is the end. */
  readonly starts: Int32Array;
  /** Interned user integers of all local recipients, group after group. */
  readonly members: Int32Array;
}

/** What goes to one remote server over federation. */
export interface RemoteDestination {
  readonly serverName: string;
  /** Users on that server who are recipients. */
  readonly userIds: readonly string[];
  /** Local users' states for that server, each once. */
  readonly states: readonly UserPresenceState[];
}

/**
 * What a fan-out could not route because membership lookups failed. Everything else was
 * routed. Retry it with `PresenceRouter.fanOutRetry`, passing the users' latest states.
 */
export interface UnroutedParts {
  /** Users whose rooms could not be looked up: their states reached everyone but their rooms. */
  readonly users: ReadonlyMap<string, UserPresenceState>;
  /** Rooms whose members could not be looked up, with the states that were to reach them. */
  readonly rooms: ReadonlyMap<string, readonly UserPresenceState[]>;
  /** Why, per user or room ID (user and room IDs never collide: their sigils differ). */
  readonly errors: ReadonlyMap<string, Error>;
  /** `users.size + rooms.size`: 0 when everything was routed. */
  readonly size: number;
}

/** What {@link FanOutResult} is built from. */
export interface FanOutParts {
  readonly interner: UserInterner;
  readonly grouping: Grouping;
  /** The batch's states followed by any other state a module returned; indexed by number. */
  readonly stateList: readonly UserPresenceState[];
  /** Number of states from the batch itself (a prefix of `stateList`). */
  readonly batchSize: number;
  /** 1 where the state in `stateList` belongs to a local user, else 0. */
  readonly isLocalState: Uint8Array;
  /** State indices delivered by each source. */
  readonly sourceStates: readonly (readonly number[])[];
  /** What failed lookups left unrouted. */
  readonly unrouted: UnroutedParts;
  /** What the policy and the modules' denials take away; absent when nothing is. */
  readonly restrictions?: FanOutRestrictions | undefined;
}

class LazyGroup implements RecipientGroup {
  readonly memberIds: Int32Array;
  readonly #result: FanOutResult;
  readonly #group: number;
  #userIds: readonly string[] | undefined;

  constructor(result: FanOutResult, group: number, memberIds: Int32Array) {
    this.#result = result;
    this.#group = group;
    this.memberIds = memberIds;
  }

  get userIds(): readonly string[] {
    if (this.#userIds === undefined) {
      const ids = new Array<string>(this.memberIds.length);
      for (let i = 0; i < ids.length; i++)
        ids[i] = this.#result.userIdOf(this.memberIds[i] as number);
      this.#userIds = ids;
    }
    return this.#userIds;
  }

  get states(): readonly UserPresenceState[] {
    return this.#result.statesOfGroup(this.#group);
  }
}

/** A fanned-out batch: grouped local recipients and per-server remote destinations. */
export class FanOutResult {
  /** The batch as routed: the latest state of each user, in first-seen order. */
  readonly states: readonly UserPresenceState[];
  readonly #parts: FanOutParts;
  readonly #groupStates = new Map<number, readonly UserPresenceState[]>();
  #stateStamp: Int32Array | undefined;
  #deniedStamp: Int32Array | undefined;
  readonly #withheldByServer = new Map<number, Uint8Array>();
  #everywhere: Uint8Array | undefined;
  #pathWithholds: Uint8Array | undefined;
  #heldBySources: Uint8Array | undefined;
  #reachesLocal: Uint8Array | undefined;
  #stamp = 0;
  #localGroups: LocalGroups | undefined;
  #groups: readonly RecipientGroup[] | undefined;
  #groupOfRecipient: Map<number, number> | undefined;
  #remote: ReadonlyMap<string, RemoteDestination> | undefined;

  constructor(parts: FanOutParts) {
    this.#parts = parts;
    this.states = parts.stateList.slice(0, parts.batchSize);
  }

  /**
   * What could not be routed because membership lookups failed (`size` 0 when everything
   * was): retry it with `PresenceRouter.fanOutRetry`.
   */
  get unrouted(): UnroutedParts {
    return this.#parts.unrouted;
  }

  /**
   * The grouping itself, for consumers that work on integers. Under denials it may hold groups
   * left with no state: {@link localGroups} leaves them out.
   */
  get grouping(): Grouping {
    return this.#parts.grouping;
  }

  /** The user ID of an interned integer. */
  userIdOf(id: number): string {
    return this.#parts.interner.userIdOf(id);
  }

  /** Groups of local recipients (groups with no local member are left out). */
  get groups(): readonly RecipientGroup[] {
    if (this.#groups === undefined) this.#groups = this.#buildGroups();
    return this.#groups;
  }

  /** Number of local recipients. */
  get recipientCount(): number {
    return this.localGroups.members.length;
  }

  /** Number of (local recipient, state) deliveries. */
  get deliveryCount(): number {
    const { groupIds, starts } = this.localGroups;
    let count = 0;
    for (let k = 0; k < groupIds.length; k++) {
      count +=
        ((starts[k + 1] as number) - (starts[k] as number)) *
        this.statesOfGroup(groupIds[k] as number).length;
    }
    return count;
  }

  /** The states a local user receives (empty when none). */
  statesFor(userId: string): readonly UserPresenceState[] {
    const id = this.#parts.interner.lookup(userId);
    if (id === undefined || !this.#parts.interner.isLocal(id)) return [];
    if (this.#groupOfRecipient === undefined) {
      const map = new Map<number, number>();
      const { groupIds, starts, members } = this.localGroups;
      for (let k = 0; k < groupIds.length; k++) {
        const group = groupIds[k] as number;
        for (let j = starts[k] as number; j < (starts[k + 1] as number); j++)
          map.set(members[j] as number, group);
      }
      this.#groupOfRecipient = map;
    }
    const group = this.#groupOfRecipient.get(id);
    return group === undefined ? [] : this.statesOfGroup(group);
  }

  /**
   * Visits each group of local recipients with its members that are in `users` (those who
   * sync, say), skipping groups with none: a 5,000-member room costs 5,000 flag reads and no
   * string or map work for members outside the set. Returns the number of (recipient, state)
   * deliveries visited.
   */
  forEachGroupAmong(
    users: UserSet,
    visit: (userIds: readonly string[], states: readonly UserPresenceState[]) => void,
  ): number {
    if (!users.belongsTo(this.#parts.interner)) {
      throw new TypeError('forEachGroupAmong: the UserSet was built by another PresenceRouter');
    }
    if (users.size === 0) return 0;
    const { groupIds, starts, members } = this.localGroups;
    const interner = this.#parts.interner;
    let deliveries = 0;
    for (let k = 0; k < groupIds.length; k++) {
      let receivers: string[] | undefined;
      for (let j = starts[k] as number; j < (starts[k + 1] as number); j++) {
        const id = members[j] as number;
        if (!users.hasId(id)) continue;
        if (receivers === undefined) receivers = [];
        receivers.push(interner.userIdOf(id));
      }
      if (receivers === undefined) continue;
      const states = this.statesOfGroup(groupIds[k] as number);
      visit(receivers, states);
      deliveries += receivers.length * states.length;
    }
    return deliveries;
  }

  /** Materializes `userId -> states` for every local recipient. */
  toMap(): Map<string, readonly UserPresenceState[]> {
    const map = new Map<string, readonly UserPresenceState[]>();
    for (const group of this.groups) {
      const states = group.states;
      for (const userId of group.userIds) map.set(userId, states);
    }
    return map;
  }

  /**
   * Whether the policy and this batch's denials let `recipientUserId` receive the state of
   * `senderUserId` (not whether anything routed it there): for deliveries the fan-out does not
   * make itself, such as the read side (a syncing user whose `getInterestedUsers` covers the
   * sender). Always true for a user's own state; false for a remote recipient under `localOnly`.
   */
  allows(senderUserId: string, recipientUserId: string): boolean {
    return this.#parts.restrictions?.allows(senderUserId, recipientUserId) ?? true;
  }

  /**
   * Remote destinations by server name; only local users' states are sent over federation. A
   * state goes to a server when at least one of its recipients there is not denied it (the
   * server delivers to its own users); empty under the policy's `localOnly`.
   */
  get remote(): ReadonlyMap<string, RemoteDestination> {
    if (this.#remote === undefined) this.#remote = this.#buildRemote();
    return this.#remote;
  }

  /** The deduplicated states of a group of local recipients (cached). */
  statesOfGroup(group: number): readonly UserPresenceState[] {
    let states = this.#groupStates.get(group);
    if (states === undefined) {
      states = this.#collect(sourcesOfGroup(this.#parts.grouping, group), false, LOCAL_SERVER);
      this.#groupStates.set(group, states);
    }
    return states;
  }

  /**
   * The states `sources` deliver, each once, in number order: without restrictions, the union
   * of their states; with denials, the states of delivering sources minus those withheld by
   * withholding sources, by `server` or everywhere, plus those of sources that always deliver.
   */
  #collect(sources: Iterable<number>, localStates: boolean, server: number): UserPresenceState[] {
    const { stateList, sourceStates, isLocalState, restrictions } = this.#parts;
    if (this.#stateStamp === undefined) this.#stateStamp = new Int32Array(stateList.length);
    const stampOf = this.#stateStamp;
    const stamp = ++this.#stamp;
    const out: number[] = [];
    if (restrictions?.denies) {
      const { kinds } = restrictions;
      const base = this.#withheldAt(server);
      if (this.#deniedStamp === undefined) this.#deniedStamp = new Int32Array(stateList.length);
      const denied = this.#deniedStamp;
      const list = Array.isArray(sources) ? (sources as number[]) : [...sources];
      for (const source of list) {
        if (kinds[source] !== WITHHOLDS) continue;
        for (const s of sourceStates[source] as readonly number[]) denied[s] = stamp;
      }
      for (const source of list) {
        const kind = kinds[source];
        if (kind === WITHHOLDS) continue;
        for (const s of sourceStates[source] as readonly number[]) {
          if (stampOf[s] === stamp || (localStates && isLocalState[s] === 0)) continue;
          if (kind === DELIVERS && (base[s] === 1 || denied[s] === stamp)) continue;
          stampOf[s] = stamp;
          out.push(s);
        }
      }
    } else {
      for (const source of sources) {
        for (const s of sourceStates[source] as readonly number[]) {
          if (stampOf[s] === stamp || (localStates && isLocalState[s] === 0)) continue;
          stampOf[s] = stamp;
          out.push(s);
        }
      }
    }
    out.sort((a, b) => a - b);
    const states = new Array<UserPresenceState>(out.length);
    for (let i = 0; i < out.length; i++)
      states[i] = stateList[out[i] as number] as UserPresenceState;
    return states;
  }

  /**
   * 1 for each state number withheld from every user of `server` (the denials withheld
   * everywhere and those withheld by that server), built once per server that has denials of
   * its own; the others share the array of those withheld everywhere.
   */
  #withheldAt(server: number): Uint8Array {
    let withheld = this.#withheldByServer.get(server);
    if (withheld === undefined) {
      const own = this.#parts.restrictions?.byServer.get(server);
      if (own === undefined || own.size === 0) return this.#withheldEverywhere();
      withheld = this.#withheldEverywhere().slice();
      for (const s of own) withheld[s] = 1;
      this.#withheldByServer.set(server, withheld);
    }
    return withheld;
  }

  /** 1 for each state number withheld everywhere (built once). */
  #withheldEverywhere(): Uint8Array {
    if (this.#everywhere === undefined) {
      const { stateList, restrictions } = this.#parts;
      this.#everywhere = new Uint8Array(stateList.length);
      for (const s of restrictions?.everywhere ?? []) this.#everywhere[s] = 1;
    }
    return this.#everywhere;
  }

  /** 1 for each state number some withholding source holds (built once). */
  #withheldBySources(): Uint8Array {
    if (this.#heldBySources === undefined) {
      const { stateList, restrictions, sourceStates } = this.#parts;
      const kinds = (restrictions as FanOutRestrictions).kinds;
      const held = new Uint8Array(stateList.length);
      for (let source = 0; source < kinds.length; source++) {
        if (kinds[source] !== WITHHOLDS) continue;
        for (const s of sourceStates[source] as readonly number[]) held[s] = 1;
      }
      this.#heldBySources = held;
    }
    return this.#heldBySources;
  }

  /**
   * Per trie node, 1 when a withholding source is on its path to the root. A node's parent
   * always has a smaller number (nodes are created below existing ones), so one forward pass.
   */
  #withholdingPaths(): Uint8Array {
    if (this.#pathWithholds === undefined) {
      const { grouping, restrictions } = this.#parts;
      const kinds = (restrictions as FanOutRestrictions).kinds;
      const { nodeCount, groupParent, groupSource } = grouping;
      const flags = new Uint8Array(nodeCount);
      for (let g = 1; g < nodeCount; g++) {
        flags[g] =
          kinds[groupSource[g] as number] === WITHHOLDS
            ? 1
            : (flags[groupParent[g] as number] as number);
      }
      this.#pathWithholds = flags;
    }
    return this.#pathWithholds;
  }

  /**
   * Per trie node, 1 when a source on its path gives local users a state that nothing withheld
   * at every local user: a group with no withholding source on its path receives a state
   * exactly then.
   */
  #localReach(): Uint8Array {
    if (this.#reachesLocal === undefined) {
      const { grouping, restrictions, sourceStates } = this.#parts;
      const kinds = (restrictions as FanOutRestrictions).kinds;
      const base = this.#withheldAt(LOCAL_SERVER);
      const { nodeCount, groupParent, groupSource } = grouping;
      const reach = new Uint8Array(nodeCount);
      for (let g = 1; g < nodeCount; g++) {
        if (reach[groupParent[g] as number] === 1) {
          reach[g] = 1;
          continue;
        }
        const source = groupSource[g] as number;
        const kind = kinds[source];
        const states = sourceStates[source] as readonly number[];
        if (kind === DELIVERS_ALWAYS) reach[g] = states.length > 0 ? 1 : 0;
        else if (kind === DELIVERS) {
          for (const s of states) {
            if (base[s] === 0) {
              reach[g] = 1;
              break;
            }
          }
        }
      }
      this.#reachesLocal = reach;
    }
    return this.#reachesLocal;
  }

  /**
   * Whether a local group receives any state under denials, decided without building its
   * state list: the walk stops at the first state a delivering source lets through.
   */
  #groupHasStates(group: number): boolean {
    const cached = this.#groupStates.get(group);
    if (cached !== undefined) return cached.length > 0;
    const withholding = this.#withholdingPaths();
    if (withholding[group] === 0) return this.#localReach()[group] === 1;
    const { grouping, sourceStates, restrictions, stateList } = this.#parts;
    const kinds = (restrictions as FanOutRestrictions).kinds;
    const { groupParent, groupSource } = grouping;
    const base = this.#withheldAt(LOCAL_SERVER);
    if (this.#deniedStamp === undefined) this.#deniedStamp = new Int32Array(stateList.length);
    const denied = this.#deniedStamp;
    const stamp = ++this.#stamp;
    // A withholding source is on the path (withholding[group] is 1): its states are marked.
    for (let g = group; g > 0; g = groupParent[g] as number) {
      const source = groupSource[g] as number;
      const kind = kinds[source];
      if (kind === DELIVERS_ALWAYS) {
        if ((sourceStates[source] as readonly number[]).length > 0) return true;
      } else if (kind === WITHHOLDS) {
        for (const s of sourceStates[source] as readonly number[]) denied[s] = stamp;
      }
    }
    for (let g = group; g > 0; g = groupParent[g] as number) {
      const source = groupSource[g] as number;
      if (kinds[source] !== DELIVERS) continue;
      for (const s of sourceStates[source] as readonly number[]) {
        if (base[s] === 0 && denied[s] !== stamp) return true;
      }
    }
    return false;
  }

  /**
   * Local recipients in compressed form, for consumers that want no per-group objects:
   * group `k` (of `groupIds.length`) has members `members[starts[k]] .. members[starts[k + 1] - 1]`
   * and states {@link statesOfGroup}`(groupIds[k])`.
   */
  get localGroups(): LocalGroups {
    if (this.#localGroups === undefined) this.#localGroups = this.#buildLocalGroups();
    return this.#localGroups;
  }

  /** The grouping's local groups; with denials, those left with no state are dropped. */
  #buildLocalGroups(): LocalGroups {
    const { grouping, restrictions } = this.#parts;
    if (!restrictions?.denies) return grouping;
    const kept: number[] = [];
    for (let k = 0; k < grouping.groupIds.length; k++) {
      if (this.#groupHasStates(grouping.groupIds[k] as number)) kept.push(k);
    }
    if (kept.length === grouping.groupIds.length) return grouping;
    const groupIds = new Int32Array(kept.length);
    const starts = new Int32Array(kept.length + 1);
    let size = 0;
    for (const k of kept)
      size += (grouping.starts[k + 1] as number) - (grouping.starts[k] as number);
    const members = new Int32Array(size);
    let at = 0;
    kept.forEach((k, i) => {
      groupIds[i] = grouping.groupIds[k] as number;
      starts[i] = at;
      const part = grouping.members.subarray(grouping.starts[k], grouping.starts[k + 1]);
      members.set(part, at);
      at += part.length;
    });
    starts[kept.length] = at;
    return { groupIds, starts, members };
  }

  #buildGroups(): RecipientGroup[] {
    const { groupIds, starts, members } = this.localGroups;
    const groups: RecipientGroup[] = new Array(groupIds.length);
    for (let k = 0; k < groupIds.length; k++) {
      groups[k] = new LazyGroup(
        this,
        groupIds[k] as number,
        members.subarray(starts[k], starts[k + 1]),
      );
    }
    return groups;
  }

  #buildRemote(): Map<string, RemoteDestination> {
    const { grouping, interner, restrictions } = this.#parts;
    if (restrictions?.localOnly) return new Map();
    if (restrictions?.denies) return this.#buildRemoteWithDenials();
    const { remoteMembers, remoteGroups } = grouping;
    const byServer = new Map<number, { users: string[]; groups: Set<number> }>();
    for (let i = 0; i < remoteMembers.length; i++) {
      const m = remoteMembers[i] as number;
      const server = interner.serverIndexOf(m);
      if (server === LOCAL_SERVER) continue;
      let entry = byServer.get(server);
      if (entry === undefined) {
        entry = { users: [], groups: new Set() };
        byServer.set(server, entry);
      }
      entry.users.push(interner.userIdOf(m));
      entry.groups.add(remoteGroups[i] as number);
    }
    const remote = new Map<string, RemoteDestination>();
    for (const [server, entry] of byServer) {
      const sources = new Set<number>();
      for (const group of entry.groups)
        for (const s of sourcesOfGroup(grouping, group)) sources.add(s);
      const states = this.#collect(sources, true, server);
      if (states.length === 0) continue;
      const serverName = interner.serverNameAt(server);
      remote.set(serverName, { serverName, userIds: entry.users, states });
    }
    return remote;
  }

  /**
   * Remote destinations, each remote group's states computed apart (denials split groups):
   * once per (server, group), and unioned once per group, not per member.
   */
  #buildRemoteWithDenials(): Map<string, RemoteDestination> {
    const { grouping, interner, stateList } = this.#parts;
    const { remoteMembers, remoteGroups } = grouping;
    const byServer = new Map<number, Map<number, string[]>>();
    for (let i = 0; i < remoteMembers.length; i++) {
      const m = remoteMembers[i] as number;
      const server = interner.serverIndexOf(m);
      if (server === LOCAL_SERVER) continue;
      let groups = byServer.get(server);
      if (groups === undefined) {
        groups = new Map();
        byServer.set(server, groups);
      }
      const group = remoteGroups[i] as number;
      const users = groups.get(group);
      if (users === undefined) groups.set(group, [interner.userIdOf(m)]);
      else users.push(interner.userIdOf(m));
    }
    const { sourceStates, isLocalState, restrictions } = this.#parts;
    const kinds = (restrictions as FanOutRestrictions).kinds;
    const { groupParent, groupSource } = grouping;
    if (this.#deniedStamp === undefined) this.#deniedStamp = new Int32Array(stateList.length);
    const denied = this.#deniedStamp;
    const inUnion = new Int32Array(stateList.length);
    const withheldSomewhere = this.#withheldBySources();
    const withheldOf = new Array<readonly number[] | undefined>(grouping.sourceCount);
    const visited = new Int32Array(grouping.nodeCount);
    const reach = new Uint8Array(grouping.nodeCount);
    const sourceSeen = new Int32Array(grouping.sourceCount);
    const sourceGivesAt = new Uint8Array(grouping.sourceCount);
    const chain: number[] = [];
    const remote = new Map<string, RemoteDestination>();
    let serverStamp = 0;
    for (const [server, groups] of byServer) {
      const base = this.#withheldAt(server);
      const unionStamp = ++serverStamp;
      const userIds: string[] = [];
      const union: number[] = [];
      for (const [group, users] of groups) {
        // States no withholding source holds count for every group whose path has a source
        // delivering them: each node and each source is visited once per server for those.
        let top = group;
        while (top > 0 && visited[top] !== unionStamp) {
          chain.push(top);
          top = groupParent[top] as number;
        }
        for (let i = chain.length - 1; i >= 0; i--) {
          const g = chain[i] as number;
          const parent = groupParent[g] as number;
          const source = groupSource[g] as number;
          const kind = kinds[source];
          let gives = reach[parent] === 1 && visited[parent] === unionStamp ? 1 : 0;
          if (sourceSeen[source] !== unionStamp) {
            sourceSeen[source] = unionStamp;
            let sourceGives = 0;
            if (kind !== WITHHOLDS) {
              for (const s of sourceStates[source] as readonly number[]) {
                if (isLocalState[s] === 0) continue;
                if (kind === DELIVERS && (base[s] === 1 || withheldSomewhere[s] === 1)) continue;
                sourceGives = 1;
                if (inUnion[s] !== unionStamp) {
                  inUnion[s] = unionStamp;
                  union.push(s);
                }
              }
            }
            sourceGivesAt[source] = sourceGives;
          }
          if (sourceGivesAt[source] === 1) gives = 1;
          visited[g] = unionStamp;
          reach[g] = gives;
        }
        chain.length = 0;
        // States some withholding source holds: per group, unless one on its path withholds them.
        const stamp = ++this.#stamp;
        for (let g = group; g > 0; g = groupParent[g] as number) {
          const source = groupSource[g] as number;
          if (kinds[source] !== WITHHOLDS) continue;
          for (const s of sourceStates[source] as readonly number[]) denied[s] = stamp;
        }
        let receives = reach[group] === 1;
        for (let g = group; g > 0; g = groupParent[g] as number) {
          const source = groupSource[g] as number;
          if (kinds[source] !== DELIVERS) continue;
          let held = withheldOf[source];
          if (held === undefined) {
            const list: number[] = [];
            for (const s of sourceStates[source] as readonly number[]) {
              if (withheldSomewhere[s] === 1 && isLocalState[s] === 1) list.push(s);
            }
            held = list;
            withheldOf[source] = held;
          }
          for (const s of held) {
            if (base[s] === 1 || denied[s] === stamp) continue;
            receives = true;
            if (inUnion[s] !== unionStamp) {
              inUnion[s] = unionStamp;
              union.push(s);
            }
          }
        }
        if (receives) for (const user of users) userIds.push(user);
      }
      if (union.length === 0) continue;
      union.sort((x, y) => x - y);
      const states = new Array<UserPresenceState>(union.length);
      for (let i = 0; i < union.length; i++)
        states[i] = stateList[union[i] as number] as UserPresenceState;
      const serverName = interner.serverNameAt(server);
      remote.set(serverName, { serverName, userIds, states });
    }
    return remote;
  }
}
