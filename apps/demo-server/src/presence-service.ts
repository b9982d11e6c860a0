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
import { MatrixError, messageOf, PipelineClosedError, StoreUnavailableError } from './errors.ts';
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
import {
  type ChangeEntry,
  type PresenceStore,
  type ShardLeases,
  type StoredPresence,
  type SyncMark,
  shardOf,
} from './presence-store.ts';
import { type RecentEntry, RecentFeed } from './recent-feed.ts';
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
  /** Batches routing at the same time (default 4; 1 with a shared store, to keep feed order). */
  readonly maxConcurrentBatches?: number;
  /** Where presence is kept (see `presence-store.ts`). */
  readonly store: PresenceStore;
  /**
   * Whether presence goes to other servers (federation on). With a shared store, the
   * instance then sends each destination whose shard it takes over a snapshot of the local
   * presence its users may see: what the previous holder still had queued is not lost.
   */
  readonly federates?: boolean;
}

/** Shards of the timers and of the federation destinations, over the live instances. */
export const LEASE_SHARDS = 16;

/** Tries of a write that loses compare-and-set races before it gives up (503). */
const MAX_COMMIT_TRIES = 5;

/** How long a client is told to wait when the store is unavailable (ms). */
const STORE_RETRY_AFTER_MS = 2000;

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
  readonly #store: PresenceStore;
  /** The latest stored state of each user known here, with its `seq`. */
  readonly #stored = new Map<string, StoredPresence>();
  /** Shared store: the feed is read (handed to the pipeline) up to here. */
  #consumedThrough = 0;
  /**
   * Shared store: the feed is delivered up to here, as known at the end of the last batch
   * (its batch still counts as in flight until the pipeline has seen it finish).
   */
  #deliveredThrough = 0;
  /** The highest `seq` this instance wrote. */
  #lastOwnSeq = 0;
  /** Shared store: the snapshot requests of the feed being served here, by `seq`. */
  readonly #snapshotTasks = new Map<number, Promise<void>>();
  #consumeWaiters: { seq: number; resolve: () => void }[] = [];
  #accepting = true;
  readonly #timerLeases: ShardLeases;
  readonly #federationLeases: ShardLeases;
  /** Shared store: the last sync mark this instance wrote for each user (when, and syncing?). */
  readonly #markedAt = new Map<string, { readonly at: number; readonly syncing: boolean }>();
  #commitConflicts = 0;
  /** The write of each user in progress here (the next one waits for it). */
  readonly #writing = new Map<string, Promise<void>>();
  #reloading: Promise<void> | undefined;
  /** Shared store: the feed's latest entries consumed here (for syncs with other tokens). */
  readonly #recent = new RecentFeed();
  readonly #federates: boolean;

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
    this.#store = options.store;
    this.#federates = options.federates === true;
    this.#pipeline = new PresencePipeline({
      route: (states) => this.#route(states),
      retry: (due) => this.#retry(due),
      retries: this.#retries,
      now: this.now,
      logger: this.#logger,
      // With a shared store the feed's order is the delivery order: one batch at a time
      // makes "everything up to seq W is delivered" a single number (see feedWatermark).
      maxConcurrentBatches: this.#store.shared ? 1 : options.maxConcurrentBatches,
    });
    this.#timerLeases = this.#store.leases('timers', LEASE_SHARDS);
    this.#federationLeases = this.#store.leases('federation', LEASE_SHARDS);
  }

  /** The presence store. */
  get store(): PresenceStore {
    return this.#store;
  }

  /** Writes that lost a compare-and-set race to another write of the same user. */
  get commitConflicts(): number {
    return this.#commitConflicts;
  }

  /**
   * Loads every stored state (they become the current and delivered states: snapshots show
   * them) and, with a shared store, starts following the feed from there.
   * @throws StoreUnavailableError when the store cannot be read.
   */
  async start(): Promise<void> {
    const from = await this.#store.load((page) => {
      for (const stored of page) this.#adoptStored(stored);
    });
    this.#consumedThrough = Math.max(this.#consumedThrough, from);
    this.#recent.reset(from);
    if (this.#store.shared) this.#store.follow(from, (entries) => this.#onFeed(entries));
    if (this.#store.shared && this.#federates) this.#watchFederationShards();
  }

  /**
   * Shared store, federation on: on every federation shard this instance comes to hold (at
   * start too), sends the shard's destinations a snapshot (see {@link #snapshotsTakenOver}).
   */
  #watchFederationShards(): void {
    let known: ReadonlySet<number> = new Set();
    const onHeld = (held: ReadonlySet<number>): void => {
      const gained = new Set([...held].filter((shard) => !known.has(shard)));
      known = new Set(held);
      if (gained.size === 0 || !this.#accepting) return;
      this.#snapshotsTakenOver(gained).catch((error: unknown) => {
        this.#logger.warn('federation: no snapshot for the destinations taken over', {
          shards: [...gained],
          error: messageOf(error),
        });
      });
    };
    this.#federationLeases.onChange(onHeld);
    onHeld(this.#federationLeases.held());
  }

  /**
   * The remote members of the rooms of local users who are not offline, on servers of
   * `shards`, each get the snapshot `sendLocalOnlinePresenceTo` sends: the previous holder
   * of the shards may have died with updates queued for them (a destination in backoff).
   * Destinations only routing modules reach are not found this way.
   */
  async #snapshotsTakenOver(shards: ReadonlySet<number>): Promise<void> {
    const local = [...this.#current.values()]
      .filter((state) => state.state !== 'offline' && this.isLocal(state.userId))
      .map((state) => state.userId);
    if (local.length === 0) return;
    const rooms = new Set<string>();
    for (const joined of (await this.membership.getRoomsForUsers(local)).values()) {
      for (const roomId of joined) rooms.add(roomId);
    }
    const remote = new Set<string>();
    for (const members of (await this.membership.getJoinedMembers([...rooms])).values()) {
      for (const member of members) {
        if (this.isLocal(member)) continue;
        const server = serverNameOf(member);
        if (server !== undefined && shards.has(shardOf(server, LEASE_SHARDS))) remote.add(member);
      }
    }
    if (remote.size === 0) return;
    this.#metrics.takeoverSnapshots.inc(remote.size);
    await this.#snapshotsFor([...remote], true);
  }

  /**
   * Shared store: the feed entries with `after < seq <= through` from this instance's memory
   * (the latest 20,000 consumed), or undefined when it does not reach back that far.
   */
  recentFeed(after: number, through: number): readonly RecentEntry[] | undefined {
    return this.#store.shared ? this.#recent.range(after, through) : undefined;
  }

  /**
   * Shared store: the feed position everything up to which has been delivered to this
   * instance's streams (what a since token carries to another instance); undefined without
   * a shared store.
   */
  feedWatermark(): number | undefined {
    if (!this.#store.shared) return undefined;
    const now = Math.min(this.#consumedThrough, this.#pipeline.lowestOutstandingSeq - 1);
    return Math.max(this.#deliveredThrough, now);
  }

  /** Shared store: resolves once the feed is consumed through `seq` (or after `timeoutMs`). */
  consumed(seq: number, timeoutMs = 2000): Promise<boolean> {
    if (!this.#store.shared || this.#consumedThrough >= seq) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#consumeWaiters = this.#consumeWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      (timer as { unref?: () => void }).unref?.();
      const waiter = {
        seq,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      this.#consumeWaiters.push(waiter);
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
   * @throws MatrixError 503 `M_UNKNOWN` (with `Retry-After`) while shutting down or when the
   * store cannot take the write (nothing was stored).
   */
  async setPresence(
    userId: string,
    presence: PresenceStateName,
    statusMsg: string | null,
  ): Promise<UserPresenceState> {
    const written = await this.#write(
      userId,
      (previous) => afterSetPresence(previous, presence, statusMsg, this.now()),
      'refuse',
    );
    return written ?? this.currentState(userId);
  }

  /**
   * Resolves once every change accepted so far has been routed once — with a shared store,
   * every change this instance wrote, once the feed brought it back (bounded wait).
   */
  async caughtUp(): Promise<void> {
    if (this.#store.shared) {
      const own = this.#lastOwnSeq;
      await this.consumed(own);
      return this.#pipeline.caughtUp(Math.min(own, this.#consumedThrough));
    }
    return this.#pipeline.caughtUp();
  }

  /**
   * A sync begins: marks the user per `set_presence` (not while shutting down) and refreshes
   * its read-side interest.
   */
  async syncStarted(userId: string, setPresence: SetPresence): Promise<void> {
    this.#syncing.set(userId, (this.#syncing.get(userId) ?? 0) + 1);
    try {
      await this.#refreshReadSide(userId);
      // `offline` leaves presence alone: nothing to compute.
      if (setPresence !== 'offline') {
        this.#noteSync(userId, setPresence, true);
        try {
          await this.#write(
            userId,
            (previous) => afterSync(previous, setPresence, this.now()),
            'skip',
          );
        } catch (error) {
          // The sync goes on without marking the user: the store is down for a moment.
          if (!(error instanceof MatrixError)) throw error;
          this.#logger.warn('a sync could not mark its user', { userId, error: error.message });
        }
      }
    } catch (error) {
      this.syncEnded(userId, setPresence);
      throw error;
    }
  }

  /**
   * Recomputes the read-side interest of `userIds` that have one (after something changed
   * whom they may see, outside a sync: a sender's sharing settings, say).
   */
  async refreshInterest(userIds: Iterable<string>): Promise<void> {
    for (const userId of userIds) {
      if (!this.isLocal(userId) || !this.streams.has(userId)) continue;
      await this.#refreshReadSide(userId);
    }
  }

  /** Computes `userId`'s read-side interest again (kept only when it names someone). */
  async #refreshReadSide(userId: string): Promise<void> {
    const interest = await this.router.getInterestedUsers(userId);
    if (interest === ALL_USERS || interest.size > 0) this.#readSide.set(userId, interest);
    else this.#readSide.delete(userId);
  }

  /** A sync ends: the sync-timeout clock starts again from now. */
  syncEnded(userId: string, setPresence: SetPresence): void {
    const count = (this.#syncing.get(userId) ?? 1) - 1;
    if (count <= 0) this.#syncing.delete(userId);
    else this.#syncing.set(userId, count);
    const stillSyncing = this.#syncing.has(userId);
    const state = this.#current.get(userId);
    if (setPresence !== 'offline' && state !== undefined && state.state !== 'offline') {
      this.#current.set(userId, state.with({ lastUserSyncTs: this.now() }));
      this.#noteSync(userId, setPresence, stillSyncing);
    } else if (!stillSyncing && this.#markedAt.get(userId)?.syncing === true) {
      // The other instances must not go on counting the user as syncing here.
      this.#noteSync(userId, setPresence, false);
    }
  }

  /**
   * Shared store: tells the other instances' timers that `userId` synced, and whether a sync
   * is still open here (`syncing`: their timers then treat the user as syncing, as they
   * would a sync of their own, until the mark is replaced or expires). A mark saying the same
   * as the last one is written at most once a second; marks expire 5 s after the sync timeout.
   */
  #noteSync(userId: string, setPresence: SetPresence, syncing: boolean): void {
    if (!this.#store.shared) return;
    const now = this.now();
    const last = this.#markedAt.get(userId);
    if (last !== undefined && last.syncing === syncing && now - last.at < 1000) return;
    this.#markedAt.set(userId, { at: now, syncing });
    this.#store.noteSyncs(
      [{ userId, lastSyncTs: now, lastActiveSyncTs: setPresence === 'online' ? now : 0, syncing }],
      this.#syncMarkTtlMs(),
    );
  }

  /** How long a sync mark lives: the sync timeout and 5 s. */
  #syncMarkTtlMs(): number {
    return this.timers.syncOnlineTimeoutMs + 5000;
  }

  /**
   * Applies the timers to every local user that is not offline, and drops the sync streams of
   * users who have not synced for {@link STREAM_IDLE_MS}; resolves once changes are delivered.
   * Returns the number of presence changes.
   */
  async sweepTimers(): Promise<number> {
    const now = this.now();
    this.streams.evictIdle(now - STREAM_IDLE_MS);
    const shared = this.#store.shared;
    if (shared) this.#refreshSyncMarks(now);
    const due: UserPresenceState[] = [];
    for (const state of this.#current.values()) {
      if (state.state === 'offline') continue;
      // With a shared store each user's timers run on the instance holding its shard.
      if (shared && !this.#timerLeases.holds(shardOf(state.userId, LEASE_SHARDS))) continue;
      const next = this.isLocal(state.userId)
        ? afterTimers(state, now, this.#syncing.has(state.userId), this.timers)
        : afterFederationTimeout(state, now);
      if (!next.equals(state)) due.push(state);
    }
    const marks = shared ? await this.#syncMarksOf(due) : new Map<string, SyncMark>();
    // The store is down: the next sweep tries again.
    if (marks === undefined) return 0;
    let changes = 0;
    for (const state of due) {
      const mark = marks.get(state.userId);
      const changed = await this.#write(
        state.userId,
        (previous) => {
          if (previous.state === 'offline') return previous;
          if (!this.isLocal(previous.userId)) return afterFederationTimeout(previous, now);
          // A sync on another instance (its mark) counts as a sync here.
          const seen =
            mark === undefined
              ? previous
              : previous.with({
                  lastUserSyncTs: Math.max(previous.lastUserSyncTs, mark.lastSyncTs),
                  lastActiveTs: Math.max(previous.lastActiveTs, mark.lastActiveSyncTs),
                });
          // A sync open on another instance (its mark says so) counts as one open here.
          const syncing = this.#syncing.has(previous.userId) || mark?.syncing === true;
          const next = afterTimers(seen, now, syncing, this.timers);
          return next.equals(seen) ? previous : next;
        },
        'skip',
      ).catch((error: unknown) => {
        if (!(error instanceof MatrixError)) throw error;
        return undefined; // the store is down: the next sweep tries again
      });
      if (changed !== undefined) changes++;
    }
    await this.#completeSnapshots();
    await this.caughtUp();
    return changes;
  }

  /** Shared store: the unexpired sync marks of `states`' users (none when the store is down). */
  async #syncMarksOf(
    states: readonly UserPresenceState[],
  ): Promise<Map<string, SyncMark> | undefined> {
    const local = states.filter((state) => this.isLocal(state.userId)).map((s) => s.userId);
    if (local.length === 0) return new Map();
    try {
      return await this.#store.syncMarks(local);
    } catch (error) {
      this.#logger.warn('sync marks unavailable; the timers wait for the store', {
        error: messageOf(error),
      });
      return undefined;
    }
  }

  /**
   * Shared store: renews the marks of the syncs in progress here (they outlive the timeout)
   * and forgets the marks written here that have expired.
   */
  #refreshSyncMarks(now: number): void {
    const ttlMs = this.#syncMarkTtlMs();
    for (const [userId, { at }] of this.#markedAt) {
      if (now - at > ttlMs) this.#markedAt.delete(userId);
    }
    const marks = [];
    for (const userId of this.#syncing.keys()) {
      this.#markedAt.set(userId, { at: now, syncing: true });
      const active = this.#current.get(userId)?.currentlyActive === true;
      marks.push({ userId, lastSyncTs: now, lastActiveSyncTs: active ? now : 0, syncing: true });
    }
    if (marks.length > 0) this.#store.noteSyncs(marks, ttlMs);
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
   * Those of `states` (a snapshot's) that `viewer` receives under the policy and the modules'
   * denials (core's `statesSeenBy`). When rooms could not be looked up, a snapshot follows
   * once they answer.
   */
  async seenBy(viewer: string, states: readonly UserPresenceState[]): Promise<UserPresenceState[]> {
    if (states.length === 0) return [];
    const seen = await this.router.statesSeenBy(viewer, states);
    if (!seen.complete) this.#incompleteSnapshots.add(viewer);
    return [...seen.states];
  }

  /**
   * Which of `states` `userId` receives: core's fan-out of them (default routing, the
   * modules' destinations) and the modules' read side. For syncs that continue another
   * instance's token (see `feed-changes.ts`).
   */
  async receivedBy(
    userId: string,
    states: readonly UserPresenceState[],
  ): Promise<UserPresenceState[]> {
    // The read side (itself, co-members, the modules' interest, minus denials) plus the
    // modules' destinations: what a fan-out would give this one user, without expanding
    // every sender's rooms.
    const [seen, destinations] = await Promise.all([
      this.router.statesSeenBy(userId, states),
      this.router.getUsersForStates(states),
    ]);
    const received = new Set<UserPresenceState>(seen.states);
    for (const state of destinations.get(userId) ?? []) received.add(state);
    return states.filter((state) => received.has(state));
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
    const valid: string[] = [];
    for (const userId of users) {
      if (!isValidUserId(userId)) {
        this.#logger.warn('sendLocalOnlinePresenceTo: not a user ID; skipped', {
          userId: String(userId),
        });
        continue;
      }
      valid.push(userId);
    }
    if (valid.length === 0) return;
    if (this.#store.shared) {
      // Every instance serves the local users syncing there; the destination's one sender
      // sends the remote snapshots (see #onFeed).
      let seq: number;
      try {
        seq = await this.#store.requestSnapshots(valid);
      } catch (error) {
        if (error instanceof StoreUnavailableError) throw storeUnavailable();
        throw error;
      }
      // Like a write of this instance: its syncs wait for it, and so does the caller (here
      // the request takes effect when the feed brings it back).
      this.#lastOwnSeq = Math.max(this.#lastOwnSeq, seq);
      if (await this.consumed(seq, 5000)) await this.#snapshotTasks.get(seq);
      return;
    }
    await this.#snapshotsFor(valid, false);
  }

  /**
   * Local users' next syncs become snapshots; remote users' servers get the snapshot now
   * (with a shared store: only the destinations this instance sends to).
   */
  async #snapshotsFor(users: readonly string[], onlyHeldDestinations: boolean): Promise<void> {
    const remote = new Map<string, string[]>();
    for (const userId of users) {
      if (this.isLocal(userId)) {
        this.streams.requestSnapshot(userId);
        continue;
      }
      const server = serverNameOf(userId) as string;
      if (onlyHeldDestinations && !this.#sendsTo(server)) continue;
      remote.set(server, [...(remote.get(server) ?? []), userId]);
    }
    for (const [server, userIds] of remote) {
      const states = new Map<string, UserPresenceState>();
      for (const userId of userIds) {
        const interest = await this.interestedUsers(userId);
        const candidates = this.snapshot(interest, false).filter((s) => this.isLocal(s.userId));
        for (const state of await this.seenBy(userId, candidates)) states.set(state.userId, state);
      }
      if (states.size > 0) await this.#sendRemote(server, userIds, [...states.values()]);
    }
  }

  /** Whether this instance sends to `serverName` (with a shared store: holds its shard). */
  #sendsTo(serverName: string): boolean {
    return this.#federationLeases.holds(shardOf(serverName, LEASE_SHARDS));
  }

  /**
   * Presence of remote users, received over federation (the origin's own users only): routed
   * to local users exactly as local changes are — co-members, the modules' destinations and
   * their read side. A state equal to the one known is not news. Not accepted while shutting
   * down (the sending server retries).
   * @throws MatrixError 503 while shutting down or when the store cannot take them.
   */
  async acceptRemote(states: readonly UserPresenceState[], _origin: string): Promise<void> {
    for (const state of states) {
      if (this.isLocal(state.userId)) continue;
      await this.#write(
        state.userId,
        (previous) => (previous.equals(state) ? previous : state),
        'refuse',
      );
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
    const online = (userIds: readonly string[]): UserPresenceState[] =>
      userIds
        .map((userId) => this.#published.get(userId))
        .filter(
          (state): state is UserPresenceState => state !== undefined && state.state !== 'offline',
        );
    const joinedStates = online(joined);
    const memberStates = online(members);
    // Only what routing lets each syncing recipient see (policy, denials, modules): the
    // members, the joined users' states as one fan-out; each joined user, the members' states
    // through its read side.
    const joinedSet = new Set(joined);
    const routed = joinedStates.length > 0 ? await this.router.fanOut(joinedStates) : undefined;
    const deliveries: [string, readonly UserPresenceState[]][] = [];
    for (const userId of members) {
      if (!this.streams.has(userId)) continue;
      const seen = joinedSet.has(userId)
        ? await this.seenBy(userId, memberStates)
        : (routed?.statesFor(userId) ?? []);
      if (seen.length > 0) deliveries.push([userId, seen]);
    }
    const position = this.streams.nextPosition();
    for (const [userId, states] of deliveries) this.streams.deliver(position, [userId], states);
  }

  /** Stops accepting changes: `PUT` answers 503 from now on; syncs no longer change presence. */
  stopAccepting(): void {
    this.#accepting = false;
    // With a shared store, this instance's own writes still come back through the feed.
    if (!this.#store.shared) this.#pipeline.close();
  }

  /**
   * Resolves when every accepted change has been routed and delivered (failing parts get one
   * last attempt); returns how many rooms or users still fail (their recipients missed it).
   * With a shared store, first waits (up to 5 s) for the feed to bring back this instance's
   * own writes.
   */
  async drain(): Promise<number> {
    if (this.#store.shared) {
      if (!(await this.consumed(this.#lastOwnSeq, 5000))) {
        this.#logger.warn('shutting down before the feed brought back every own write', {
          lastOwnSeq: this.#lastOwnSeq,
          consumedThrough: this.#consumedThrough,
        });
      }
      this.#pipeline.close();
    }
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
   * Writes the transition `compute` makes of the user's current state: to the store
   * (compare-and-set, recomputed from the stored state when another write came first), then
   * — unless it is only a quiet refresh — to the pipeline (a shared store's feed brings it
   * back to every instance's pipeline instead). Resolves to the state written, or undefined
   * when there was nothing to write. While shutting down, `'refuse'` throws 503 and
   * `'skip'` drops the change.
   * @throws MatrixError 503 `M_UNKNOWN` with `Retry-After` when it cannot be stored.
   */
  #write(
    userId: string,
    compute: (previous: UserPresenceState) => UserPresenceState,
    closed: 'refuse' | 'skip',
  ): Promise<UserPresenceState | undefined> {
    // One write per user at a time on this instance: races are only with other instances.
    const before = this.#writing.get(userId);
    const run = (): Promise<UserPresenceState | undefined> =>
      this.#writeNow(userId, compute, closed);
    const written = before === undefined ? run() : before.then(run, run);
    const settled = written.then(
      () => undefined,
      () => undefined,
    );
    this.#writing.set(userId, settled);
    void settled.then(() => {
      if (this.#writing.get(userId) === settled) this.#writing.delete(userId);
    });
    return written;
  }

  async #writeNow(
    userId: string,
    compute: (previous: UserPresenceState) => UserPresenceState,
    closed: 'refuse' | 'skip',
  ): Promise<UserPresenceState | undefined> {
    for (let attempt = 0; attempt < MAX_COMMIT_TRIES; attempt++) {
      const previous = this.currentState(userId);
      const next = compute(previous);
      if (next === previous) return undefined;
      const quiet = !shouldNotify(previous, next, this.timers) && this.#published.has(userId);
      if ((!this.#accepting || this.#pipeline.closed) && !quiet) {
        if (closed === 'refuse') throw shuttingDown();
        return undefined;
      }
      if (quiet && this.#store.shared && !this.#worthStoring(userId, next)) {
        this.#refreshQuietly(next); // a timestamp moved a little: this instance only
        return next;
      }
      const stored = this.#stored.get(userId);
      let result: Awaited<ReturnType<PresenceStore['commit']>>;
      try {
        result = await this.#store.commit({
          state: next,
          expectedSeq: stored?.seq ?? 0,
          notify: !quiet,
        });
      } catch (error) {
        if (error instanceof StoreUnavailableError) throw storeUnavailable();
        throw error;
      }
      if (!result.ok) {
        this.#commitConflicts++;
        if (result.current !== undefined) this.#adoptStored(result.current, true);
        // Nothing stored any more (the store lost its data): the next try writes afresh.
        else this.#stored.delete(userId);
        continue;
      }
      if (result.seq > (this.#stored.get(userId)?.seq ?? 0)) {
        this.#stored.set(userId, { state: next, seq: result.seq });
        this.#current.set(userId, next);
      }
      this.#lastOwnSeq = Math.max(this.#lastOwnSeq, result.seq);
      if (quiet) {
        this.#refreshQuietly(next);
        return next;
      }
      this.#metrics.updates.inc();
      if (!this.#store.shared) {
        try {
          this.#pipeline.submit(next);
        } catch (error) {
          if (error instanceof PipelineClosedError) throw shuttingDown();
          throw error;
        }
      }
      return next;
    }
    throw new MatrixError(503, 'M_UNKNOWN', 'Too many concurrent updates of this user; retry', {
      retryAfterMs: 200,
    });
  }

  /** A quiet refresh: what snapshots show (a state pending or routing is published with it). */
  #refreshQuietly(next: UserPresenceState): void {
    this.#current.set(next.userId, next);
    if (!this.#pipeline.holds(next.userId)) this.#published.set(next.userId, next);
  }

  /**
   * Shared store: whether a quiet refresh is worth a write — its activity moved by a quarter
   * of `last_active_granularity` or more since the stored state (the other instances' timers
   * read it; sync marks cover the sync timestamps).
   */
  #worthStoring(userId: string, next: UserPresenceState): boolean {
    const stored = this.#stored.get(userId)?.state;
    if (stored === undefined) return true;
    return next.lastActiveTs - stored.lastActiveTs >= this.timers.lastActiveGranularityMs / 4;
  }

  /** A stored state read back (load, a lost race, the feed): adopted when newer. */
  #adoptStored(stored: StoredPresence, authoritative = false): boolean {
    const userId = stored.state.userId;
    const known = this.#stored.get(userId);
    // The store's answer to a compare-and-set is what is stored now, whatever was known.
    if (!authoritative && known !== undefined && known.seq >= stored.seq) return false;
    this.#stored.set(userId, stored);
    this.#current.set(userId, stored.state);
    if (!this.#pipeline.holds(userId) && !this.#published.has(userId)) {
      this.#published.set(userId, stored.state);
    }
    return true;
  }

  /** Shared store: a page of the feed, in `seq` order. */
  #onFeed(entries: readonly ChangeEntry[]): void {
    for (const entry of entries) {
      if (entry.seq <= this.#consumedThrough && entry.kind !== 'gap') continue;
      if (entry.kind === 'gap') {
        this.#recent.reset(entry.seq);
        this.#reload();
      } else if (entry.kind === 'snapshot-request') {
        const seq = entry.seq;
        const task = this.#snapshotsFor(entry.users, true)
          .catch((error: unknown) => {
            this.#logger.error('a requested snapshot failed', { error: messageOf(error) });
          })
          .finally(() => this.#snapshotTasks.delete(seq));
        this.#snapshotTasks.set(seq, task);
      } else {
        this.#applyFeedState(entry.seq, entry.state, entry.notify);
      }
      if (entry.kind !== 'gap') this.#recent.append(entry);
      if (entry.seq > this.#consumedThrough) this.#consumedThrough = entry.seq;
    }
    if (this.#consumeWaiters.length > 0) {
      const waiting = [];
      for (const waiter of this.#consumeWaiters) {
        if (waiter.seq <= this.#consumedThrough) waiter.resolve();
        else waiting.push(waiter);
      }
      this.#consumeWaiters = waiting;
    }
  }

  /** Shared store: one state of the feed: replicated, and routed when it is news here. */
  #applyFeedState(seq: number, state: UserPresenceState, notify: boolean): void {
    const userId = state.userId;
    const known = this.#stored.get(userId);
    if (known === undefined || seq > known.seq) {
      this.#stored.set(userId, { state, seq });
      this.#current.set(userId, state);
    }
    if (!notify && this.#published.has(userId)) {
      if (!this.#pipeline.holds(userId)) this.#published.set(userId, state);
      return;
    }
    if (this.#pipeline.closed) return;
    this.#pipeline.submit(state, seq);
  }

  /** Shared store: the feed was trimmed past this instance: every state is read again. */
  #reload(): void {
    if (this.#reloading !== undefined) return;
    this.#logger.warn('the presence feed was trimmed past this instance; reloading every state');
    this.#reloading = this.#store
      .load((page) => {
        for (const stored of page) {
          if (this.#adoptStored(stored) && !this.#pipeline.closed) {
            this.#pipeline.submit(stored.state, stored.seq);
          }
        }
      })
      .then(
        () => undefined,
        (error: unknown) => {
          this.#logger.error('reloading presence failed', { error: messageOf(error) });
        },
      )
      .finally(() => {
        this.#reloading = undefined;
      });
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
    const readSide = this.#deliverReadSide(position, result);
    this.#deliver(position, result, readSide);
    if (this.#store.shared) {
      // One batch at a time, in feed order: all before the first pending change is delivered.
      const through = Math.min(this.#consumedThrough, this.#pipeline.firstPendingSeq - 1);
      if (through > this.#deliveredThrough) this.#deliveredThrough = through;
    }
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

  /**
   * Delivers to syncing users whose read-side interest covers a sender, unless the policy or
   * a module denies them the state (`FanOutResult.allows`).
   */
  #deliverReadSide(
    position: number,
    result: FanOutResult,
  ): Map<string, readonly UserPresenceState[]> {
    const delivered = new Map<string, readonly UserPresenceState[]>();
    const states = result.states;
    for (const [userId, interest] of this.#readSide) {
      const mine = states.filter(
        (state) =>
          (interest === ALL_USERS || interest.has(state.userId)) &&
          result.allows(state.userId, userId),
      );
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
    // With a shared store every instance routes every change; one sends to each destination.
    if (this.#store.shared && !this.#sendsTo(serverName)) return;
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

/** 503 `M_UNKNOWN` for a write the store could not take (nothing was stored). */
function storeUnavailable(): MatrixError {
  return new MatrixError(503, 'M_UNKNOWN', 'Presence cannot be stored right now; retry', {
    retryAfterMs: STORE_RETRY_AFTER_MS,
  });
}

/** 503 `M_UNKNOWN` when an answer depends on membership that cannot be looked up now. */
function membershipUnavailable(): MatrixError {
  return new MatrixError(503, 'M_UNKNOWN', 'Room membership is unavailable right now; retry', {
    retryAfterMs: MEMBERSHIP_RETRY_AFTER_MS,
  });
}
