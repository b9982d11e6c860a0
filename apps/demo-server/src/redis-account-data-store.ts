/**
 * Account data in Redis, beside the presence store's keys (the same `redis:` settings, its
 * own client): `<key_prefix>:account_data:<userId>` is a hash of type → the content's JSON
 * text. Survives restarts; every instance reads the same. A command that fails (Redis down,
 * a timeout) rejects with a 503 `M_UNKNOWN` `MatrixError` carrying `Retry-After`.
 *
 * @example
 * ```ts
 * const store = await RedisAccountDataStore.connect({ host: '127.0.0.1', port: 6379, dbid: 0, keyPrefix: 'pr' });
 * await store.put('@alice:hs', 'm.presence.sharing', '{"share_locally":true}');
 * await store.close();
 * ```
 * @module
 */
import type { Redis } from 'ioredis';
import { type AccountDataStore, accountDataUnavailable } from './account-data-store.ts';
import { closeRedisClient, createRedisClient, type RedisEndpoint } from './redis-client.ts';
import { DEFAULT_REDIS_TIMINGS, type RedisTimings } from './redis-timings.ts';

/** Where the store's Redis is, and the prefix of its keys. */
export interface RedisAccountDataOptions extends RedisEndpoint {
  readonly keyPrefix: string;
  readonly timings?: RedisTimings;
}

/** An {@link AccountDataStore} over one ioredis client. */
export class RedisAccountDataStore implements AccountDataStore {
  readonly #client: Redis;
  readonly #prefix: string;

  private constructor(client: Redis, keyPrefix: string) {
    this.#client = client;
    this.#prefix = `${keyPrefix}:account_data:`;
    // Errors are answered per command; the event would otherwise be unhandled.
    client.on('error', () => {});
  }

  /** Connects; rejects when Redis cannot be reached. */
  static async connect(options: RedisAccountDataOptions): Promise<RedisAccountDataStore> {
    const client = createRedisClient(
      options,
      options.timings ?? DEFAULT_REDIS_TIMINGS,
      'presence-router:account-data',
    );
    const store = new RedisAccountDataStore(client, options.keyPrefix);
    try {
      await client.connect();
    } catch (error) {
      client.disconnect();
      throw error;
    }
    return store;
  }

  /** The key of `userId`'s hash. */
  keyOf(userId: string): string {
    return `${this.#prefix}${userId}`;
  }

  async put(userId: string, type: string, json: string): Promise<void> {
    await this.#run(() => this.#client.hset(this.keyOf(userId), type, json));
  }

  async get(userId: string, type: string): Promise<string | undefined> {
    return (await this.#run(() => this.#client.hget(this.keyOf(userId), type))) ?? undefined;
  }

  async getMany(userId: string, types: readonly string[]): Promise<ReadonlyMap<string, string>> {
    const found = new Map<string, string>();
    if (types.length === 0) return found;
    const values = await this.#run(() => this.#client.hmget(this.keyOf(userId), ...types));
    types.forEach((type, index) => {
      const value = values[index];
      if (typeof value === 'string') found.set(type, value);
    });
    return found;
  }

  async usersWith(types: readonly string[]): Promise<string[]> {
    const users: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.#run(() =>
        this.#client.scan(cursor, 'MATCH', `${escapeGlob(this.#prefix)}*`, 'COUNT', 500),
      );
      cursor = next;
      for (const key of keys) {
        const userId = key.slice(this.#prefix.length);
        const held = await this.getMany(userId, types);
        if (held.size > 0) users.push(userId);
      }
    } while (cursor !== '0');
    return users;
  }

  async close(): Promise<void> {
    await closeRedisClient(this.#client);
  }

  async #run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw accountDataUnavailable(error);
    }
  }
}

/** `text` with Redis glob characters escaped, for `SCAN MATCH`. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}
