/**
 * `PresenceService`: the server's presence engine. It keeps every user's current state,
 * applies syncs, `PUT /presence` and timers (Synapse's rules), hands changes to the
 * {@link PresencePipeline} (accepted at once; batched; routed through core's
 * `PresenceRouter.fanOut`; what failed lookups left unrouted retried with backoff) and
 * delivers each routed batch group by group to the users' sync streams; remote recipients
 * go to a {@link FederationSender}.
 *
 * Two views of state: `current` (the latest accepted, what transitions start from) and
 * `published` (what has been delivered, with the stream position it was delivered at).
 * Snapshots read `published` together with the position, synchronously, so a snapshot and
 * the incremental changes after its token never overlap or miss an update.
 *
 * @example
 * ```ts
 * const service = new PresenceService({ serverName: 'hs', router, membership, streams, ... });
 * service.setPresence('@alice:hs', 'online', 'hi'); // accepted; routed in the background
 * await service.caughtUp();
 * await service.interestedUsers('@bob:hs'); // core's read side: a Set of user IDs, or ALL_USERS
 * ```
 * @module
 */
import {
  ALL_USERS,
  type AllUsers,
  type Explanation,
  type FanOutResult,
  isValidUserId,
  type Logger,
  type MembershipSource,
  type PresenceRouter,
  type PresenceStateName,
  serverNameOf,
  type UnroutedParts,
  type UserPresenceState,
  type UserSet,
  userPresenceState,
} from '@presence-router/core';
import { MatrixError, messageOf, PipelineClosedError } from './errors.ts';
import type { FederationSender } from './federation-sender.ts';
import type { ServerMetrics } from './metrics.ts';
import { PresencePipeline } from './presence-pipeline.ts';
import {
  afterFederationTimeout,
  afterSetPresence,
  afterSync,
  afterTimers,
  type PresenceTimerSettings,
  type SetPresence,
  shouldNotify,
} from './presence-rules.ts';
import { type DueRetries, type RetryPolicy, RoutingRetries } from './routing-retries.ts';
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
  /** The clock (default `Date.now`). */
  readonly now?: () => number;
  /** Backoff of retries of what failed lookups left unrouted. */
  readonly retryPolicy?: RetryPolicy;
  /** Batches routing at the same time (default 4). */
  readonly maxConcurrentBatches?: number;
}

/** How long a client is told to wait when membership is unavailable (ms). */
const MEMBERSHIP_RETRY_AFTER_MS = 2000;

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

/** The presence engine; see the module documentation. */
export class PresenceService {
  readonly serverName: string;
  readonly router: PresenceRouter;
  readonly membership: MembershipSource;
  readonly streams: SyncStreams;
  readonly timers: PresenceTimerSettings;
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
  readonly #retries: RoutingRetries;
  readonly #pipeline: PresencePipeline;
  #syncingCache: { readonly version: number; readonly users: UserSet } | undefined;
  /** Users whose last snapshot missed rooms that could not be looked up. */
  readonly #incompleteSnapshots = new Set<string>();

  constructor(options: PresenceServiceOptions) {
    this.serverName = options.serverName;
    this.router = options.router;
    this.membership = options.membership;
    this.streams = options.streams;
    this.timers = options.timers;
    this.now = options.now ?? Date.now;
    this.#federation = options.federation;
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#retries = new RoutingRetries(options.retryPolicy);
    this.#pipeline = new PresencePipeline({
      route: (states) => this.#route(states),
      retry: (due) => this.#retry(due),
      retries: this.#retries,
      now: this.now,
      logger: this.#logger,
      maxConcurrentBatches: options.maxConcurrentBatches,
    });
  }

  /** The pipeline (for metrics and health). */
  get pipeline(): PresencePipeline {
    return this.#pipeline;
  }

  /** What failed lookups left unrouted (for metrics and health). */
  get retries(): RoutingRetries {
    return this.#retries;
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

  /**
   * `PUT /presence/{userId}/status`: the change is accepted at once and routed in the
   * background (see {@link caughtUp}).
   * @throws MatrixError 503 `M_UNKNOWN` (with `Retry-After`) while shutting down.
   */
  setPresence(
    userId: string,
    presence: PresenceStateName,
    statusMsg: string | null,
  ): UserPresenceState {
    const previous = this.currentState(userId);
    const next = afterSetPresence(previous, presence, statusMsg, this.now());
    this.#accept(previous, next, 'refuse');
    return next;
  }

  /** Resolves once every change accepted so far has been routed once. */
  caughtUp(): Promise<void> {
    return this.#pipeline.caughtUp();
  }

  /**
   * A sync begins: marks the user per `set_presence` (not while shutting down) and refreshes
   * its read-side interest.
   */
  async syncStarted(userId: string, setPresence: SetPresence): Promise<void> {
    this.#syncing.set(userId, (this.#syncing.get(userId) ?? 0) + 1);
    try {
      const interest = await this.router.getInterestedUsers(userId);
      if (interest === ALL_USERS || interest.size > 0) this.#readSide.set(userId, interest);
      else this.#readSide.delete(userId);
      // `offline` leaves presence alone: nothing to compute.
      if (setPresence !== 'offline') {
        const previous = this.currentState(userId);
        this.#accept(previous, afterSync(previous, setPresence, this.now()), 'skip');
      }
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
    let changes = 0;
    for (const state of this.#current.values()) {
      if (state.state === 'offline') continue;
      const next = this.isLocal(state.userId)
        ? afterTimers(state, now, this.#syncing.has(state.userId), this.timers)
        : afterFederationTimeout(state, now);
      if (next !== state) {
        this.#accept(state, next, 'skip');
        changes++;
      }
    }
    await this.#completeSnapshots();
    await this.#pipeline.caughtUp();
    return changes;
  }

  /** Snapshots that missed failing rooms: once the rooms answer, the next sync gets one. */
  async #completeSnapshots(): Promise<void> {
    for (const userId of [...this.#incompleteSnapshots]) {
      if ((await this.router.usersSeenBy(userId)).complete) {
        this.#incompleteSnapshots.delete(userId);
        this.streams.requestSnapshot(userId);
      }
    }
  }

  /**
   * Users whose presence `userId` receives (core's read side: itself, co-members, the
   * modules' read side) — or {@link ALL_USERS}. When some rooms could not be looked up, a
   * snapshot follows once they answer.
   */
  async interestedUsers(userId: string): Promise<ReadonlySet<string> | AllUsers> {
    const { users, complete } = await this.router.usersSeenBy(userId);
    if (!complete) this.#incompleteSnapshots.add(userId);
    return users;
  }

  /**
   * Why `to` does or does not receive `from`'s presence (core's explanation), for `from`'s
   * delivered state (online when it has none yet).
   * @throws InvalidIdentifierError for an invalid user ID.
   */
  explain(from: string, to: string): Promise<Explanation> {
    const state = this.#published.get(from) ?? userPresenceState(from, { state: 'online' });
    return this.router.explain(from, to, state);
  }

  /**
   * Whether `viewer` may see `target`'s presence (core's visibility rules).
   * @throws MatrixError 503 when the answer is no but rooms could not be looked up.
   */
  async canSee(viewer: string, target: string): Promise<boolean> {
    const { visible, complete } = await this.router.canSee(
      viewer,
      target,
      this.currentState(target),
    );
    if (!visible && !complete) throw membershipUnavailable();
    return visible;
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
   * Presence of remote users, received over federation (the origin's own users only): routed
   * to local users exactly as local changes are — co-members, the modules' destinations and
   * their read side. A state equal to the one known is not news. Not accepted while shutting
   * down (the sending server retries).
   * @throws MatrixError 503 while shutting down.
   */
  acceptRemote(states: readonly UserPresenceState[], _origin: string): void {
    for (const state of states) {
      if (this.isLocal(state.userId)) continue;
      const previous = this.currentState(state.userId);
      if (previous.equals(state)) continue;
      this.#accept(previous, state, 'refuse');
    }
  }

  /**
   * After a membership change in `roomId`: newly joined users and the room's members learn
   * each other's presence (non-offline), as Synapse does on a join.
   */
  async membershipChanged(roomId: string, changedUsers: readonly string[]): Promise<void> {
    if (this.router.excludedRooms.has(roomId) || changedUsers.length === 0) return;
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

  /** Stops accepting changes: `PUT` answers 503 from now on; syncs no longer change presence. */
  stopAccepting(): void {
    this.#pipeline.close();
  }

  /**
   * Resolves when every accepted change has been routed and delivered (failing parts get one
   * last attempt); returns how many rooms or users still fail (their recipients missed it).
   */
  async drain(): Promise<number> {
    const failing = await this.#pipeline.drain();
    if (failing > 0) {
      this.#logger.warn('shutting down with presence that failing lookups kept from recipients', {
        failing: this.#retries.failing(this.now()),
        waitingUsers: this.#retries.waitingUsers,
      });
    }
    return failing;
  }

  /** Stops the pipeline's retry timer (after {@link drain}). */
  dispose(): void {
    this.#pipeline.dispose();
  }

  /**
   * Accepts a transition: stored always, handed to the pipeline when it is news. When the
   * pipeline is closed (shutdown), `'refuse'` throws 503 and `'skip'` drops the change.
   */
  #accept(previous: UserPresenceState, next: UserPresenceState, closed: 'refuse' | 'skip'): void {
    if (previous === next) return;
    const quiet = !shouldNotify(previous, next, this.timers) && this.#published.has(next.userId);
    if (this.#pipeline.closed && !quiet) {
      if (closed === 'refuse') throw shuttingDown();
      return;
    }
    this.#current.set(next.userId, next);
    if (quiet) {
      // Not news (a sync or activity timestamp): refresh what snapshots show, quietly. A
      // state pending or routing for the user is published with this refresh (see #publish).
      if (!this.#pipeline.holds(next.userId)) this.#published.set(next.userId, next);
      return;
    }
    this.#metrics.updates.inc();
    try {
      this.#pipeline.submit(next);
    } catch (error) {
      if (error instanceof PipelineClosedError) throw shuttingDown();
      throw error;
    }
  }

  /** Publishes a routed state, or the quiet refresh of it accepted since. */
  #publish(state: UserPresenceState): void {
    const latest = this.#current.get(state.userId);
    const shown =
      latest !== undefined && latest !== state && !shouldNotify(state, latest, this.timers)
        ? latest
        : state;
    this.#published.set(state.userId, shown);
  }

  /** Routes and delivers a fresh batch; resolves to what failed lookups left unrouted. */
  async #route(batch: UserPresenceState[]): Promise<UnroutedParts> {
    const started = performance.now();
    const result = await this.router.fanOut(batch, { knownFailing: this.#retries.knownFailing });
    const position = this.streams.nextPosition();
    for (const state of result.states) this.#publish(state);
    const readSide = this.#deliverReadSide(position, result.states);
    this.#deliver(position, result, readSide);
    this.#metrics.fanOutSeconds.observe((performance.now() - started) / 1000);
    return result.unrouted;
  }

  /** Routes again what failed lookups left unrouted, with each user's latest routed state. */
  async #retry(due: DueRetries): Promise<UnroutedParts> {
    const latest = (userId: string): UserPresenceState =>
      this.#published.get(userId) ?? this.currentState(userId);
    const rooms = new Map<string, readonly UserPresenceState[]>();
    for (const [roomId, userIds] of due.rooms) rooms.set(roomId, userIds.map(latest));
    // The keys retried are looked up; other failing keys wait for their own retries.
    const failing = this.#retries.knownFailing;
    const result = await this.router.fanOutRetry(
      { users: due.users.map(latest), rooms },
      { knownFailing: { has: (id) => failing.has(id) && !due.keys.has(id) } },
    );
    this.#metrics.routingRetries.inc(due.entries.length);
    // Delivered with the states as they are now: a state routed meanwhile is not undone.
    this.#deliver(this.streams.nextPosition(), result, new Map());
    return result.unrouted;
  }

  #deliver(
    position: number,
    result: FanOutResult,
    readSide: ReadonlyMap<string, readonly UserPresenceState[]>,
  ): void {
    // Deliveries to syncing users only: counting every recipient's states would build each
    // group's state list, the one cost the grouped result exists to avoid.
    this.#metrics.deliveries.inc(this.#deliverGroups(position, result));
    for (const listener of this.#listeners) {
      try {
        listener({ position, states: result.states, result, readSide });
      } catch (error) {
        this.#logger.error('delivery listener failed', { error: messageOf(error) });
      }
    }
    for (const destination of result.remote.values()) {
      void this.#sendRemote(destination.serverName, destination.userIds, destination.states);
    }
  }

  /**
   * Appends each group's shared state list to the streams of its members that sync, through
   * core's `forEachGroupAmong` over the set of users with a stream (rebuilt only when that set
   * changes): a 5,000-member room costs 5,000 flag reads for members that do not sync.
   */
  #deliverGroups(position: number, result: FanOutResult): number {
    if (this.#syncingCache?.version !== this.streams.version) {
      this.#syncingCache = {
        version: this.streams.version,
        users: this.router.userSet(this.streams.userIds()),
      };
    }
    return result.forEachGroupAmong(this.#syncingCache.users, (userIds, states) => {
      this.streams.deliver(position, userIds, states);
    });
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

/** 503 `M_UNKNOWN` for a write refused during shutdown. */
function shuttingDown(): MatrixError {
  return new MatrixError(503, 'M_UNKNOWN', 'The server is shutting down; retry on another', {
    retryAfterMs: 5000,
  });
}

/** 503 `M_UNKNOWN` when an answer depends on membership that cannot be looked up now. */
function membershipUnavailable(): MatrixError {
  return new MatrixError(503, 'M_UNKNOWN', 'Room membership is unavailable right now; retry', {
    retryAfterMs: MEMBERSHIP_RETRY_AFTER_MS,
  });
}
