/**
 * Per-key token-bucket rate limiting (Synapse's `rc_*` settings: `per_second` and
 * `burst_count`), used for presence updates per user.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter({ perSecond: 1, burstCount: 5 });
 * const verdict = limiter.take('@alice:hs', Date.now());
 * if (!verdict.allowed) answer429(verdict.retryAfterMs);
 * ```
 * @module
 */

/** Settings of {@link RateLimiter}. */
export interface RateLimitSettings {
  /** Tokens added per second. */
  readonly perSecond: number;
  /** Bucket size: how many actions may happen at once. */
  readonly burstCount: number;
}

/** The answer of {@link RateLimiter.take}. */
export type RateLimitVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly retryAfterMs: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Token buckets by key. Buckets that have refilled are forgotten to bound memory. */
export class RateLimiter {
  readonly settings: RateLimitSettings;
  readonly #buckets = new Map<string, Bucket>();

  constructor(settings: RateLimitSettings) {
    this.settings = settings;
  }

  /** Takes one token for `key` at time `now` (ms), or says how long to wait. */
  take(key: string, now: number): RateLimitVerdict {
    const { perSecond, burstCount } = this.settings;
    const bucket = this.#buckets.get(key) ?? { tokens: burstCount, updatedAt: now };
    const elapsed = Math.max(0, now - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(burstCount, bucket.tokens + elapsed * perSecond);
    bucket.updatedAt = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.#buckets.set(key, bucket);
      if (this.#buckets.size > 100_000) this.#forgetFull(now);
      return { allowed: true };
    }
    this.#buckets.set(key, bucket);
    return { allowed: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) / perSecond) * 1000) };
  }

  #forgetFull(now: number): void {
    const { perSecond, burstCount } = this.settings;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) / 1000) * perSecond >= burstCount) {
        this.#buckets.delete(key);
      }
    }
  }
}
