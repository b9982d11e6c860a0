/**
 * The follower of the Redis store's feed: a dedicated connection looping on
 * `XREAD COUNT <page> BLOCK <ms>` from the last `seq` handed over, giving each page to the
 * handler synchronously. It emits a `gap` entry when the feed skips `seq`s (trimmed by
 * `MAXLEN` while the follower was behind) or when the data set's epoch changed (Redis lost
 * everything). On connection loss it waits for ioredis to reconnect (with backoff) and resumes
 * after the last entry handed over.
 *
 * @example
 * ```ts
 * const follower = new RedisFeedFollower(options, 0, (entries) => apply(entries));
 * follower.start();
 * await follower.close();
 * ```
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@presence-router/core';
import { messageOf } from './errors.ts';
import type { ChangeEntry } from './presence-store.ts';
import { closeRedisClient } from './redis-client.ts';
import { decodeFeedEntry, type RawFeedEntry } from './redis-entries.ts';
import { feedId, type RedisKeys, seqOfFeedId } from './redis-keys.ts';
import type { ScriptedRedis } from './redis-scripts.ts';
import type { RedisTimings } from './redis-timings.ts';

/** What the follower needs. */
export interface FeedFollowerOptions {
  /** A dedicated connection, not yet connected; the follower connects and closes it. */
  readonly client: ScriptedRedis;
  readonly keys: RedisKeys;
  readonly timings: RedisTimings;
  /** The data set's epoch when the store connected. */
  readonly epoch: string;
  /** The highest `seq` this instance knows of (raises the counter after a data loss). */
  readonly floor: () => number;
  readonly logger: Logger;
}

/** Follows the feed; see the module documentation. */
export class RedisFeedFollower {
  readonly #options: FeedFollowerOptions;
  readonly #handler: (entries: readonly ChangeEntry[]) => void;
  #last: number;
  #epoch: string;
  #closed = false;
  #checked = false;
  #warned = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(
    options: FeedFollowerOptions,
    after: number,
    handler: (entries: readonly ChangeEntry[]) => void,
  ) {
    this.#options = options;
    this.#handler = handler;
    this.#last = after;
    this.#epoch = options.epoch;
    options.client.on('close', () => {
      this.#checked = false;
    });
  }

  /** The highest `seq` handed over (or skipped past by a gap). */
  get followedThrough(): number {
    return this.#last;
  }

  /** Connects and starts the loop. */
  start(): void {
    this.#options.client.connect().catch(() => {});
    this.#loop = this.#run();
  }

  /** Stops the loop and closes the connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake?.();
    this.#options.client.disconnect();
    await this.#loop;
    await closeRedisClient(this.#options.client);
  }

  async #run(): Promise<void> {
    const { client, keys, timings } = this.#options;
    while (!this.#closed) {
      try {
        if (client.status !== 'ready') {
          await this.#pause(timings.reconnectMaxMs);
          continue;
        }
        if (!this.#checked) await this.#checkEpoch();
        const reply = await client.xread(
          'COUNT',
          timings.feedPageSize,
          'BLOCK',
          timings.followBlockMs,
          'STREAMS',
          keys.feed,
          feedId(this.#last),
        );
        this.#warned = false;
        const page = reply?.[0]?.[1];
        if (page !== undefined && !this.#closed) this.#deliver(page as RawFeedEntry[]);
      } catch (error) {
        if (this.#closed) break;
        this.#checked = false;
        if (!this.#warned) {
          this.#warned = true;
          this.#options.logger.warn('store: following the Redis feed failed; retrying', {
            error: messageOf(error),
            after: this.#last,
          });
        }
        await this.#pause(timings.reconnectMaxMs);
      }
    }
  }

  /** Emits a gap when the data set was replaced (epoch changed); raises the counter floor. */
  async #checkEpoch(): Promise<void> {
    const { client, keys } = this.#options;
    const floor = Math.max(this.#last, this.#options.floor());
    const [epoch] = await client.presenceEpoch(keys.epoch, keys.counter, randomUUID(), floor);
    this.#checked = true;
    if (epoch === this.#epoch) return;
    this.#options.logger.warn('store: Redis lost its data (new epoch); followers reload', {
      after: this.#last,
    });
    this.#epoch = epoch;
    // The counter is at least `#last` now, so what is written from here on comes after it;
    // what was written since the loss with lower seqs is in the states the handler reloads.
    this.#hand([{ kind: 'gap', seq: this.#last }]);
  }

  #deliver(page: readonly RawFeedEntry[]): void {
    const entries: ChangeEntry[] = [];
    for (const [id, fields] of page) {
      const seq = seqOfFeedId(id);
      if (!(seq > this.#last)) continue;
      if (seq > this.#last + 1) entries.push({ kind: 'gap', seq: seq - 1 });
      const entry = decodeFeedEntry(id, fields);
      if (entry !== undefined) entries.push(entry);
      this.#last = seq;
    }
    if (entries.length > 0) this.#hand(entries);
  }

  #hand(entries: readonly ChangeEntry[]): void {
    try {
      this.#handler(entries);
    } catch (error) {
      this.#options.logger.error('store: the feed handler threw', { error: messageOf(error) });
    }
  }

  /** Waits `ms`, or less when the connection becomes ready or the follower closes. */
  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const { client } = this.#options;
      const done = (): void => {
        clearTimeout(timer);
        client.off('ready', done);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      client.once('ready', done);
      this.#wake = done;
    });
  }
}
