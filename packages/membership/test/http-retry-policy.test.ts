import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit } from '../src/internal/http/concurrency-limit.ts';
import { backoffDelay, rateLimitDelay, retryPolicy } from '../src/internal/http/retry-policy.ts';

describe('retry policy', () => {
  it('doubles the backoff from baseDelayMs, caps it, and keeps the jitter in the upper half', () => {
    const low = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0 });
    const high = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.999999 });
    expect([2, 3, 4, 5, 6, 7].map((n) => backoffDelay(low, n))).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
    expect(backoffDelay(high, 2)).toBeCloseTo(100, 3);
    expect(backoffDelay(high, 40)).toBeCloseTo(1_000, 3);
  });

  it('reads Retry-After seconds, then an HTTP date, then retry_after_ms, capped', () => {
    const policy = retryPolicy({ maxRetryAfterMs: 10_000 });
    const now = Date.parse('2026-01-01T00:00:00Z');
    const headers = (value?: string) =>
      new Headers(value === undefined ? {} : { 'retry-after': value });
    expect(rateLimitDelay(policy, headers('2'), { retry_after_ms: 9 }, now)).toBe(2_000);
    expect(rateLimitDelay(policy, headers('Thu, 01 Jan 2026 00:00:05 GMT'), undefined, now)).toBe(
      5_000,
    );
    expect(rateLimitDelay(policy, headers(), { retry_after_ms: 750 }, now)).toBe(750);
    expect(rateLimitDelay(policy, headers('3600'), undefined, now)).toBe(10_000);
    expect(rateLimitDelay(policy, headers('soon'), { retry_after_ms: -1 }, now)).toBeUndefined();
    expect(rateLimitDelay(policy, headers(), 'not an object', now)).toBeUndefined();
  });

  it('refuses bad settings with INVALID_OPTIONS', () => {
    for (const bad of [
      { maxAttempts: 0 },
      { maxAttempts: 1.5 },
      { baseDelayMs: -1 },
      { maxDelayMs: Number.NaN },
    ]) {
      expect(() => retryPolicy(bad)).toThrowError(
        expect.objectContaining({ code: 'INVALID_OPTIONS' }),
      );
    }
  });
});

describe('ConcurrencyLimit', () => {
  it('runs at most max tasks at once, in arrival order, and frees slots on failure', async () => {
    const limit = new ConcurrencyLimit(2);
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const task = (id: number, fail = false) =>
      limit.run(async () => {
        started.push(id);
        await new Promise<void>((resolve) => releases.push(resolve));
        if (fail) throw new Error(`task ${id} failed`);
        return id;
      });
    const results = [task(1, true), task(2), task(3), task(4)];
    await Promise.resolve();
    expect(started).toEqual([1, 2]);
    expect(limit.waiting).toBe(2);
    releases[0]?.();
    await expect(results[0]).rejects.toThrow('task 1 failed');
    expect(started).toEqual([1, 2, 3]);
    expect(limit.active).toBe(2);
    releases[1]?.();
    releases[2]?.();
    await Promise.all([results[1], results[2]]);
    releases[3]?.();
    expect(await results[3]).toBe(4);
    expect(limit.active).toBe(0);
    expect(limit.waiting).toBe(0);
  });

  it('refuses a limit below 1', () => {
    expect(() => new ConcurrencyLimit(0)).toThrowError(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
  });
});
