import { ConfigError, parseYamlSource } from '@presence-router/config';
import { describe, expect, it } from 'vitest';
import { parseServerSettings } from '../src/server-settings.ts';

function settings(yaml: string, baseDir?: string) {
  return parseServerSettings(parseYamlSource(yaml, 'test.yaml'), {
    serverName: 'hs.example',
    baseDir,
  });
}

function errorOf(yaml: string): ConfigError {
  try {
    settings(yaml);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('server settings', () => {
  it('defaults', () => {
    const parsed = settings('server_name: hs.example\n');
    expect(parsed.listen).toEqual({ host: '127.0.0.1', port: 8008 });
    expect(parsed.timers).toEqual({
      syncOnlineTimeoutMs: 30_000,
      idleTimeoutMs: 300_000,
      lastActiveGranularityMs: 60_000,
    });
    expect(parsed.rateLimit).toEqual({ perSecond: 1, burstCount: 5 });
    expect(parsed.maxRequestBodyBytes).toBe(65_536);
    expect(parsed.livePage).toBe('off');
    expect(parsed.membership).toEqual({ kind: 'rooms', rooms: new Map() });
    expect(parsed.lookups).toEqual({
      timeoutMs: 5000,
      answerWithinMs: 250,
      retry: { minDelayMs: 1000, maxDelayMs: 30_000, multiplier: 2, jitter: 0.2 },
    });
  });

  it('live page access: off, behind the admin token, or public', () => {
    expect(settings('live_page: false\n').livePage).toBe('off');
    expect(settings('live_page: true\n').livePage).toBe('admin');
    expect(settings('live_page: public\n').livePage).toBe('public');
    expect(() => settings('live_page: everyone\n')).toThrow(/true \(behind the admin token\)/);
  });

  it('membership lookup bounds and retry intervals', () => {
    const parsed = settings(
      'membership:\n  rooms: {}\n  lookup_timeout: 2s\n  wait_for_slow_lookups: 100ms\n  retry_min_interval: 500ms\n  retry_max_interval: 1m\n',
    );
    expect(parsed.lookups.timeoutMs).toBe(2000);
    expect(parsed.lookups.answerWithinMs).toBe(100);
    expect(parsed.lookups.retry).toMatchObject({ minDelayMs: 500, maxDelayMs: 60_000 });
    expect(() =>
      settings('membership:\n  rooms: {}\n  retry_min_interval: 1m\n  retry_max_interval: 1s\n'),
    ).toThrow(/retry_min_interval \(60000 ms\) is longer than retry_max_interval/);
  });

  it('membership sources: relative SQLite paths, PostgreSQL, HTTP', () => {
    expect(
      settings('membership:\n  sqlite: data/homeserver.db\n  poll_interval: 2s\n', '/etc/pr')
        .membership,
    ).toEqual({
      kind: 'sqlite',
      path: '/etc/pr/data/homeserver.db',
      pollIntervalMs: 2000,
    });
    expect(
      settings("membership:\n  postgres: 'postgresql://synapse@127.0.0.1/synapse'\n").membership,
    ).toMatchObject({ kind: 'postgres' });
    expect(
      settings(
        "membership:\n  http: { base_url: 'http://127.0.0.1:8008', access_token: admin-token-1 }\n",
      ).membership,
    ).toEqual({
      kind: 'http',
      baseUrl: 'http://127.0.0.1:8008',
      accessToken: 'admin-token-1',
      auth: 'admin',
    });
  });

  it('errors are located: path, line and column', () => {
    const missing = errorOf('membership: {}\n');
    expect([missing.code, missing.path, missing.line]).toEqual(['MISSING_KEY', 'membership', 1]);
    const badRoom = errorOf("membership:\n  rooms:\n    'lobby': ['@a:hs.example']\n");
    expect([badRoom.path, badRoom.line, badRoom.column]).toEqual(['membership.rooms.lobby', 3, 5]);
    const badUser = errorOf("membership:\n  rooms:\n    '!r:hs.example': ['alice']\n");
    expect([badUser.path, badUser.line]).toEqual(['membership.rooms.!r:hs.example[0]', 3]);
    const duplicateToken = errorOf(
      "access_tokens:\n  '@a:hs.example': same-token-1\n  '@b:hs.example': same-token-1\n",
    );
    expect([duplicateToken.code, duplicateToken.line]).toEqual(['CONFLICTING_KEYS', 3]);
    const adminClash = errorOf(
      "access_tokens:\n  '@a:hs.example': same-token-1\nadmin_token: same-token-1\n",
    );
    expect(adminClash.code).toBe('CONFLICTING_KEYS');
    const unknownKey = errorOf(
      'rc_presence:\n  per_user: { per_second: 1, burst_count: 1, extra: 2 }\n',
    );
    expect(unknownKey.path).toBe('rc_presence.per_user');
    const badSize = errorOf('max_request_body_size: lots\n');
    expect(badSize.detail).toContain('expected a size in bytes');
  });

  it("federation: off by default, Synapse's retry defaults, the key file beside the config", () => {
    const parsed = settings('server_name: hs.example\n', '/etc/presence');
    expect(parsed.federation).toEqual({
      enabled: false,
      signingKeyPath: '/etc/presence/hs.example.signing.key',
      domainWhitelist: undefined,
      destinations: {},
      minRetryIntervalMs: 600_000,
      retryMultiplier: 2,
      maxRetryIntervalMs: 604_800_000,
    });
    const configured = settings(
      [
        'signing_key_path: keys/hs.key',
        "federation_domain_whitelist: ['b.example', 'c.example:8448']",
        'federation:',
        '  enabled: true',
        "  destinations: { b.example: 'http://127.0.0.1:8009' }",
        '  destination_min_retry_interval: 30s',
        '  destination_retry_multiplier: 1.5',
        '  destination_max_retry_interval: 1d',
        '',
      ].join('\n'),
      '/etc/presence',
    );
    expect(configured.federation).toEqual({
      enabled: true,
      signingKeyPath: '/etc/presence/keys/hs.key',
      domainWhitelist: ['b.example', 'c.example:8448'],
      destinations: { 'b.example': 'http://127.0.0.1:8009' },
      minRetryIntervalMs: 30_000,
      retryMultiplier: 1.5,
      maxRetryIntervalMs: 86_400_000,
    });
  });

  it('federation mistakes are located: file, line and column', () => {
    const withPath = errorOf(
      "federation:\n  destinations:\n    b.example: 'http://127.0.0.1:8009/x'\n",
    );
    expect([withPath.path, withPath.line, withPath.column]).toEqual([
      'federation.destinations.b.example',
      3,
      16,
    ]);
    expect(withPath.message).toMatch(/^test\.yaml:3:16: .*a base URL with no path/);
    const badName = errorOf("federation:\n  destinations:\n    'not a server': 'http://x'\n");
    expect([badName.path, badName.line]).toEqual(['federation.destinations.not a server', 3]);
    const multiplier = errorOf('federation:\n  destination_retry_multiplier: 1\n');
    expect([multiplier.path, multiplier.line, multiplier.detail]).toEqual([
      'federation.destination_retry_multiplier',
      2,
      expect.stringContaining('greater than 1'),
    ]);
    const whitelist = errorOf("federation_domain_whitelist: ['ok.example', 'bad server']\n");
    expect([whitelist.path, whitelist.line]).toEqual(['federation_domain_whitelist[1]', 1]);
    const unknown = errorOf('federation:\n  enable: true\n');
    expect([unknown.path, unknown.line]).toEqual(['federation', 2]);
  });

  it("the store: memory by default, Synapse's redis block with its defaults", () => {
    expect(settings('server_name: hs.example\n').store).toEqual({
      kind: 'memory',
      instanceName: undefined,
    });
    // Present but not enabled, as Synapse reads it: still memory.
    expect(settings('redis:\n  host: r.internal\n').store.kind).toBe('memory');
    expect(settings('redis:\n  enabled: true\ninstance_name: web-1\n').store).toEqual({
      kind: 'redis',
      instanceName: 'web-1',
      host: 'localhost',
      port: 6379,
      dbid: 0,
      password: undefined,
      keyPrefix: 'presence-router',
      streamMaxLength: 100_000,
    });
    expect(
      settings(
        'redis:\n  enabled: true\n  host: 10.0.0.5\n  port: 6380\n  dbid: 3\n  password: pw\n  key_prefix: hs-a\n  stream_max_length: 5000\n',
      ).store,
    ).toMatchObject({ host: '10.0.0.5', port: 6380, dbid: 3, password: 'pw', keyPrefix: 'hs-a' });
  });

  it('store mistakes are located', () => {
    const port = errorOf('redis:\n  enabled: true\n  port: 70000\n');
    expect([port.path, port.line]).toEqual(['redis.port', 3]);
    const short = errorOf('redis:\n  enabled: true\n  stream_max_length: 10\n');
    expect([short.path, short.detail]).toEqual([
      'redis.stream_max_length',
      expect.stringContaining('at least 1000'),
    ]);
    const unknown = errorOf('redis:\n  enabled: true\n  hots: x\n');
    expect([unknown.path, unknown.line]).toEqual(['redis', 2]);
    const name = errorOf("instance_name: 'has spaces'\n");
    expect(name.path).toBe('instance_name');
  });
});
