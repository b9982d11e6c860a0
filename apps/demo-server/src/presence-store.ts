/**
 * `PresenceStore`: where the server keeps every user's current presence and the ordered
 * feed of changes to it. Two implementations:
 *
 * - {@link MemoryPresenceStore} (the default): this process's memory, one instance; a
 *   restart forgets presence.
 * - `RedisPresenceStore` (`redis.enabled`): shared by every instance — current state per user
 *   in Redis, written atomically per user (compare-and-set on the sequence number of the
 *   stored state), every change appended to a Redis Stream (bounded with `MAXLEN`) that every
 *   instance follows, sync marks, and shard leases (timers, federation senders).
 *
 * Sequence numbers are global and increase with every write: a change entry's `seq` is the
 * stored state's version, and the feed is in `seq` order.
 *
 * @example
 * ```ts
 * const result = await store.commit({ state: next, expectedSeq: 12, notify: true });
 * if (!result.ok) retryFrom(result.current); // another write came first
 * store.follow(lastSeq, (entries) => apply(entries));
 * ```
 * @module
 */
import type { UserPresenceState } from '@presence-router/core';

/** A user's state as stored, with the sequence number of the write that stored it. */
export interface StoredPresence {
  readonly state: UserPresenceState;
  readonly seq: number;
}

/** A write of one user's state. */
export interface PresenceWrite {
  readonly state: UserPresenceState;
  /** The `seq` of the stored state this write replaces (0: none is stored). */
  readonly expectedSeq: number;
  /** News (routed to recipients) or a quiet refresh (timestamps; replicated only). */
  readonly notify: boolean;
}

/** The outcome of {@link PresenceStore.commit}. */
export type CommitResult =
  | { readonly ok: true; readonly seq: number }
  /** Another write came first: the state stored now (undefined: none). Nothing was written. */
  | { readonly ok: false; readonly current: StoredPresence | undefined };

/** One entry of the change feed. */
export type ChangeEntry =
  | {
      readonly kind: 'state';
      readonly seq: number;
      readonly state: UserPresenceState;
      readonly notify: boolean;
      /** The instance that wrote it. */
      readonly origin: string;
    }
  | {
      /** `sendLocalOnlinePresenceTo`: these users are sent a snapshot. */
      readonly kind: 'snapshot-request';
      readonly seq: number;
      readonly users: readonly string[];
      readonly origin: string;
    }
  | {
      /**
       * The feed no longer holds entries after the follower's position (trimmed by `MAXLEN`
       * while it was away, or Redis lost its data): the follower reloads every state
       * ({@link PresenceStore.load}).
       */
      readonly kind: 'gap';
      /** The feed goes on after this `seq` (the entries up to it were missed). */
      readonly seq: number;
    };

/** A sync in progress or just ended, as every instance's timers must know it. */
export interface SyncMark {
  readonly userId: string;
  /** When the user last synced (ms since the epoch). */
  readonly lastSyncTs: number;
  /** When a sync last marked the user active (`set_presence=online`); 0: never. */
  readonly lastActiveSyncTs: number;
  /**
   * Whether a sync of the user was still open on the writing instance: every instance's
   * timers treat the user as syncing while the mark lives.
   */
  readonly syncing: boolean;
}

/** Shards of some work (timers, federation destinations) held by at most one instance each. */
export interface ShardLeases {
  readonly shards: number;
  /** Whether this instance holds `shard` now. */
  holds(shard: number): boolean;
  /** The shards this instance holds now. */
  held(): ReadonlySet<number>;
  /** Called after the held set changes; returns the function that stops listening. */
  onChange(listener: (held: ReadonlySet<number>) => void): () => void;
}

/** What `/health` and `/metrics` show of the store. */
export interface StoreStatus {
  readonly kind: 'memory' | 'redis';
  /** Whether the store can be written now. */
  readonly connected: boolean;
  /** The last connection error while disconnected. */
  readonly lastError: string | undefined;
  /** When `connected` last changed (ms since the epoch). */
  readonly since: number;
  /** Reconnections so far. */
  readonly reconnects: number;
  /** The highest `seq` this instance has read from the feed. */
  readonly followedThrough: number;
  /** Instances alive now (this one included), by heartbeat. */
  readonly instances: number;
}

/** The store; see the module documentation. */
export interface PresenceStore {
  /** Shared by several instances (the feed must be followed, leases matter). */
  readonly shared: boolean;
  /** This instance's name (`instance_name`, or generated), unique among live instances. */
  readonly instanceName: string;
  /**
   * Reads every stored state, in pages handed to `onPage` (each user once); resolves to the
   * feed position the states are at least as new as (follow from there: an entry older than
   * a loaded state has a lower `seq` and is skipped by the caller).
   * @throws StoreUnavailableError
   */
  load(onPage: (states: readonly StoredPresence[]) => void): Promise<number>;
  /**
   * Stores `write.state` if the user's stored `seq` is still `write.expectedSeq`, appending
   * it to the feed. Atomic per user. After Redis lost its data, `current` is undefined for
   * every user (retry with `expectedSeq: 0`).
   * @throws StoreUnavailableError when the store cannot be reached (nothing was stored;
   * unless the connection dropped with the write in flight: then the feed has it).
   */
  commit(write: PresenceWrite): Promise<CommitResult>;
  /**
   * Appends a snapshot request for `users` to the feed.
   * @throws StoreUnavailableError
   */
  requestSnapshots(users: readonly string[]): Promise<number>;
  /**
   * Starts following the feed after `after`: `handler` gets the entries in `seq` order, in
   * pages, synchronously one page at a time. Reconnects with backoff and resumes after the
   * last entry handed over. One follower per store (a second call throws).
   */
  follow(after: number, handler: (entries: readonly ChangeEntry[]) => void): void;
  /**
   * Reads the entries with `after < seq <= through`, in pages handed to `visit` (return
   * `false` to stop early). `'trimmed'` when the feed no longer reaches back to `after + 1`.
   * @throws StoreUnavailableError
   */
  readRange(
    after: number,
    through: number,
    visit: (entries: readonly ChangeEntry[]) => boolean | undefined,
  ): Promise<'complete' | 'trimmed'>;
  /**
   * The `seq` of the latest write anywhere.
   * @throws StoreUnavailableError
   */
  latestSeq(): Promise<number>;
  /** Records syncs (batched, best effort); a mark expires `ttlMs` after it was written. */
  noteSyncs(marks: readonly SyncMark[], ttlMs: number): void;
  /**
   * The unexpired sync marks of `userIds`.
   * @throws StoreUnavailableError
   */
  syncMarks(userIds: readonly string[]): Promise<Map<string, SyncMark>>;
  /** The leases of `name` in `shards` shards, balanced over the live instances. */
  leases(name: string, shards: number): ShardLeases;
  status(): StoreStatus;
  /** Stops following, releases leases, closes connections. */
  close(): Promise<void>;
}

/** Which shard of `shards` a key (a user ID, a server name) belongs to: FNV-1a of its UTF-16. */
export function shardOf(key: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}
