/**
 * `RedisPresenceStore`: the {@link PresenceStore} shared by every instance through Redis
 * (`redis.enabled`). Current states in a hash, written by one compare-and-set script per
 * commit that also takes the next global `seq` and appends the change to a stream (the feed,
 * entry ID `<seq>-0`, bounded by `MAXLEN ~ streamMaxLength`); a dedicated connection follows
 * the feed; sync marks are expiring keys; shard leases are balanced over the instances alive
 * by heartbeat. The key layout is in `redis-keys.ts`.
 *
 * Commands fail fast with `StoreUnavailableError` while Redis cannot be reached (no offline
 * queue, a command timeout); ioredis reconnects with capped exponential backoff.
 *
 * @example
 * ```ts
 * const store = await RedisPresenceStore.connect({
 *   host: '127.0.0.1', port: 6379, dbid: 0, keyPrefix: 'presence-router',
 *   streamMaxLength: 100_000, instanceName: 'worker-1', logger,
 * });
 * store.follow(await store.load(applyPage), applyEntries);
 * ```
 * @module
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type Logger, silentLogger } from '@presence-router/core';
import { messageOf, StoreUnavailableError } from './errors.ts';
import type {
  ChangeEntry,
  CommitResult,
  PresenceStore,
  PresenceWrite,
  ShardLeases,
  StoredPresence,
  StoreStatus,
  SyncMark,
} from './presence-store.ts';
import {
  closeRedisClient,
  createRedisClient,
  describeEndpoint,
  type RedisEndpoint,
  RedisHealth,
  storeUnavailable,
} from './redis-client.ts';
import { decodeStored, encodeState } from './redis-entries.ts';
import { RedisFeedFollower } from './redis-feed-follower.ts';
import { readFeedRange } from './redis-feed-range.ts';
import { type RedisKeys, redisKeys } from './redis-keys.ts';
import { RedisLeaseKeeper } from './redis-leases.ts';
import { type ScriptedRedis, withStoreScripts } from './redis-scripts.ts';
import { RedisSyncMarks } from './redis-sync-marks.ts';
import { type RedisTimings, redisTimings } from './redis-timings.ts';

/**
 * Options of {@link RedisPresenceStore.connect}: the `redis` settings (`StoreSettings` of
 * kind `redis` fits as is), a logger, and timings for tests.
 */
export interface RedisPresenceStoreOptions extends RedisEndpoint {
  /** Every key starts with `<keyPrefix>:`. */
  readonly keyPrefix: string;
  /** The feed's `MAXLEN ~` (approximate: Redis trims whole nodes, so a little more stays). */
  readonly streamMaxLength: number;
  /** Unique among live instances; default `<hostname>-<pid>-<random>`. */
  readonly instanceName?: string | undefined;
  readonly logger?: Logger | undefined;
  /** Overrides of the defaults (`DEFAULT_REDIS_TIMINGS`). */
  readonly timings?: Partial<RedisTimings> | undefined;
}

function generatedName(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 40) || 'host';
  return `${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** The Redis store; see the module documentation. */
export class RedisPresenceStore implements PresenceStore {
  readonly shared = true;
  readonly instanceName: string;
  readonly #options: RedisPresenceStoreOptions;
  readonly #timings: RedisTimings;
  readonly #logger: Logger;
  readonly #keys: RedisKeys;
  readonly #client: ScriptedRedis;
  readonly #health: RedisHealth;
  readonly #marks: RedisSyncMarks;
  readonly #leases: RedisLeaseKeeper;
  readonly #epoch: string;
  #follower: RedisFeedFollower | undefined;
  #highestSeq: number;
  #closing: Promise<void> | undefined;

  /**
   * Connects to Redis and joins the instances (first heartbeat).
   * @throws StoreUnavailableError when Redis cannot be reached (or refuses the password or
   * the database number), with the address in the message.
   */
  static async connect(options: RedisPresenceStoreOptions): Promise<RedisPresenceStore> {
    const timings = redisTimings(options.timings);
    const instanceName = options.instanceName ?? generatedName();
    const client = withStoreScripts(
      createRedisClient(options, timings, `${options.keyPrefix}:${instanceName}:commands`),
    );
    const health = new RedisHealth(client);
    const keys = redisKeys(options.keyPrefix);
    let epoch: string;
    try {
      await client.connect();
      [epoch] = await client.presenceEpoch(keys.epoch, keys.counter, randomUUID(), 0);
    } catch (error) {
      client.disconnect();
      throw new StoreUnavailableError(
        `Cannot use Redis at ${describeEndpoint(options)}: ${health.lastError ?? messageOf(error)}`,
        { cause: error },
      );
    }
    const store = new RedisPresenceStore(options, timings, instanceName, client, health, epoch);
    try {
      await store.#leases.start();
    } catch (error) {
      await store.close();
      throw storeUnavailable(error, 'joining the instances');
    }
    store.#logger.info('store: connected to Redis', {
      redis: describeEndpoint(options),
      keyPrefix: options.keyPrefix,
      instance: instanceName,
    });
    return store;
  }

  private constructor(
    options: RedisPresenceStoreOptions,
    timings: RedisTimings,
    instanceName: string,
    client: ScriptedRedis,
    health: RedisHealth,
    epoch: string,
  ) {
    this.#options = options;
    this.#timings = timings;
    this.instanceName = instanceName;
    this.#logger = options.logger ?? silentLogger;
    this.#keys = redisKeys(options.keyPrefix);
    this.#client = client;
    this.#health = health;
    this.#epoch = epoch;
    this.#highestSeq = 0;
    this.#marks = new RedisSyncMarks(client, this.#keys, this.#logger);
    this.#leases = new RedisLeaseKeeper({
      client,
      keys: this.#keys,
      instanceName,
      timings,
      logger: this.#logger,
    });
    client.on('close', () => {
      if (this.#closing === undefined) this.#logger.warn('store: lost the Redis connection');
    });
    client.on('ready', () => {
      if (health.reconnects === 0) return;
      this.#logger.info('store: reconnected to Redis', { reconnects: health.reconnects });
      // After Redis lost everything, seqs must still go on past what this instance has seen.
      client
        .presenceEpoch(this.#keys.epoch, this.#keys.counter, randomUUID(), this.#floor())
        .catch(() => {});
    });
  }

  async load(onPage: (states: readonly StoredPresence[]) => void): Promise<number> {
    const seq = await this.latestSeq();
    const seen = new Set<string>();
    let cursor = '0';
    do {
      let reply: [string, string[]];
      try {
        reply = await this.#client.hscan(
          this.#keys.states,
          cursor,
          'COUNT',
          this.#timings.loadPageSize,
        );
      } catch (error) {
        throw storeUnavailable(error, 'loading states');
      }
      cursor = reply[0];
      const page: StoredPresence[] = [];
      const fields = reply[1];
      for (let i = 0; i + 1 < fields.length; i += 2) {
        const userId = fields[i]!;
        if (seen.has(userId)) continue;
        seen.add(userId);
        try {
          page.push(decodeStored(fields[i + 1]!));
        } catch (error) {
          this.#logger.warn('store: skipped an unreadable state', {
            userId,
            error: messageOf(error),
          });
        }
      }
      if (page.length > 0) onPage(page);
    } while (cursor !== '0');
    return seq;
  }

  async commit(write: PresenceWrite): Promise<CommitResult> {
    let reply: [number, string | null];
    try {
      reply = await this.#client.presenceCommit(
        this.#keys.states,
        this.#keys.counter,
        this.#keys.feed,
        write.state.userId,
        write.expectedSeq,
        encodeState(write.state),
        write.notify ? '1' : '0',
        this.instanceName,
        this.#options.streamMaxLength,
      );
    } catch (error) {
      throw storeUnavailable(error, 'committing a state');
    }
    if (Number(reply[0]) === 1) {
      const seq = Number(reply[1]);
      this.#noteSeq(seq);
      return { ok: true, seq };
    }
    return { ok: false, current: reply[1] === null ? undefined : decodeStored(reply[1]) };
  }

  async requestSnapshots(users: readonly string[]): Promise<number> {
    let reply: string;
    try {
      reply = await this.#client.presenceSnapshotRequest(
        this.#keys.counter,
        this.#keys.feed,
        JSON.stringify(users),
        this.instanceName,
        this.#options.streamMaxLength,
      );
    } catch (error) {
      throw storeUnavailable(error, 'requesting snapshots');
    }
    const seq = Number(reply);
    this.#noteSeq(seq);
    return seq;
  }

  follow(after: number, handler: (entries: readonly ChangeEntry[]) => void): void {
    if (this.#follower !== undefined) throw new Error('this store is already followed');
    if (this.#closing !== undefined) throw new Error('this store is closed');
    const client = withStoreScripts(
      createRedisClient(
        this.#options,
        this.#timings,
        `${this.#options.keyPrefix}:${this.instanceName}:feed`,
        this.#timings.followBlockMs + this.#timings.commandTimeoutMs,
      ),
    );
    client.on('error', () => {});
    this.#follower = new RedisFeedFollower(
      {
        client,
        keys: this.#keys,
        timings: this.#timings,
        epoch: this.#epoch,
        floor: () => this.#highestSeq,
        logger: this.#logger,
      },
      after,
      handler,
    );
    this.#follower.start();
  }

  readRange(
    after: number,
    through: number,
    visit: (entries: readonly ChangeEntry[]) => boolean | undefined,
  ): Promise<'complete' | 'trimmed'> {
    return readFeedRange(
      this.#client,
      this.#keys,
      this.#timings.feedPageSize,
      after,
      through,
      visit,
    );
  }

  async latestSeq(): Promise<number> {
    try {
      return Number((await this.#client.get(this.#keys.counter)) ?? 0);
    } catch (error) {
      throw storeUnavailable(error, 'reading the sequence');
    }
  }

  noteSyncs(marks: readonly SyncMark[], ttlMs: number): void {
    this.#marks.note(marks, ttlMs);
  }

  syncMarks(userIds: readonly string[]): Promise<Map<string, SyncMark>> {
    return this.#marks.read(userIds);
  }

  leases(name: string, shards: number): ShardLeases {
    return this.#leases.leases(name, shards);
  }

  status(): StoreStatus {
    return {
      kind: 'redis',
      connected: this.#health.connected && this.#closing === undefined,
      lastError: this.#health.lastError,
      since: this.#health.since,
      reconnects: this.#health.reconnects,
      followedThrough: this.#follower?.followedThrough ?? 0,
      instances: this.#leases.instances,
    };
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    await this.#follower?.close();
    await this.#marks.settle();
    await this.#leases.close();
    await closeRedisClient(this.#client);
  }

  #noteSeq(seq: number): void {
    if (seq > this.#highestSeq) this.#highestSeq = seq;
  }

  #floor(): number {
    return Math.max(this.#highestSeq, this.#follower?.followedThrough ?? 0);
  }
}
