/**
 * `PresenceService`: the server's presence engine. It keeps every user's current state,
 * applies syncs, `PUT /presence` and timers (Synapse's rules), batches changes, routes each
 * batch through core's `PresenceRouter.fanOut` and delivers it group by group to the users'
 * sync streams; remote recipients go to a {@link FederationSender}.
 *
 * Two views of state: `current` (the latest accepted, what transitions start from) and
 * `published` (what has been delivered, with the stream position it was delivered at).
 * Snapshots read `published` together with the position, synchronously, so a snapshot and
 * the incremental changes after its token never overlap or miss an update.
 *
 * @example
 * ```ts
 * const service = new PresenceService({ serverName: 'hs', router, membership, streams, ... });
 * await service.setPresence('@alice:hs', 'online', 'hi');
 * await service.interestedUsers('@bob:hs'); // Set of user IDs, or ALL_USERS
 * ```
 * @module
 */
import {
  ALL_USERS,
  type AllUsers,
  type FanOutResult,
  isValidUserId,
  type Logger,
  type MembershipSource,
  type PresenceRouter,
  type PresenceStateName,
  serverNameOf,
  type UserPresenceState,
  userPresenceState,
} from '@presence-router/core';
import { messageOf } from './errors.ts';
import type { FederationSender } from './federation-sender.ts';
import type { ServerMetrics } from './metrics.ts';
import {
  afterSetPresence,
  afterSync,
  afterTimers,
  type PresenceTimerSettings,
  type SetPresence,
  shouldNotify,
} from './presence-rules.ts';
import type { SyncStreams } from './sync-streams.ts';

/** A sync stream unused for this long (and not waited on) is dropped by the timers. */
export const STREAM_IDLE_MS = 15 * 60_000;

/** Options of {@link PresenceService}. */
export interface PresenceServiceOptions {
  readonly serverName: string;
  readonly router: PresenceRouter;
  readonly membership: MembershipSource;
  readonly streams: SyncStreams;
  readonly timers: PresenceTimerSettings;
  readonly federation: FederationSender;
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
  /** Rooms left out of default routing (and of co-membership for visibility). */
  readonly excludeRoomsFromPresence?: Iterable<string>;
  /** The clock (default `Date.now`). */
  readonly now?: () => number;
}

/** One delivered batch, as told to {@link PresenceService.onDelivered} listeners. */
export interface DeliveredBatch {
  readonly position: number;
  /** The batch's states (latest per user). */
  readonly states: readonly UserPresenceState[];
  /** The fan-out result (write side: default routing + module destinations). */
  readonly result: FanOutResult;
  /** Extra recipients from the modules' read side (`getInterestedUsers`). */
  readonly readSide: ReadonlyMap<string, readonly UserPresenceState[]>;
}

interface PendingWaiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** The presence engine; see the module documentation. */
export class PresenceService {
  readonly serverName: string;
  readonly router: PresenceRouter;
  readonly membership: MembershipSource;
  readonly streams: SyncStreams;
  readonly timers: PresenceTimerSettings;
  readonly excluded: ReadonlySet<string>;
  readonly now: () => number;
  readonly #federation: FederationSender;
  readonly #metrics: ServerMetrics;
  readonly #logger: Logger;
  readonly #current = new Map<string, UserPresenceState>();
  readonly #published = new Map<string, UserPresenceState>();
  readonly #syncing = new Map<string, number>();
  /** Read-side interest of users with a stream, refreshed at every sync. */
  readonly #readSide = new Map<string, ReadonlySet<string> | AllUsers>();
  readonly #listeners = new Set<(batch: DeliveredBatch) => void>();
  #pending = new Map<string, UserPresenceState>();
  #pendingWaiters: PendingWaiter[] = [];
  #processing: Promise<void> | undefined;

  constructor(options: PresenceServiceOptions) {
    this.serverName = options.serverName;
    this.router = options.router;
    this.membership = options.membership;
    this.streams = options.streams;
    this.timers = options.timers;
    this.excluded = new Set(options.excludeRoomsFromPresence ?? []);
    this.now = options.now ?? Date.now;
    this.#federation = options.federation;
    this.#metrics = options.metrics;
    this.#logger = options.logger;
  }

  /** Whether `userId` belongs to this server. */
  isLocal(userId: string): boolean {
    return this.router.isLocalUser(userId);
  }

  /** The latest accepted state of a user (offline with no data when unknown). */
  currentState(userId: string): UserPresenceState {
    return this.#current.get(userId) ?? userPresenceState(userId);
  }

  /** The latest delivered state of a user, if any. */
  publishedState(userId: string): UserPresenceState | undefined {
    return this.#published.get(userId);
  }

  /** Every delivered state (the live page's list). */
  publishedStates(): IterableIterator<UserPresenceState> {
    return this.#published.values();
  }

  /** Users whose sync is in progress. */
  get syncingCount(): number {
    return this.#syncing.size;
  }

  /** Listens to delivered batches; returns the function that stops listening. */
  onDelivered(listener: (batch: DeliveredBatch) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** `PUT /presence/{userId}/status`: resolves once the change has been delivered. */
  async setPresence(
    userId: string,
    presence: PresenceStateName,
    statusMsg: string | null,
  ): Promise<UserPresenceState> {
    const previous = this.currentState(userId);
    const next = afterSetPresence(previous, presence, statusMsg, this.now());
    await this.#accept(previous, next);
    return next;
  }

  /** A sync begins: marks the user per `set_presence` and refreshes its read-side interest. */
  async syncStarted(userId: string, setPresence: SetPresence): Promise<void> {
    this.#syncing.set(userId, (this.#syncing.get(userId) ?? 0) + 1);
    try {
      const interest = await this.router.getInterestedUsers(userId);
      if (interest === ALL_USERS || interest.size > 0) this.#readSide.set(userId, interest);
      else this.#readSide.delete(userId);
      const previous = this.currentState(userId);
      await this.#accept(previous, afterSync(previous, setPresence, this.now()));
    } catch (error) {
      this.syncEnded(userId, setPresence);
      throw error;
    }
  }

  /** A sync ends: the sync-timeout clock starts again from now. */
  syncEnded(userId: string, setPresence: SetPresence): void {
    const count = (this.#syncing.get(userId) ?? 1) - 1;
    if (count <= 0) this.#syncing.delete(userId);
    else this.#syncing.set(userId, count);
    if (setPresence === 'offline') return;
    const state = this.#current.get(userId);
    if (state !== undefined && state.state !== 'offline') {
      this.#current.set(userId, state.with({ lastUserSyncTs: this.now() }));
    }
  }

  /**
   * Applies the timers to every local user that is not offline, and drops the sync streams of
   * users who have not synced for {@link STREAM_IDLE_MS}; resolves once changes are delivered.
   * Returns the number of presence changes.
   */
  async sweepTimers(): Promise<number> {
    const now = this.now();
    this.streams.evictIdle(now - STREAM_IDLE_MS);
    const changes: Promise<void>[] = [];
    for (const state of this.#current.values()) {
      if (state.state === 'offline' || !this.isLocal(state.userId)) continue;
      const next = afterTimers(state, now, this.#syncing.has(state.userId), this.timers);
      if (next !== state) changes.push(this.#accept(state, next));
    }
    await Promise.all(changes);
    return changes.length;
  }

  /**
   * Users whose presence `userId` receives: itself, members of its rooms (excluded rooms left
   * out), and the routing modules' read side — or {@link ALL_USERS}.
   */
  async interestedUsers(userId: string): Promise<Set<string> | AllUsers> {
    const routed = await this.router.getInterestedUsers(userId);
    if (routed === ALL_USERS) return ALL_USERS;
    const users = new Set<string>(routed);
    users.add(userId);
    for (const member of await this.coMembers(userId)) users.add(member);
    return users;
  }

  /** Members of the rooms `userId` is joined to, excluded rooms left out. */
  async coMembers(userId: string): Promise<Set<string>> {
    const rooms = (await this.membership.getRoomsForUsers([userId])).get(userId) ?? [];
    const kept = rooms.filter((roomId) => !this.excluded.has(roomId));
    const members = new Set<string>();
    if (kept.length === 0) return members;
    for (const list of (await this.membership.getJoinedMembers(kept)).values()) {
      for (const member of list) members.add(member);
    }
    return members;
  }

  /**
   * Whether `viewer` may see `target`'s presence: itself, a co-member, or routed by a module
   * (read side: `getInterestedUsers(viewer)`; write side: `getUsersForStates([target])`).
   */
  async canSee(viewer: string, target: string): Promise<boolean> {
    if (viewer === target) return true;
    const interest = this.#readSide.get(viewer) ?? (await this.router.getInterestedUsers(viewer));
    if (interest === ALL_USERS || interest.has(target)) return true;
    if ((await this.coMembers(viewer)).has(target)) return true;
    const routed = await this.router.getUsersForStates([this.currentState(target)]);
    return routed.has(viewer);
  }

  /**
   * The snapshot part of a sync, read synchronously with the stream position: the delivered
   * states of `interest` (non-offline only unless `includeOffline`).
   */
  snapshot(interest: ReadonlySet<string> | AllUsers, includeOffline: boolean): UserPresenceState[] {
    const states: UserPresenceState[] = [];
    const keep = (state: UserPresenceState | undefined): void => {
      if (state !== undefined && (includeOffline || state.state !== 'offline')) states.push(state);
    };
    if (interest === ALL_USERS) for (const state of this.#published.values()) keep(state);
    else for (const userId of interest) keep(this.#published.get(userId));
    return states;
  }

  /**
   * `ModuleApi.sendLocalOnlinePresenceTo`: each local user's next sync (per since token) is a
   * full snapshot; each remote user's server gets the snapshot now. Invalid IDs are skipped
   * with a warning.
   */
  async sendLocalOnlinePresenceTo(users: Iterable<string>): Promise<void> {
    const remote = new Map<string, string[]>();
    for (const userId of users) {
      if (!isValidUserId(userId)) {
        this.#logger.warn('sendLocalOnlinePresenceTo: not a user ID; skipped', {
          userId: String(userId),
        });
        continue;
      }
      if (this.isLocal(userId)) {
        this.streams.requestSnapshot(userId);
        continue;
      }
      const server = serverNameOf(userId) as string;
      remote.set(server, [...(remote.get(server) ?? []), userId]);
    }
    for (const [server, userIds] of remote) {
      const states = new Map<string, UserPresenceState>();
      for (const userId of userIds) {
        const interest = await this.interestedUsers(userId);
        for (const state of this.snapshot(interest, false)) {
          if (this.isLocal(state.userId)) states.set(state.userId, state);
        }
      }
      if (states.size > 0) await this.#sendRemote(server, userIds, [...states.values()]);
    }
  }

  /**
   * After a membership change in `roomId`: newly joined users and the room's members learn
   * each other's presence (non-offline), as Synapse does on a join.
   */
  async membershipChanged(roomId: string, changedUsers: readonly string[]): Promise<void> {
    if (this.excluded.has(roomId) || changedUsers.length === 0) return;
    const members = (await this.membership.getJoinedMembers([roomId])).get(roomId) ?? [];
    const memberSet = new Set(members);
    const joined = changedUsers.filter((userId) => memberSet.has(userId));
    if (joined.length === 0) return;
    const position = this.streams.nextPosition();
    const joinedStates = joined
      .map((userId) => this.#published.get(userId))
      .filter(
        (state): state is UserPresenceState => state !== undefined && state.state !== 'offline',
      );
    this.streams.deliver(position, members, joinedStates);
    const memberStates = members
      .map((userId) => this.#published.get(userId))
      .filter(
        (state): state is UserPresenceState => state !== undefined && state.state !== 'offline',
      );
    this.streams.deliver(position, joined, memberStates);
  }

  /** Resolves when every accepted change has been delivered. */
  async drain(): Promise<void> {
    while (this.#processing !== undefined) await this.#processing.catch(() => undefined);
  }

  /** Accepts a transition: stored always, published when it is news. */
  async #accept(previous: UserPresenceState, next: UserPresenceState): Promise<void> {
    if (previous === next) return;
    this.#current.set(next.userId, next);
    if (!shouldNotify(previous, next, this.timers) && this.#published.has(next.userId)) {
      // Not news (a sync or activity timestamp): refresh what snapshots show, quietly.
      if (this.#pending.has(next.userId)) this.#pending.set(next.userId, next);
      else this.#published.set(next.userId, next);
      return;
    }
    this.#metrics.updates.inc();
    this.#pending.set(next.userId, next);
    const delivered = new Promise<void>((resolve, reject) => {
      this.#pendingWaiters.push({ resolve, reject });
    });
    if (this.#processing === undefined) {
      this.#processing = this.#processLoop().finally(() => {
        this.#processing = undefined;
      });
    }
    return delivered;
  }

  /** Routes pending changes batch by batch; changes arriving meanwhile form the next batch. */
  async #processLoop(): Promise<void> {
    await Promise.resolve();
    while (this.#pending.size > 0) {
      const batch = [...this.#pending.values()];
      const waiters = this.#pendingWaiters;
      this.#pending = new Map();
      this.#pendingWaiters = [];
      try {
        await this.#route(batch);
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        this.#logger.error('presence fan-out failed; batch not delivered', {
          error: messageOf(error),
          users: batch.length,
        });
        for (const waiter of waiters) waiter.reject(error);
      }
    }
  }

  async #route(batch: UserPresenceState[]): Promise<void> {
    const started = performance.now();
    const result = await this.router.fanOut(batch);
    const position = this.streams.nextPosition();
    for (const state of result.states) this.#published.set(state.userId, state);
    // Deliveries to syncing users only: counting every recipient's states would build each
    // group's state list, the one cost the grouped result exists to avoid.
    this.#metrics.deliveries.inc(this.#deliverGroups(position, result));
    const readSide = this.#deliverReadSide(position, result.states);
    this.#metrics.fanOutSeconds.observe((performance.now() - started) / 1000);
    for (const listener of this.#listeners) {
      try {
        listener({ position, states: result.states, result, readSide });
      } catch (error) {
        this.#logger.error('delivery listener failed', { error: messageOf(error) });
      }
    }
    for (const destination of result.remote.values()) {
      await this.#sendRemote(destination.serverName, destination.userIds, destination.states);
    }
  }

  /**
   * Appends each group's shared state list to the streams of its members that sync. Works on
   * the interned integers: syncing users are marked in a typed array, then each group's
   * member array is scanned once, so a 5,000-member room costs 5,000 array reads and no
   * string or map work for members that do not sync.
   */
  #deliverGroups(position: number, result: FanOutResult): number {
    const interner = this.router.interner;
    const syncing = new Uint8Array(interner.size);
    let marked = 0;
    for (const userId of this.streams.userIds()) {
      const id = interner.lookup(userId);
      if (id !== undefined && id < syncing.length) {
        syncing[id] = 1;
        marked++;
      }
    }
    if (marked === 0) return 0;
    let deliveries = 0;
    for (const group of result.groups) {
      const members = group.memberIds;
      const receivers: string[] = [];
      for (let i = 0; i < members.length; i++) {
        const id = members[i] as number;
        if (syncing[id] === 1) receivers.push(result.userIdOf(id));
      }
      if (receivers.length > 0) {
        this.streams.deliver(position, receivers, group.states);
        deliveries += receivers.length * group.states.length;
      }
    }
    return deliveries;
  }

  /** Delivers to syncing users whose read-side interest covers a sender. */
  #deliverReadSide(
    position: number,
    states: readonly UserPresenceState[],
  ): Map<string, readonly UserPresenceState[]> {
    const delivered = new Map<string, readonly UserPresenceState[]>();
    for (const [userId, interest] of this.#readSide) {
      const mine =
        interest === ALL_USERS ? states : states.filter((state) => interest.has(state.userId));
      if (mine.length === 0) continue;
      this.streams.deliver(position, [userId], mine);
      delivered.set(userId, mine);
    }
    return delivered;
  }

  async #sendRemote(
    serverName: string,
    userIds: readonly string[],
    states: readonly UserPresenceState[],
  ): Promise<void> {
    this.#metrics.remoteSends.inc();
    try {
      await this.#federation.sendPresence(serverName, userIds, states);
    } catch (error) {
      this.#logger.error('federation sender failed', {
        destination: serverName,
        error: messageOf(error),
      });
    }
  }
}
