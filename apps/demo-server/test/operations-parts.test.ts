import { describe, expect, it } from 'vitest';
import { Authenticator } from '../src/auth.ts';
import { MatrixError } from '../src/errors.ts';
import { JsonLogger } from '../src/json-logger.ts';
import { Counter, Histogram, ServerMetrics } from '../src/metrics.ts';
import { RateLimiter } from '../src/rate-limiter.ts';

describe('RateLimiter', () => {
  it('allows a burst, then refills at per_second', () => {
    const limiter = new RateLimiter({ perSecond: 2, burstCount: 3 });
    const t = 1000;
    expect([1, 2, 3].map(() => limiter.take('u', t).allowed)).toEqual([true, true, true]);
    const refused = limiter.take('u', t);
    expect(refused).toEqual({ allowed: false, retryAfterMs: 500 });
    expect(limiter.take('other', t).allowed).toBe(true);
    expect(limiter.take('u', t + 500).allowed).toBe(true);
    expect(limiter.take('u', t + 500).allowed).toBe(false);
  });
});

describe('metrics text format', () => {
  it('renders counters, gauges and cumulative histogram buckets', () => {
    const histogram = new Histogram('h_seconds', 'help', [0.1, 1]);
    histogram.observe(0.05);
    histogram.observe(0.5);
    histogram.observe(5);
    expect(histogram.render()).toBe(
      '# HELP h_seconds help\n# TYPE h_seconds histogram\nh_seconds_bucket{le="0.1"} 1\nh_seconds_bucket{le="1"} 2\nh_seconds_bucket{le="+Inf"} 3\nh_seconds_sum 5.55\nh_seconds_count 3\n',
    );
    const counter = new Counter('c_total', 'a counter');
    counter.inc(2);
    counter.inc(-1);
    expect(counter.render()).toContain('c_total 2\n');
    const metrics = new ServerMetrics();
    metrics.gauge('g', 'a gauge', () => 7);
    expect(metrics.render()).toMatch(/^g 7$/m);
  });
});

describe('JsonLogger', () => {
  it('writes one JSON object per line at or above its level', () => {
    const lines: string[] = [];
    const logger = new JsonLogger({
      level: 'warn',
      write: (line) => lines.push(line),
      now: () => 0,
    });
    logger.info('dropped');
    logger.warn('kept', { n: 1, error: new TypeError('boom') });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      level: 'warn',
      msg: 'kept',
      n: 1,
      error: { name: 'TypeError', message: 'boom' },
    });
  });
});

describe('Authenticator', () => {
  const auth = new Authenticator({
    serverName: 'hs',
    accessTokens: new Map([['user-token-1', '@u:hs']]),
    appService: { token: 'as-token-123', senderLocalpart: 'bridge' },
    adminToken: 'admin-token-1',
  });
  const request = (token: string | undefined, query = ''): Request =>
    new Request(
      `http://x/p${query}`,
      token ? { headers: { authorization: `Bearer ${token}` } } : {},
    );
  const code = (f: () => unknown): string => {
    try {
      f();
      return 'ok';
    } catch (error) {
      return error instanceof MatrixError ? `${error.status} ${error.errcode}` : String(error);
    }
  };

  it('maps tokens to users, the appservice to ?user_id= or its sender, and guards admin', () => {
    expect(auth.user(request('user-token-1'))).toBe('@u:hs');
    expect(auth.user(request('as-token-123'))).toBe('@bridge:hs');
    expect(auth.user(request('as-token-123', '?user_id=%40v%3Ahs'))).toBe('@v:hs');
    expect(code(() => auth.user(request('as-token-123', '?user_id=%40v%3Ahs.other')))).toBe(
      '403 M_FORBIDDEN',
    );
    expect(code(() => auth.user(request(undefined)))).toBe('401 M_MISSING_TOKEN');
    expect(code(() => auth.user(request('nope-nope')))).toBe('401 M_UNKNOWN_TOKEN');
    expect(code(() => auth.admin(request('admin-token-1')))).toBe('ok');
    expect(code(() => auth.admin(request('user-token-1')))).toBe('403 M_FORBIDDEN');
    expect(
      code(() =>
        new Authenticator({ serverName: 'hs', accessTokens: new Map() }).admin(
          request('x-token-1'),
        ),
      ),
    ).toBe('403 M_FORBIDDEN');
  });
});
