/**
 * The Redis store when Redis goes away: a private `redis-server` of the test's own (on a
 * free port, nothing kept on disk) is stopped and started again. Commands fail fast with
 * `StoreUnavailableError` while it is down; after the restart writes work again, `seq`s go
 * on increasing, and a follower resumes (with a gap: Redis lost everything). The shared
 * Redis on 6379 is never touched. No timing assertions: outcomes, with generous polling.
 */
import { spawnSync } from 'node:child_process';
import { userPresenceState } from '@presence-router/core';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../src/errors.ts';
import type { ChangeEntry } from '../src/presence-store.ts';
import { RedisPresenceStore, type RedisPresenceStoreOptions } from '../src/redis-presence-store.ts';
import { freePort, PrivateRedis } from './support/private-redis.ts';

const haveRedisServer = spawnSync('redis-server', ['--version']).status === 0;
if (!haveRedisServer) {
  if (process.env.CI === 'true') {
    throw new Error(
      'redis-server is missing: CI must install it (apt-get install -y redis-server)',
    );
  }
  console.warn('\n*** SKIPPING the Redis fault tests: redis-server is missing ***\n');
}

const FAST = {
  leaseTtlMs: 1500,
  leaseRenewMs: 200,
  followBlockMs: 1000,
  reconnectBaseMs: 50,
  reconnectMaxMs: 200,
  commandTimeoutMs: 1000,
};

async function eventually(check: () => void | Promise<void>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

const alice = userPresenceState('@alice:test.local', { state: 'online' });
const bob = userPresenceState('@bob:test.local', { state: 'unavailable' });

describe.skipIf(!haveRedisServer)('RedisPresenceStore when Redis fails', () => {
  let redis: PrivateRedis | undefined;
  const stores: RedisPresenceStore[] = [];

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await redis?.stop();
    redis = undefined;
  });

  async function connect(port: number, instanceName: string): Promise<RedisPresenceStore> {
    const options: RedisPresenceStoreOptions = {
      host: '127.0.0.1',
      port,
      dbid: 0,
      keyPrefix: 'faults',
      streamMaxLength: 1000,
      instanceName,
      timings: FAST,
    };
    const store = await RedisPresenceStore.connect(options);
    stores.push(store);
    return store;
  }

  it('refuses to start without Redis, with a clear StoreUnavailableError', async () => {
    const port = await freePort();
    const failure = await RedisPresenceStore.connect({
      host: '127.0.0.1',
      port,
      dbid: 0,
      keyPrefix: 'faults',
      streamMaxLength: 1000,
      timings: FAST,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StoreUnavailableError);
    expect((failure as StoreUnavailableError).code).toBe('STORE_UNAVAILABLE');
    expect((failure as Error).message).toContain(`127.0.0.1:${port}/0`);
    expect((failure as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('fails fast while Redis is down, then writes and follows again after a restart', async () => {
    redis = await PrivateRedis.start();
    const writer = await connect(redis.port, 'writer');
    const reader = await connect(redis.port, 'reader');
    const seen: ChangeEntry[] = [];
    reader.follow(0, (entries) => seen.push(...entries));
    const leases = writer.leases('timers', 4);
    await eventually(() => expect(leases.held().size).toBeGreaterThan(0));

    const before = await writer.commit({ state: alice, expectedSeq: 0, notify: true });
    if (!before.ok) throw new Error('refused');
    await eventually(() => expect(seen.map((entry) => entry.seq)).toEqual([before.seq]));

    await redis.stop();
    await eventually(() => expect(writer.status().connected).toBe(false));
    expect(writer.status().lastError).toBeDefined();

    await expect(
      writer.commit({ state: bob, expectedSeq: 0, notify: true }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(writer.requestSnapshots(['@bob:test.local'])).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    await expect(writer.latestSeq()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(writer.readRange(0, 5, () => true)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(writer.load(() => {})).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(writer.syncMarks(['@bob:test.local'])).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    expect(() =>
      writer.noteSyncs(
        [{ userId: '@bob:test.local', lastSyncTs: 1, lastActiveSyncTs: 1, syncing: false }],
        1000,
      ),
    ).not.toThrow();
    // Leases cannot be renewed: they are given up before another instance could claim them.
    await eventually(() => expect(leases.held().size).toBe(0));

    await redis.resume();
    await eventually(() => {
      expect(writer.status().connected).toBe(true);
      expect(writer.status().reconnects).toBeGreaterThan(0);
      expect(writer.status().lastError).toBeUndefined();
    });

    // Redis kept nothing: alice's stored state is gone, and seqs go on past the old ones.
    const lost = await writer.commit({ state: alice, expectedSeq: before.seq, notify: true });
    expect(lost).toEqual({ ok: false, current: undefined });
    const after = await writer.commit({ state: bob, expectedSeq: 0, notify: true });
    if (!after.ok) throw new Error('refused');
    expect(after.seq).toBeGreaterThan(before.seq);

    await eventually(() => {
      const bobs = seen.filter((e) => e.kind === 'state' && e.state.userId === bob.userId);
      expect(bobs.map((entry) => entry.seq)).toEqual([after.seq]);
    });
    const gapAt = seen.findIndex((entry) => entry.kind === 'gap');
    expect(gapAt).toBeGreaterThan(0);
    expect(seen.findIndex((e) => e.seq === after.seq)).toBeGreaterThan(gapAt);
    const seqs = seen.map((entry) => entry.seq);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    await eventually(() => expect(reader.status().followedThrough).toBe(after.seq));
    await eventually(() => expect(leases.held().size).toBeGreaterThan(0));
  });

  it('fails a command with StoreUnavailableError when Redis hangs, never waiting forever', async () => {
    redis = await PrivateRedis.start();
    const store = await connect(redis.port, 'hung');
    const first = await store.commit({ state: alice, expectedSeq: 0, notify: true });
    if (!first.ok) throw new Error('refused');
    redis.freeze();
    try {
      await expect(store.latestSeq()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(
        store.commit({ state: bob, expectedSeq: 0, notify: true }),
      ).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      redis.thaw();
    }
    // The timed-out commit may still have been applied once Redis went on: the state is
    // then stored and in the feed, never half of it.
    await eventually(async () => expect(await store.latestSeq()).toBeGreaterThanOrEqual(first.seq));
    const entries: ChangeEntry[] = [];
    expect(await store.readRange(0, await store.latestSeq(), (e) => void entries.push(...e))).toBe(
      'complete',
    );
    const stored: string[] = [];
    await store.load((page) => stored.push(...page.map((s) => s.state.userId)));
    const bobInFeed = entries.some((e) => e.kind === 'state' && e.state.userId === bob.userId);
    expect(stored.includes(bob.userId)).toBe(bobInFeed);
    const again = await store.commit({
      state: alice.with({ statusMsg: 'back' }),
      expectedSeq: first.seq,
      notify: true,
    });
    expect(again.ok).toBe(true);
  });

  it('resumes a follower after a reconnection without data loss (no gap)', async () => {
    redis = await PrivateRedis.start();
    const writer = await connect(redis.port, 'writer');
    const reader = await connect(redis.port, 'reader');
    const seen: ChangeEntry[] = [];
    reader.follow(0, (entries) => seen.push(...entries));
    const first = await writer.commit({ state: alice, expectedSeq: 0, notify: true });
    if (!first.ok) throw new Error('refused');
    await eventually(() => expect(seen).toHaveLength(1));

    // Drop every client connection of the server (Redis itself keeps running).
    const admin = new Redis({ host: '127.0.0.1', port: redis.port });
    try {
      await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    } finally {
      admin.disconnect();
    }
    await eventually(() => expect(writer.status().reconnects).toBeGreaterThan(0));
    const second = await writer.commit({ state: bob, expectedSeq: 0, notify: true });
    if (!second.ok) throw new Error('refused');
    await eventually(() => expect(seen.map((e) => e.seq)).toEqual([first.seq, second.seq]));
    expect(seen.some((entry) => entry.kind === 'gap')).toBe(false);
  });
});
