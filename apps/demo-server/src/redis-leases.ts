/**
 * Shard leases of the Redis store, balanced over the live instances.
 *
 * Every `leaseRenewMs` the keeper renews this instance's heartbeat (a sorted set scored by
 * expiry on the Redis clock; its size is the live instance count) and, for every lease group,
 * runs one script that renews the shards held, releases those beyond the quota
 * `ceil(shards / instances)` and claims free shards up to it (`SET NX PX leaseTtlMs`),
 * starting at a shard derived from the instance name so instances spread out. A dead
 * instance's shards expire after `leaseTtlMs` and are claimed at the next renewal, so a
 * takeover takes at most `leaseTtlMs + leaseRenewMs`.
 *
 * While renewals fail (Redis down), shards are given up once a renewal would be too late
 * (`leaseTtlMs - leaseRenewMs` after the last one that succeeded, measured from when it was
 * sent), before another instance can claim them.
 *
 * @example
 * ```ts
 * const keeper = new RedisLeaseKeeper(options);
 * await keeper.start();
 * const timers = keeper.leases('timers', 16);
 * timers.onChange((held) => reschedule(held));
 * ```
 * @module
 */
import type { Logger } from '@presence-router/core';
import { messageOf } from './errors.ts';
import { type ShardLeases, shardOf } from './presence-store.ts';
import type { RedisKeys } from './redis-keys.ts';
import type { ScriptedRedis } from './redis-scripts.ts';
import type { RedisTimings } from './redis-timings.ts';

/** What the keeper needs. */
export interface LeaseKeeperOptions {
  readonly client: ScriptedRedis;
  readonly keys: RedisKeys;
  readonly instanceName: string;
  readonly timings: RedisTimings;
  readonly logger: Logger;
}

const NONE: ReadonlySet<number> = new Set();

/** One lease group as callers see it. */
class LeaseGroup implements ShardLeases {
  readonly name: string;
  readonly shards: number;
  readonly keys: readonly string[];
  /** When the last successful renewal was sent (`performance.now()`). */
  renewedAt = Number.NEGATIVE_INFINITY;
  #held: ReadonlySet<number> = NONE;
  readonly #listeners = new Set<(held: ReadonlySet<number>) => void>();
  readonly #logger: Logger;

  constructor(name: string, shards: number, keys: RedisKeys, logger: Logger) {
    this.name = name;
    this.shards = shards;
    this.keys = Array.from({ length: shards }, (_, shard) => keys.lease(name, shard));
    this.#logger = logger;
  }

  holds(shard: number): boolean {
    return this.#held.has(shard);
  }

  held(): ReadonlySet<number> {
    return this.#held;
  }

  onChange(listener: (held: ReadonlySet<number>) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Sets the held shards; tells the listeners when they changed. */
  update(shards: Iterable<number>): void {
    const next = new Set(shards);
    if (next.size === this.#held.size && [...next].every((s) => this.#held.has(s))) return;
    this.#held = next;
    for (const listener of [...this.#listeners]) {
      try {
        listener(next);
      } catch (error) {
        this.#logger.error('store: a lease listener threw', {
          lease: this.name,
          error: messageOf(error),
        });
      }
    }
  }
}

/** Keeps the heartbeat and every lease group; see the module documentation. */
export class RedisLeaseKeeper {
  readonly #options: LeaseKeeperOptions;
  readonly #groups = new Map<string, LeaseGroup>();
  #instances = 1;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;
  #first = true;
  #failing = false;

  constructor(options: LeaseKeeperOptions) {
    this.#options = options;
  }

  /** Instances alive at the last heartbeat (this one included). */
  get instances(): number {
    return this.#instances;
  }

  /** Sends the first heartbeat (failing when Redis cannot be reached), then renews periodically. */
  async start(): Promise<void> {
    await this.#heartbeat();
    this.#schedule();
  }

  /** The lease group `name` (the same object for the same name). */
  leases(name: string, shards: number): ShardLeases {
    if (!Number.isInteger(shards) || shards < 1) {
      throw new RangeError(`shards must be a whole number from 1, got ${shards}`);
    }
    const existing = this.#groups.get(name);
    if (existing !== undefined) {
      if (existing.shards !== shards) {
        throw new RangeError(`lease ${name} has ${existing.shards} shards, not ${shards}`);
      }
      return existing;
    }
    const group = new LeaseGroup(name, shards, this.#options.keys, this.#options.logger);
    this.#groups.set(name, group);
    void this.#tick();
    return group;
  }

  /** Stops renewing, releases every shard held and removes the heartbeat. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#running;
    const { client, keys, instanceName } = this.#options;
    try {
      for (const group of this.#groups.values()) {
        if (group.held().size > 0) {
          await client.presenceReleaseLeases(
            String(group.keys.length),
            ...group.keys,
            instanceName,
          );
        }
      }
      await client.presenceLeave(keys.instances, instanceName);
    } catch (error) {
      this.#options.logger.warn('store: releasing leases failed (they expire)', {
        error: messageOf(error),
      });
    }
    for (const group of this.#groups.values()) group.update(NONE);
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), this.#options.timings.leaseRenewMs);
    this.#timer.unref?.();
  }

  /** Runs a renewal now (or right after the one running), then schedules the next. */
  async #tick(): Promise<void> {
    if (this.#closed) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    const run = async (): Promise<void> => {
      do {
        this.#again = false;
        await this.#renew();
      } while (this.#again && !this.#closed);
      this.#running = undefined;
      this.#schedule();
    };
    this.#running = run();
    await this.#running;
  }

  async #heartbeat(): Promise<void> {
    const { client, keys, instanceName, timings } = this.#options;
    const [count, alive] = await client.presenceHeartbeat(
      keys.instances,
      instanceName,
      timings.leaseTtlMs,
    );
    this.#instances = Math.max(1, count);
    if (this.#first && alive === 1) {
      this.#options.logger.warn(
        'store: another live instance has this instance name (or it restarted quickly)',
        { instance: instanceName },
      );
    }
    this.#first = false;
  }

  async #renew(): Promise<void> {
    const { client, instanceName, timings } = this.#options;
    const sentAt = performance.now();
    try {
      await this.#heartbeat();
      for (const group of this.#groups.values()) {
        if (this.#closed) return;
        const quota = Math.ceil(group.shards / this.#instances);
        const held = await client.presenceBalanceLeases(
          String(group.keys.length),
          ...group.keys,
          instanceName,
          quota,
          timings.leaseTtlMs,
          shardOf(instanceName, group.shards),
        );
        group.renewedAt = sentAt;
        group.update(held.map(Number));
      }
      if (this.#failing) this.#options.logger.info('store: lease renewals work again');
      this.#failing = false;
    } catch (error) {
      if (!this.#failing) {
        this.#options.logger.warn('store: renewing leases failed', { error: messageOf(error) });
      }
      this.#failing = true;
      const deadline = timings.leaseTtlMs - timings.leaseRenewMs;
      for (const group of this.#groups.values()) {
        if (performance.now() - group.renewedAt >= deadline) group.update(NONE);
      }
    }
  }
}
