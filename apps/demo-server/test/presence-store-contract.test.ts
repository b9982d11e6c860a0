/**
 * The `PresenceStore` contract, run against `MemoryPresenceStore` and `RedisPresenceStore`
 * (the machine's Redis on 127.0.0.1:6379, a key prefix per test). For the memory store the
 * "peer" (another instance of the same deployment) is the store itself; for Redis it is a
 * second store on the same prefix. No timing assertions: outcomes, with generous polling.
 */
import { type UserPresenceState, userPresenceState } from '@presence-router/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryPresenceStore } from '../src/memory-presence-store.ts';
import type { ChangeEntry, PresenceStore, StoredPresence } from '../src/presence-store.ts';
import { RedisPresenceStore } from '../src/redis-presence-store.ts';
import {
  deletePrefix,
  SHARED_REDIS,
  sharedRedisAvailable,
  sharedRedisClient,
  uniqueKeyPrefix,
} from './support/shared-redis.ts';

const redisUp = await sharedRedisAvailable('the Redis presence store contract');

/** Sizes a test may ask of a store. */
interface OpenOptions {
  readonly instanceName?: string;
  /** Feed entries kept (Redis: `MAXLEN ~`, memory: exact). */
  readonly maxLength?: number;
  /** Page size of the feed and of `load`. */
  readonly pageSize?: number;
}

interface Harness {
  readonly shared: boolean;
  /** A store of a fresh deployment (the first one of the test). */
  open(options?: OpenOptions): Promise<PresenceStore>;
  /** Another instance of the same deployment (memory: `store` itself). */
  peer(store: PresenceStore, options?: OpenOptions): Promise<PresenceStore>;
  /** Closes every store opened, removes what the test wrote. */
  cleanup(): Promise<void>;
}

function memoryHarness(): Harness {
  return {
    shared: false,
    async open(options = {}) {
      return new MemoryPresenceStore(options.instanceName, {
        feedMaxLength: options.maxLength,
        pageSize: options.pageSize,
      });
    },
    async peer(store) {
      return store;
    },
    async cleanup() {},
  };
}

function redisHarness(): Harness & { readonly prefix: string } {
  const prefix = uniqueKeyPrefix('contract');
  const opened: PresenceStore[] = [];
  let first: OpenOptions = {};
  const connect = async (options: OpenOptions): Promise<PresenceStore> => {
    const store = await RedisPresenceStore.connect({
      ...SHARED_REDIS,
      keyPrefix: prefix,
      streamMaxLength: options.maxLength ?? 10_000,
      instanceName: options.instanceName,
      timings: {
        leaseTtlMs: 1500,
        leaseRenewMs: 200,
        followBlockMs: 1000,
        reconnectMaxMs: 200,
        ...(options.pageSize === undefined
          ? {}
          : { feedPageSize: options.pageSize, loadPageSize: options.pageSize }),
      },
    });
    opened.push(store);
    return store;
  };
  return {
    shared: true,
    prefix,
    async open(options = {}) {
      first = options;
      return connect(options);
    },
    async peer(_store, options = {}) {
      return connect({ ...first, instanceName: undefined, ...options });
    },
    async cleanup() {
      await Promise.all(opened.map((store) => store.close()));
      await deletePrefix(prefix);
    },
  };
}

/** Polls `check` until it passes (a generous deadline, then its last failure). */
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

/** Follows `store` after `after`, collecting entries and pages. */
function collect(store: PresenceStore, after: number): { entries: ChangeEntry[]; pages: number } {
  const seen = { entries: [] as ChangeEntry[], pages: 0 };
  store.follow(after, (entries) => {
    seen.pages++;
    seen.entries.push(...entries);
  });
  return seen;
}

function state(n: number, fields: Parameters<typeof userPresenceState>[1] = {}): UserPresenceState {
  return userPresenceState(`@user${n}:test.local`, { state: 'online', ...fields });
}

/** Commits `count` new users concurrently; resolves to their seqs. */
async function commitUsers(store: PresenceStore, count: number, from = 0): Promise<number[]> {
  const results = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      store.commit({ state: state(from + i), expectedSeq: 0, notify: true }),
    ),
  );
  return results.map((result) => {
    if (!result.ok) throw new Error('a fresh user was refused');
    return result.seq;
  });
}

function seqsOf(entries: readonly ChangeEntry[]): number[] {
  return entries.map((entry) => entry.seq);
}

const implementations: [string, boolean, () => Harness][] = [
  ['MemoryPresenceStore', true, memoryHarness],
  ['RedisPresenceStore', redisUp, redisHarness],
];

for (const [name, available, makeHarness] of implementations) {
  describe.skipIf(!available)(`PresenceStore contract: ${name}`, () => {
    let harness: Harness;

    beforeEach(() => {
      harness = makeHarness();
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    it('commits by compare-and-set: a stale expectedSeq is refused with the stored state', async () => {
      const store = await harness.open();
      const alice = state(1, { statusMsg: 'first' });
      const first = await store.commit({ state: alice, expectedSeq: 0, notify: true });
      expect(first.ok).toBe(true);
      if (!first.ok) return;

      const stale = await store.commit({
        state: alice.with({ statusMsg: 'stale' }),
        expectedSeq: 0,
        notify: true,
      });
      expect(stale.ok).toBe(false);
      if (stale.ok) return;
      expect(stale.current?.seq).toBe(first.seq);
      expect(stale.current?.state.equals(alice)).toBe(true);

      const next = await store.commit({
        state: alice.with({ statusMsg: 'second' }),
        expectedSeq: first.seq,
        notify: false,
      });
      expect(next.ok).toBe(true);
      if (!next.ok) return;
      expect(next.seq).toBeGreaterThan(first.seq);
      expect(await store.latestSeq()).toBe(next.seq);

      const refused = await store.commit({ state: state(2), expectedSeq: 7, notify: true });
      expect(refused).toEqual({ ok: false, current: undefined });
    });

    it('lets exactly one of two concurrent commits of a user win (from two instances)', async () => {
      const a = await harness.open({ instanceName: 'instance-a' });
      const b = await harness.peer(a, { instanceName: 'instance-b' });
      let expectedSeq = 0;
      for (let round = 0; round < 20; round++) {
        const [fromA, fromB] = await Promise.all([
          a.commit({ state: state(1, { statusMsg: `a${round}` }), expectedSeq, notify: true }),
          b.commit({ state: state(1, { statusMsg: `b${round}` }), expectedSeq, notify: true }),
        ]);
        const winners = [fromA, fromB].filter((result) => result.ok);
        expect(winners).toHaveLength(1);
        const winner = winners[0]!;
        const loser = fromA.ok ? fromB : fromA;
        if (!winner.ok || loser.ok) return;
        expect(loser.current?.seq).toBe(winner.seq);
        expect(winner.seq).toBeGreaterThan(expectedSeq);
        expectedSeq = winner.seq;
      }
    });

    it('feeds every write, in seq order, to a follower (on another instance)', async () => {
      const writer = await harness.open({ instanceName: 'writer' });
      const reader = await harness.peer(writer);
      const start = await reader.latestSeq();
      const seen = collect(reader, start);

      const one = await writer.commit({ state: state(1), expectedSeq: 0, notify: true });
      const snapshot = await writer.requestSnapshots(['@user9:test.local']);
      const two = await writer.commit({ state: state(2), expectedSeq: 0, notify: false });
      if (!one.ok || !two.ok) throw new Error('fresh users were refused');
      expect(snapshot).toBeGreaterThan(one.seq);
      expect(two.seq).toBeGreaterThan(snapshot);

      await eventually(() => expect(seqsOf(seen.entries)).toEqual([one.seq, snapshot, two.seq]));
      const [a, r, b] = seen.entries;
      expect(a).toMatchObject({ kind: 'state', notify: true, origin: 'writer' });
      expect(a?.kind === 'state' && a.state.equals(state(1))).toBe(true);
      expect(r).toEqual({
        kind: 'snapshot-request',
        seq: snapshot,
        users: ['@user9:test.local'],
        origin: 'writer',
      });
      expect(b).toMatchObject({ kind: 'state', notify: false, origin: 'writer' });
      await eventually(() => expect(reader.status().followedThrough).toBe(two.seq));

      // Many writes: still in order, with no seq skipped.
      const seqs = await commitUsers(writer, 300, 100);
      const last = Math.max(...seqs);
      await eventually(() => expect(seen.entries.at(-1)?.seq).toBe(last));
      const all = seqsOf(seen.entries);
      expect(all).toEqual(Array.from({ length: all.length }, (_, i) => one.seq + i));
      expect(seen.entries.some((entry) => entry.kind === 'gap')).toBe(false);
    });

    it('reads a range in pages, through a bound, and stops when told to', async () => {
      const store = await harness.open({ pageSize: 3 });
      const base = await store.latestSeq();
      for (let i = 0; i < 10; i++)
        await store.commit({ state: state(i), expectedSeq: 0, notify: true });

      const pages: number[][] = [];
      const outcome = await store.readRange(base + 2, base + 8, (entries) => {
        pages.push(seqsOf(entries));
        return true;
      });
      expect(outcome).toBe('complete');
      expect(pages.length).toBeGreaterThan(1);
      expect(pages.flat()).toEqual([3, 4, 5, 6, 7, 8].map((n) => base + n));
      for (const page of pages) expect(page.length).toBeLessThanOrEqual(3);

      let visits = 0;
      const nothing = await store.readRange(base + 10, base + 10, () => {
        visits++;
        return true;
      });
      expect(nothing).toBe('complete');
      expect(visits).toBe(0);

      const stopped: number[] = [];
      const early = await store.readRange(base, base + 10, (entries) => {
        stopped.push(...seqsOf(entries));
        return false;
      });
      expect(early).toBe('complete');
      expect(stopped).toEqual([1, 2, 3].map((n) => base + n));

      // Beyond the latest write: what there is.
      const beyond: number[] = [];
      expect(
        await store.readRange(base + 9, base + 50, (e) => void beyond.push(...seqsOf(e))),
      ).toBe('complete');
      expect(beyond).toEqual([base + 10]);
    });

    it('bounds the feed: a range reaching before it is trimmed, a late follower gets a gap', async () => {
      const store = await harness.open({ maxLength: 100 });
      for (let i = 0; i < 6; i++) await commitUsers(store, 100, i * 100);
      const latest = await store.latestSeq();
      expect(latest).toBe(600);

      expect(await store.readRange(0, latest, () => true)).toBe('trimmed');

      const late = await harness.peer(store);
      const seen = collect(late, 0);
      await eventually(() => expect(seen.entries.at(-1)?.seq).toBe(latest));
      const gap = seen.entries[0];
      expect(gap?.kind).toBe('gap');
      const oldest = (gap?.seq ?? 0) + 1;
      expect(oldest).toBeGreaterThan(1);
      expect(seqsOf(seen.entries.slice(1))).toEqual(
        Array.from({ length: latest - oldest + 1 }, (_, i) => oldest + i),
      );
      expect(latest - oldest + 1).toBeGreaterThanOrEqual(100);
      expect(latest - oldest + 1).toBeLessThan(600);

      const fromOldest: number[] = [];
      expect(
        await store.readRange(oldest - 1, latest, (entries) => {
          fromOldest.push(...seqsOf(entries));
          return true;
        }),
      ).toBe('complete');
      expect(fromOldest[0]).toBe(oldest);
      expect(fromOldest.at(-1)).toBe(latest);
      expect(await store.readRange(oldest - 2, latest, () => true)).toBe('trimmed');
    });

    it('loads every state in pages, at a feed position at least as old as them', async () => {
      const store = await harness.open({ pageSize: 100 });
      const seqs = await commitUsers(store, 450);
      const before = Math.max(...seqs);

      const pages: (readonly StoredPresence[])[] = [];
      const at = await store.load((page) => pages.push(page));
      expect(at).toBe(before);
      expect(pages.length).toBeGreaterThan(1);
      const loaded = new Map(pages.flat().map((stored) => [stored.state.userId, stored]));
      expect(pages.flat()).toHaveLength(450);
      expect(loaded.size).toBe(450);
      seqs.forEach((seq, i) => {
        const stored = loaded.get(state(i).userId);
        expect(stored?.seq).toBe(seq);
        expect(stored?.state.equals(state(i))).toBe(true);
      });
    });

    it('keeps sync marks until they expire', async () => {
      const store = await harness.open();
      const peer = await harness.peer(store);
      const short = {
        userId: '@short:test.local',
        lastSyncTs: 1000,
        lastActiveSyncTs: 900,
        syncing: true,
      };
      const long = {
        userId: '@long:test.local',
        lastSyncTs: 2000,
        lastActiveSyncTs: 0,
        syncing: false,
      };
      store.noteSyncs([short, long], 120_000);

      const marks = await store.syncMarks([short.userId, long.userId, '@none:test.local']);
      expect(marks.get(short.userId)).toEqual(short);
      expect(marks.get(long.userId)).toEqual(long);
      expect(marks.has('@none:test.local')).toBe(false);
      await eventually(async () =>
        expect((await peer.syncMarks([long.userId])).get(long.userId)).toEqual(long),
      );

      // Noted again with a short life: it expires, the other mark stays.
      const later = { ...short, lastSyncTs: 1100, syncing: false };
      store.noteSyncs([later], 200);
      await eventually(async () => {
        const now = await peer.syncMarks([short.userId, long.userId]);
        expect(now.has(short.userId)).toBe(false);
        expect(now.get(long.userId)).toEqual(long);
      });
    });

    it('reports its status', async () => {
      const store = await harness.open();
      const status = store.status();
      expect(status.kind).toBe(harness.shared ? 'redis' : 'memory');
      expect(status.connected).toBe(true);
      expect(status.lastError).toBeUndefined();
      expect(status.instances).toBe(1);
      expect(store.shared).toBe(harness.shared);
    });

    it('holds leases: every shard by exactly one instance', async () => {
      const store = await harness.open({ instanceName: 'only' });
      const leases = store.leases('timers', 16);
      expect(leases.shards).toBe(16);
      await eventually(() => expect(leases.held().size).toBe(16));
      expect(leases.holds(0) && leases.holds(15)).toBe(true);
      expect(leases.holds(16)).toBe(false);
    });
  });
}

describe.skipIf(!redisUp)('RedisPresenceStore across instances', () => {
  let harness: ReturnType<typeof redisHarness>;

  beforeEach(() => {
    harness = redisHarness();
  });

  afterEach(async () => {
    await harness.cleanup();
  });

  it('splits 16 shards between two instances, none held twice; the survivor takes all', async () => {
    const a = await harness.open({ instanceName: 'lease-a' });
    const b = await harness.peer(a, { instanceName: 'lease-b' });
    const onA = a.leases('timers', 16);
    const onB = b.leases('timers', 16);
    const changes: number[] = [];
    onA.onChange((held) => changes.push(held.size));

    await eventually(() => {
      expect(a.status().instances).toBe(2);
      expect(onA.held().size).toBe(8);
      expect(onB.held().size).toBe(8);
      for (const shard of onA.held()) expect(onB.holds(shard)).toBe(false);
    });
    expect(changes.length).toBeGreaterThan(0);

    await b.close();
    expect(onB.held().size).toBe(0);
    await eventually(() => {
      expect(onA.held().size).toBe(16);
      expect(a.status().instances).toBe(1);
    });
    expect(changes.at(-1)).toBe(16);
  });

  it('balances 16 shards over three instances, none held twice', async () => {
    const a = await harness.open({ instanceName: 'three-a' });
    const b = await harness.peer(a, { instanceName: 'three-b' });
    const c = await harness.peer(a, { instanceName: 'three-c' });
    const groups = [a, b, c].map((store) => store.leases('senders', 16));
    await eventually(() => {
      expect(a.status().instances).toBe(3);
      const sizes = groups.map((group) => group.held().size);
      expect(sizes.reduce((x, y) => x + y, 0)).toBe(16);
      for (const size of sizes) expect(size).toBeLessThanOrEqual(6);
      for (let shard = 0; shard < 16; shard++) {
        expect(groups.filter((group) => group.holds(shard))).toHaveLength(1);
      }
    });
  });

  it('takes over the shards of an instance that died (its leases expire)', async () => {
    // A dead instance: a heartbeat and four leases nobody renews.
    const redis = sharedRedisClient();
    try {
      const [seconds] = await redis.time();
      const expiry = Number(seconds) * 1000 + 2000;
      await redis.zadd(`${harness.prefix}:instances`, expiry, 'ghost');
      for (let shard = 0; shard < 4; shard++) {
        await redis.set(`${harness.prefix}:lease:senders:${shard}`, 'ghost', 'PX', 2000);
      }
      const a = await harness.open({ instanceName: 'alive' });
      const onA = a.leases('senders', 4);
      await eventually(() => expect(onA.held().size).toBe(4));
      expect(a.status().instances).toBe(1);
      for (let shard = 0; shard < 4; shard++) {
        expect(await redis.get(`${harness.prefix}:lease:senders:${shard}`)).toBe('alive');
      }
      await a.close();
      expect(await redis.exists(`${harness.prefix}:lease:senders:0`)).toBe(0);
    } finally {
      redis.disconnect();
    }
  });

  it('keeps every key under the prefix, feed IDs encoding seqs', async () => {
    const store = await harness.open({ instanceName: 'layout' });
    const committed = await store.commit({ state: state(1), expectedSeq: 0, notify: true });
    if (!committed.ok) throw new Error('refused');
    const leases = store.leases('timers', 2);
    await eventually(() => expect(leases.held().size).toBe(2));
    store.noteSyncs(
      [{ userId: '@user1:test.local', lastSyncTs: 1, lastActiveSyncTs: 1, syncing: false }],
      60_000,
    );
    await store.syncMarks(['@user1:test.local']);
    const redis = sharedRedisClient();
    try {
      const p = harness.prefix;
      expect((await redis.keys(`${p}:*`)).sort()).toEqual(
        [
          `${p}:epoch`,
          `${p}:feed`,
          `${p}:instances`,
          `${p}:lease:timers:0`,
          `${p}:lease:timers:1`,
          `${p}:seq`,
          `${p}:states`,
          `${p}:sync:@user1:test.local`,
        ].sort(),
      );
      expect(await redis.xrange(`${p}:feed`, '-', '+')).toEqual([
        [
          `${committed.seq}-0`,
          ['k', 's', 'o', 'layout', 'n', '1', 's', JSON.stringify(state(1).toJSON())],
        ],
      ]);
      expect(JSON.parse((await redis.hget(`${p}:states`, '@user1:test.local')) ?? '')).toEqual({
        seq: committed.seq,
        state: state(1).toJSON(),
      });
      expect(await redis.get(`${p}:seq`)).toBe(String(committed.seq));
    } finally {
      redis.disconnect();
    }
  });
});
