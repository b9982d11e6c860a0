import type {
  MembershipSource,
  SettledLookup,
  SettledMembershipSource,
} from '@presence-router/core';
import { PresenceRouter, silentLogger, userPresenceState } from '@presence-router/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CachedMembership,
  type CachedMembershipOptions,
  type CacheErrorEvent,
  InMemoryMembership,
  invalidateOnChanges,
  MatrixHttpMembership,
  MembershipError,
} from '../src/index.ts';
import { FakeMatrixServer } from './support/fake-matrix-server.ts';

const HS = 'hs.test';
const ALICE = `@alice:${HS}`;
const BOB = '@bob:other.test';
const CAROL = `@carol:${HS}`;
const DAVE = `@dave:${HS}`;
const A = `!a:${HS}`;
const B = `!b:${HS}`;
const C = `!c:${HS}`;
const LEFT = `!left:${HS}`;

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A plain source over an InMemoryMembership that logs calls, can be held, and can fail. */
class CountingSource implements MembershipSource {
  readonly memory: InMemoryMembership;
  readonly roomCalls: string[][] = [];
  readonly userCalls: string[][] = [];
  /** Held calls: each call takes the next gate and answers once it opens. */
  readonly gates: Deferred[] = [];
  failWith: Error | undefined;

  constructor(memory: InMemoryMembership) {
    this.memory = memory;
  }

  /** Holds the next `n` calls; returns their gates in call order. */
  hold(n: number): Deferred[] {
    const made = Array.from({ length: n }, deferred);
    this.gates.push(...made);
    return made;
  }

  async getJoinedMembers(roomIds: readonly string[]) {
    this.roomCalls.push([...roomIds]);
    // Read first, answer later: a held call answers what the data was when it was asked.
    const answer = this.failWith ? undefined : this.memory.getJoinedMembersSync(roomIds);
    await this.gates.shift()?.promise;
    if (answer === undefined) throw this.failWith;
    return answer;
  }

  async getRoomsForUsers(userIds: readonly string[]) {
    this.userCalls.push([...userIds]);
    const answer = this.failWith ? undefined : this.memory.getRoomsForUsersSync(userIds);
    await this.gates.shift()?.promise;
    if (answer === undefined) throw this.failWith;
    return answer;
  }
}

/** A source reporting per-key failures, like the HTTP adapter. */
class SettledSource extends CountingSource implements SettledMembershipSource {
  readonly failing = new Set<string>();

  async getJoinedMembersSettled(roomIds: readonly string[]): Promise<SettledLookup> {
    const found = new Map(await super.getJoinedMembers(roomIds));
    const errors = new Map<string, MembershipError>();
    for (const roomId of roomIds) {
      if (!this.failing.has(roomId)) continue;
      found.delete(roomId);
      errors.set(roomId, new MembershipError('SERVER_ERROR', `boom ${roomId}`, { roomId }));
    }
    return { found, errors };
  }

  async getRoomsForUsersSettled(userIds: readonly string[]): Promise<SettledLookup> {
    const found = new Map(await super.getRoomsForUsers(userIds));
    const errors = new Map<string, MembershipError>();
    for (const userId of userIds) {
      if (!this.failing.has(userId)) continue;
      found.delete(userId);
      errors.set(userId, new MembershipError('SERVER_ERROR', `boom ${userId}`));
    }
    return { found, errors };
  }
}

let memory: InMemoryMembership;
let clock: number;
const now = () => clock;

function cache(source: MembershipSource, options: CachedMembershipOptions = {}) {
  return new CachedMembership(source, { now, logger: silentLogger, ...options });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

beforeEach(() => {
  clock = 1_000_000;
  memory = new InMemoryMembership({ serverName: HS });
  memory.joinAll(A, [ALICE, BOB]);
  memory.joinAll(B, [ALICE, CAROL]);
  memory.joinAll(C, [CAROL, BOB, DAVE]);
  memory.joinAll(LEFT, [CAROL]);
  memory.serverLeave(LEFT);
});

describe('CachedMembership hits, misses and identity', () => {
  it('loads misses in one batched call and answers hits from the cache', async () => {
    const source = new CountingSource(memory);
    const cached = cache(source);
    const first = await cached.getJoinedMembers([A, B, C]);
    expect(source.roomCalls).toEqual([[A, B, C]]);
    const second = await cached.getJoinedMembers([A, C]);
    expect(source.roomCalls).toHaveLength(1);
    expect(second.get(A)).toBe(first.get(A));
    expect(second.get(C)).toBe(first.get(C));
    expect(cached.stats).toMatchObject({
      hits: 2,
      misses: 3,
      loads: 1,
      entries: 3,
      totalMembers: 7,
    });
  });

  it('caches rooms the server does not participate in', async () => {
    const source = new CountingSource(memory);
    const cached = cache(source);
    expect((await cached.getJoinedMembers([LEFT, '!unknown:hs.test'])).size).toBe(0);
    expect((await cached.getJoinedMembers([LEFT, '!unknown:hs.test'])).size).toBe(0);
    expect(source.roomCalls).toHaveLength(1);
    expect(cached.stats.hits).toBe(2);
  });

  it('caches rooms of users, with an entry for every user', async () => {
    const source = new CountingSource(memory);
    const cached = cache(source);
    const rooms = await cached.getRoomsForUsers([ALICE, '@nobody:hs.test']);
    expect([...(rooms.get(ALICE) ?? [])].sort()).toEqual([A, B]);
    expect(rooms.get('@nobody:hs.test')).toEqual([]);
    const again = await cached.getRoomsForUsers([ALICE]);
    expect(again.get(ALICE)).toBe(rooms.get(ALICE));
    expect(source.userCalls).toHaveLength(1);
  });

  it('shares one load among concurrent misses of the same key', async () => {
    const source = new CountingSource(memory);
    const gates = source.hold(2);
    const cached = cache(source);
    const one = cached.getJoinedMembers([A, B]);
    const two = cached.getJoinedMembers([B, C]);
    const three = cached.getJoinedMembers([A]);
    for (const gate of gates) gate.resolve();
    const [r1, r2, r3] = await Promise.all([one, two, three]);
    expect(source.roomCalls).toEqual([[A, B], [C]]);
    expect(r2.get(B)).toBe(r1.get(B));
    expect(r3.get(A)).toBe(r1.get(A));
    expect(cached.stats).toMatchObject({ coalesced: 2, loads: 2, misses: 5 });
  });

  it('expires entries after ttlMs and keeps the array when members did not change', async () => {
    const source = new CountingSource(memory);
    const cached = cache(source, { ttlMs: 1_000 });
    const first = (await cached.getJoinedMembers([A])).get(A);
    clock += 999;
    expect((await cached.getJoinedMembers([A])).get(A)).toBe(first);
    expect(source.roomCalls).toHaveLength(1);
    clock += 1;
    expect((await cached.getJoinedMembers([A])).get(A)).toBe(first);
    expect(source.roomCalls).toHaveLength(2);
    memory.join(A, DAVE);
    clock += 1_000;
    const changed = (await cached.getJoinedMembers([A])).get(A);
    expect(changed).not.toBe(first);
    expect(changed).toContain(DAVE);
  });

  it('rejects invalid IDs with INVALID_ROOM_ID / INVALID_USER_ID before asking the source', async () => {
    const source = new CountingSource(memory);
    const cached = cache(source);
    const error = await rejection(cached.getJoinedMembers([A, 'nope']));
    expect((error as MembershipError).code).toBe('INVALID_ROOM_ID');
    const userError = await rejection(cached.getRoomsForUsers(['alice']));
    expect((userError as MembershipError).code).toBe('INVALID_USER_ID');
    expect(source.roomCalls).toHaveLength(0);
  });
});

describe('CachedMembership invalidation', () => {
  it('invalidateRoom and invalidateUser reload exactly those keys', async () => {
    const source = new CountingSource(memory);
    const cached = cache(source);
    const before = await cached.getJoinedMembers([A, B]);
    await cached.getRoomsForUsers([ALICE, CAROL]);
    memory.join(A, DAVE);
    memory.leave(B, ALICE);
    cached.invalidateRoom(A);
    cached.invalidateUser(ALICE);
    const after = await cached.getJoinedMembers([A, B]);
    expect(source.roomCalls.at(-1)).toEqual([A]);
    expect(after.get(A)).toContain(DAVE);
    expect(after.get(B)).toBe(before.get(B));
    const rooms = await cached.getRoomsForUsers([ALICE, CAROL]);
    expect(source.userCalls.at(-1)).toEqual([ALICE]);
    expect(rooms.get(ALICE)).toEqual([A]);
    expect(cached.stats.invalidations).toBe(2);
  });

  it('does not store a load that was running when its key was invalidated', async () => {
    const source = new CountingSource(memory);
    const [earlyGate, lateGate] = source.hold(2) as [Deferred, Deferred];
    const cached = cache(source);
    const early = cached.getJoinedMembers([A]);
    memory.join(A, DAVE);
    cached.invalidateRoom(A);
    // A caller after the invalidation does not join the old load.
    const late = cached.getJoinedMembers([A]);
    expect(source.roomCalls).toEqual([[A], [A]]);
    // The fresh load lands first, the outdated one last: it must not overwrite.
    lateGate.resolve();
    expect((await late).get(A)).toContain(DAVE);
    earlyGate.resolve();
    expect((await early).get(A)).not.toContain(DAVE);
    expect((await cached.getJoinedMembers([A])).get(A)).toContain(DAVE);
    expect(source.roomCalls).toHaveLength(2);
  });

  it('clear() drops everything, stale fallbacks included', async () => {
    const source = new CountingSource(memory);
    const cached = cache(source);
    await cached.getJoinedMembers([A, B]);
    cached.clear();
    expect(cached.stats).toMatchObject({ entries: 0, totalMembers: 0 });
    source.failWith = new MembershipError('DATABASE_ERROR', 'down');
    const error = await rejection(cached.getJoinedMembers([A]));
    expect(error).toBe(source.failWith);
  });

  it('invalidateOnChanges connects a change feed and disconnects', async () => {
    const source = new CountingSource(memory);
    const cached = cache(source, { ttlMs: Number.POSITIVE_INFINITY });
    const stop = invalidateOnChanges(cached, (listener) => memory.onChange(listener));
    await cached.getJoinedMembers([A, C]);
    await cached.getRoomsForUsers([DAVE]);
    memory.join(A, DAVE);
    expect((await cached.getJoinedMembers([A])).get(A)).toContain(DAVE);
    expect([...((await cached.getRoomsForUsers([DAVE])).get(DAVE) ?? [])].sort()).toEqual([A, C]);
    expect(source.roomCalls.at(-1)).toEqual([A]);
    stop();
    memory.leave(A, DAVE);
    expect((await cached.getJoinedMembers([A])).get(A)).toContain(DAVE);
  });
});

describe('CachedMembership bounds', () => {
  it('evicts the least recently used entry past maxEntries', async () => {
    const source = new CountingSource(memory);
    const cached = cache(source, { maxEntries: 2 });
    await cached.getJoinedMembers([A]);
    await cached.getJoinedMembers([B]);
    await cached.getJoinedMembers([A]); // A is now the most recently used
    await cached.getJoinedMembers([C]); // evicts B
    expect(cached.stats).toMatchObject({ entries: 2, evictions: 1 });
    source.roomCalls.length = 0;
    await cached.getJoinedMembers([A, C]);
    expect(source.roomCalls).toEqual([]);
    await cached.getJoinedMembers([B]);
    expect(source.roomCalls).toEqual([[B]]);
  });

  it('evicts past maxTotalMembers and does not store a list heavier than the bound', async () => {
    const big = `!big:${HS}`;
    memory.joinAll(
      big,
      Array.from({ length: 10 }, (_, i) => `@u${i}:${HS}`),
    );
    const source = new CountingSource(memory);
    const cached = cache(source, { maxTotalMembers: 5 });
    await cached.getJoinedMembers([A, B]); // 2 + 2
    expect(cached.stats.totalMembers).toBe(4);
    await cached.getJoinedMembers([C]); // 3 more: A goes
    expect(cached.stats).toMatchObject({ totalMembers: 5, entries: 2, evictions: 1 });
    expect((await cached.getJoinedMembers([big])).get(big)).toHaveLength(10);
    expect(cached.stats.totalMembers).toBe(5);
    await cached.getJoinedMembers([big]);
    expect(source.roomCalls.filter((call) => call.includes(big))).toHaveLength(2);
  });
});

describe('CachedMembership failures', () => {
  it('serves a stale entry for the failing room only and reports it', async () => {
    const source = new SettledSource(memory);
    const events: CacheErrorEvent[] = [];
    const cached = cache(source, { onError: (event) => events.push(event) });
    const before = await cached.getJoinedMembers([A, B]);
    cached.invalidate({ rooms: [A, B] });
    memory.join(B, DAVE);
    source.failing.add(A);
    const after = await cached.getJoinedMembers([A, B]);
    expect(after.get(A)).toBe(before.get(A));
    expect(after.get(B)).toContain(DAVE);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'room', id: A, servedStale: true });
    expect((events[0]!.error as MembershipError).code).toBe('SERVER_ERROR');
    expect(cached.stats).toMatchObject({ staleServes: 1, errors: 0 });
    // Still stale: the next call tries the source again.
    source.failing.delete(A);
    await cached.getJoinedMembers([A]);
    expect(source.roomCalls.at(-1)).toEqual([A]);
  });

  it('serves expired entries on error, within maxStaleMs', async () => {
    const source = new SettledSource(memory);
    const cached = cache(source, { ttlMs: 100, maxStaleMs: 1_000 });
    const before = (await cached.getJoinedMembers([A])).get(A);
    source.failing.add(A);
    clock += 500;
    expect((await cached.getJoinedMembers([A])).get(A)).toBe(before);
    clock += 1_000;
    const error = await rejection(cached.getJoinedMembers([A]));
    expect((error as MembershipError).roomId).toBe(A);
  });

  it('without a stale entry, the caller gets the failure and the other rooms still answer', async () => {
    const source = new SettledSource(memory);
    source.failing.add(A);
    const events: CacheErrorEvent[] = [];
    const strict = cache(source, { onError: (event) => events.push(event) });
    const error = await rejection(strict.getJoinedMembers([A, B]));
    expect((error as MembershipError).roomId).toBe(A);
    expect(events).toMatchObject([{ id: A, servedStale: false }]);
    const settled = await strict.getJoinedMembersSettled([A, B]);
    expect(settled.found.get(B)).toEqual([ALICE, CAROL]);
    expect((settled.errors.get(A) as MembershipError).code).toBe('SERVER_ERROR');
    const lenient = cache(source, { onPartialFailure: 'omit' });
    expect([...(await lenient.getJoinedMembers([A, B])).keys()]).toEqual([B]);
    expect(lenient.stats.errors).toBe(1);
  });

  it('a plain source failing a batch fails each of its keys; stale ones are served', async () => {
    const source = new CountingSource(memory);
    const cached = cache(source);
    const before = await cached.getJoinedMembers([A]);
    cached.invalidateRoom(A);
    source.failWith = new MembershipError('DATABASE_ERROR', 'connection refused');
    const settled = await cached.getJoinedMembersSettled([A, B]);
    expect(settled.found.get(A)).toBe(before.get(A));
    expect(settled.errors.get(B)).toBe(source.failWith);
    // The plain method passes the source's own error through.
    expect(await rejection(cached.getJoinedMembers([B]))).toBe(source.failWith);
  });

  it('with staleOnError false, failures reach the caller even with an old entry', async () => {
    const source = new CountingSource(memory);
    const cached = cache(source, { staleOnError: false });
    await cached.getJoinedMembers([A]);
    cached.invalidateRoom(A);
    expect(cached.stats.entries).toBe(0);
    source.failWith = new Error('down');
    expect(await rejection(cached.getJoinedMembers([A]))).toBe(source.failWith);
  });

  it('wraps a non-Error thrown by the source in a MembershipError', async () => {
    const source = new CountingSource(memory);
    const cached = cache(source);
    (source as { failWith: unknown }).failWith = 'plain string';
    const error = await rejection(cached.getJoinedMembers([A]));
    expect(error).toBeInstanceOf(MembershipError);
    expect(error.message).toContain('plain string');
  });

  it.each([
    ['a negative maxEntries', { maxEntries: -1 }],
    ['a NaN ttlMs', { ttlMs: Number.NaN }],
    ['an infinite maxTotalMembers', { maxTotalMembers: Number.POSITIVE_INFINITY }],
    ['a non-function onError', { onError: 'log' }],
    ['an unknown failure policy', { onPartialFailure: 'drop' }],
  ])('refuses %s with INVALID_OPTIONS', (_label, bad) => {
    expect(() => cache(memory, bad as unknown as CachedMembershipOptions)).toThrowError(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
  });

  it('refuses something that is not a membership source', () => {
    expect(() => new CachedMembership({} as MembershipSource)).toThrowError(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
  });
});

describe('CachedMembership over the HTTP adapter', () => {
  let server: FakeMatrixServer;
  let http: MatrixHttpMembership;

  beforeEach(async () => {
    memory.joinAll(A, [`@observer:${HS}`]);
    memory.joinAll(B, [`@observer:${HS}`]);
    memory.joinAll(C, [`@observer:${HS}`]);
    server = await FakeMatrixServer.start({ membership: memory });
    http = new MatrixHttpMembership({
      baseUrl: server.url,
      auth: { type: 'admin', accessToken: 'admin-token' },
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
    });
  });

  afterEach(async () => {
    http.close();
    await server.close();
  });

  it('serves a stale room when the homeserver fails for it, fresh ones for the rest', async () => {
    const events: CacheErrorEvent[] = [];
    const cached = cache(http, { onError: (event) => events.push(event) });
    const before = await cached.getJoinedMembers([A, B]);
    cached.invalidate({ rooms: [A, B] });
    server.inject({ type: 'status', status: 503 }, { roomId: A });
    const after = await cached.getJoinedMembers([A, B]);
    expect(after.get(A)).toBe(before.get(A));
    expect(after.get(B)).toBe(before.get(B));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ id: A, servedStale: true });
    expect((events[0]!.error as MembershipError).status).toBe(503);
    expect(server.requestsFor(A)).toHaveLength(3);
  });

  it('lets the router route the other rooms when one room fails (policy omit)', async () => {
    server.inject({ type: 'status', status: 500 }, { roomId: A });
    const events: CacheErrorEvent[] = [];
    const cached = cache(http, {
      onPartialFailure: 'omit',
      onError: (event) => events.push(event),
    });
    const router = new PresenceRouter({ serverName: HS, membership: cached, logger: silentLogger });
    const result = await router.fanOut([userPresenceState(ALICE, { state: 'online' })]);
    const recipients = new Set(result.toMap().keys());
    // Room B answered: its members get Alice's presence; room A failed and was reported.
    expect(recipients.has(CAROL)).toBe(true);
    expect(recipients.has(ALICE)).toBe(true);
    expect(recipients.has(BOB)).toBe(false);
    expect(events.map((event) => event.id)).toEqual([A]);
  });
});
