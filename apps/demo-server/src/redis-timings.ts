/**
 * The Redis store's timings and page sizes, with their defaults. Tests shorten the lease
 * timings; production keeps the defaults.
 *
 * @example
 * ```ts
 * const timings = redisTimings({ leaseTtlMs: 2000, leaseRenewMs: 300 });
 * ```
 * @module
 */

/** Every timing and page size of the Redis store. */
export interface RedisTimings {
  /** How long a shard lease and an instance heartbeat live without renewal (ms). */
  readonly leaseTtlMs: number;
  /** How often leases and the heartbeat are renewed and rebalanced (ms). */
  readonly leaseRenewMs: number;
  /** A command without an answer after this long fails with `StoreUnavailableError` (ms). */
  readonly commandTimeoutMs: number;
  /** Connecting gives up after this long (ms). */
  readonly connectTimeoutMs: number;
  /** The first reconnection delay; it doubles per failed attempt (ms). */
  readonly reconnectBaseMs: number;
  /** The longest reconnection delay (ms). */
  readonly reconnectMaxMs: number;
  /** How long one `XREAD BLOCK` of the follower waits (ms). */
  readonly followBlockMs: number;
  /** Entries per page of the feed (follow, readRange). */
  readonly feedPageSize: number;
  /** States per `HSCAN` page of `load` (a hint to Redis). */
  readonly loadPageSize: number;
}

/** The defaults: 10 s leases renewed every 3 s, reconnecting after 100 ms doubling to 2 s. */
export const DEFAULT_REDIS_TIMINGS: RedisTimings = {
  leaseTtlMs: 10_000,
  leaseRenewMs: 3_000,
  commandTimeoutMs: 2_000,
  connectTimeoutMs: 5_000,
  reconnectBaseMs: 100,
  reconnectMaxMs: 2_000,
  followBlockMs: 5_000,
  feedPageSize: 500,
  loadPageSize: 500,
};

/** The defaults overridden by `overrides`; checks that renewals come well within the TTL. */
export function redisTimings(overrides: Partial<RedisTimings> = {}): RedisTimings {
  const timings = { ...DEFAULT_REDIS_TIMINGS, ...overrides };
  if (timings.leaseRenewMs * 2 > timings.leaseTtlMs) {
    throw new RangeError(
      `leaseRenewMs (${timings.leaseRenewMs}) must be at most half of leaseTtlMs (${timings.leaseTtlMs})`,
    );
  }
  return timings;
}

/** The reconnection delay before attempt `times` (1, 2, ...): exponential, capped. */
export function reconnectDelay(times: number, timings: RedisTimings): number {
  return Math.min(timings.reconnectMaxMs, timings.reconnectBaseMs * 2 ** Math.min(times - 1, 20));
}
