/**
 * When to try an HTTP request again and how long to wait first: capped exponential backoff
 * with jitter for server and network errors, and the server's own hint (`Retry-After`
 * header, then `retry_after_ms` in the body) for HTTP 429, capped.
 *
 * @example
 * ```ts
 * const policy = retryPolicy({ maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 2_000 });
 * backoffDelay(policy, 3); // between 200 and 400 ms: 100 * 2^2, "equal jitter"
 * rateLimitDelay(policy, response.headers, body, Date.now()); // Retry-After, capped
 * ```
 * @module
 */
import { MembershipError } from '../../errors.ts';
import type { RetryOptions } from '../../http/matrix-http-options.ts';

/** A complete, validated {@link RetryOptions}. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxRetryAfterMs: number;
  readonly random: () => number;
}

function nonNegative(name: string, value: unknown, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    (integer && !Number.isInteger(value))
  ) {
    throw new MembershipError(
      'INVALID_OPTIONS',
      `retry.${name} must be a non-negative ${integer ? 'integer' : 'number'}, got ${String(value)}`,
    );
  }
  return value;
}

/** Fills in the defaults of {@link RetryOptions}; throws `INVALID_OPTIONS` on bad values. */
export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  const maxAttempts = nonNegative('maxAttempts', options.maxAttempts, 4, true);
  if (maxAttempts < 1) {
    throw new MembershipError('INVALID_OPTIONS', 'retry.maxAttempts must be at least 1');
  }
  if (options.random !== undefined && typeof options.random !== 'function') {
    throw new MembershipError('INVALID_OPTIONS', 'retry.random must be a function');
  }
  return {
    maxAttempts,
    baseDelayMs: nonNegative('baseDelayMs', options.baseDelayMs, 250),
    maxDelayMs: nonNegative('maxDelayMs', options.maxDelayMs, 10_000),
    maxRetryAfterMs: nonNegative('maxRetryAfterMs', options.maxRetryAfterMs, 30_000),
    random: options.random ?? Math.random,
  };
}

/**
 * The wait before attempt number `nextAttempt` (2 for the first retry): `baseDelayMs * 2^(n-2)`
 * capped at `maxDelayMs`, of which the upper half is random ("equal jitter"), so that many
 * clients failing together do not retry together.
 */
export function backoffDelay(policy: RetryPolicy, nextAttempt: number): number {
  const exponent = Math.max(0, nextAttempt - 2);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(exponent, 30));
  const random = Math.min(Math.max(policy.random(), 0), 1);
  return ceiling / 2 + (ceiling / 2) * random;
}

/**
 * The wait a 429 answer asks for, capped at `maxRetryAfterMs`: the `Retry-After` header
 * (seconds, or an HTTP date) first, then `retry_after_ms` of a Matrix error body. `undefined`
 * when the answer gives no usable hint (the caller falls back to {@link backoffDelay}).
 */
export function rateLimitDelay(
  policy: RetryPolicy,
  headers: Headers,
  body: unknown,
  now: number,
): number | undefined {
  let wait: number | undefined;
  const header = headers.get('retry-after')?.trim();
  if (header !== undefined && header !== '') {
    if (/^\d+(\.\d+)?$/.test(header)) wait = Number(header) * 1000;
    else {
      const date = Date.parse(header);
      if (!Number.isNaN(date)) wait = Math.max(0, date - now);
    }
  }
  if (wait === undefined && typeof body === 'object' && body !== null) {
    const ms = (body as { retry_after_ms?: unknown }).retry_after_ms;
    if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) wait = ms;
  }
  return wait === undefined ? undefined : Math.min(wait, policy.maxRetryAfterMs);
}
