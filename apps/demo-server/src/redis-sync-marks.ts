/**
 * Sync marks in Redis: one key per user (`<p>:sync:<user>`, `[lastSyncTs,lastActiveSyncTs,syncing]`)
 * with a `PX` expiry. Notes are batched: those of one event-loop turn go in one pipeline (the
 * latest per user), best effort (a failure is logged, once per outage). Reads see this
 * instance's own notes (they wait for the pending batch) and use `MGET` in chunks.
 *
 * @example
 * ```ts
 * marks.note([{ userId, lastSyncTs: now, lastActiveSyncTs: now }], 30_000);
 * const known = await marks.read([userId]);
 * ```
 * @module
 */
import type { Logger } from '@presence-router/core';
import { messageOf } from './errors.ts';
import type { SyncMark } from './presence-store.ts';
import { storeUnavailable } from './redis-client.ts';
import type { RedisKeys } from './redis-keys.ts';
import type { ScriptedRedis } from './redis-scripts.ts';

const CHUNK = 500;

/** Sync marks of the Redis store; see the module documentation. */
export class RedisSyncMarks {
  readonly #client: ScriptedRedis;
  readonly #keys: RedisKeys;
  readonly #logger: Logger;
  #pending = new Map<string, { mark: SyncMark; ttlMs: number }>();
  #flushing: Promise<void> | undefined;
  #failing = false;

  constructor(client: ScriptedRedis, keys: RedisKeys, logger: Logger) {
    this.#client = client;
    this.#keys = keys;
    this.#logger = logger;
  }

  /** Queues `marks` for the next batch. */
  note(marks: readonly SyncMark[], ttlMs: number): void {
    if (marks.length === 0) return;
    const ttl = Math.max(1, Math.ceil(ttlMs));
    for (const mark of marks) this.#pending.set(mark.userId, { mark, ttlMs: ttl });
    this.#flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
      this.#flush(),
    );
  }

  /** Resolves once every mark noted so far was written (or failed to be). */
  async settle(): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing;
  }

  /** The unexpired marks of `userIds`. */
  async read(userIds: readonly string[]): Promise<Map<string, SyncMark>> {
    await this.settle();
    const found = new Map<string, SyncMark>();
    const unique = [...new Set(userIds)];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const chunk = unique.slice(i, i + CHUNK);
      let values: (string | null)[];
      try {
        values = await this.#client.mget(chunk.map((userId) => this.#keys.sync(userId)));
      } catch (error) {
        throw storeUnavailable(error, 'reading sync marks');
      }
      chunk.forEach((userId, j) => {
        const value = values[j];
        if (value == null) return;
        try {
          const [lastSyncTs, lastActiveSyncTs, syncing] = JSON.parse(value) as [
            number,
            number,
            (0 | 1)?,
          ];
          found.set(userId, { userId, lastSyncTs, lastActiveSyncTs, syncing: syncing === 1 });
        } catch {
          // Not a mark the store wrote: ignored.
        }
      });
    }
    return found;
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = new Map();
    try {
      const pipeline = this.#client.pipeline();
      for (const { mark, ttlMs } of batch.values()) {
        const value = JSON.stringify([
          mark.lastSyncTs,
          mark.lastActiveSyncTs,
          mark.syncing ? 1 : 0,
        ]);
        pipeline.set(this.#keys.sync(mark.userId), value, 'PX', ttlMs);
      }
      const replies = await pipeline.exec();
      const failed = replies?.find(([error]) => error !== null)?.[0];
      if (failed) throw failed;
      this.#failing = false;
    } catch (error) {
      if (!this.#failing) {
        this.#logger.warn('store: writing sync marks failed (best effort)', {
          error: messageOf(error),
          marks: batch.size,
        });
      }
      this.#failing = true;
    } finally {
      this.#flushing = undefined;
      if (this.#pending.size > 0) {
        this.#flushing = this.#flush();
      }
    }
  }
}
