/** withLookupDeadline: any MembershipSource as a settled source whose calls settle in time. */
import type {
  MembershipSource,
  SettledLookup,
  SettledMembershipSource,
} from '@presence-router/core';
import { RecordingLogger } from '@presence-router/test-support';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CachedMembership,
  InMemoryMembership,
  MembershipError,
  withLookupDeadline,
} from '../src/index.ts';

const HS = 'hs.example';
const A = '!a:hs.example';
const B = '!b:hs.example';
const ALICE = '@alice:hs.example';
const BOB = '@bob:other.example';
const DEADLINE_MS = 1_000;

/** A source whose answers the test hands out (or never does). */
function controlledSource(): MembershipSource & {
  calls: string[][];
  answer(value: Map<string, string[]>): void;
  fail(reason: unknown): void;
} {
  let settle: { resolve(v: Map<string, string[]>): void; reject(r: unknown): void } | undefined;
  const calls: string[][] = [];
  const ask = (ids: readonly string[]): Promise<Map<string, string[]>> => {
    calls.push([...ids]);
    return new Promise((resolve, reject) => {
      settle = { resolve, reject };
    });
  };
  return {
    calls,
    getJoinedMembers: ask,
    getRoomsForUsers: ask,
    answer: (value) => settle?.resolve(value),
    fail: (reason) => settle?.reject(reason),
  };
}

async function settledWithin(promise: Promise<SettledLookup>): Promise<SettledLookup> {
  await vi.advanceTimersByTimeAsync(DEADLINE_MS);
  return promise;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('withLookupDeadline', () => {
  it('passes a plain answer given in time through, as settled and plain', async () => {
    const memory = new InMemoryMembership({ serverName: HS });
    memory.joinAll(A, [ALICE, BOB]);
    const bounded = withLookupDeadline(memory, { timeoutMs: DEADLINE_MS });
    const settled = await bounded.getJoinedMembersSettled([A, B]);
    expect(settled.found.get(A)).toEqual([ALICE, BOB]);
    expect(settled.found.has(B)).toBe(false);
    expect(settled.errors.size).toBe(0);
    expect((await bounded.getRoomsForUsers([BOB])).get(BOB)).toEqual([A]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("passes a settled source's per-key errors through", async () => {
    const failure = new MembershipError('SERVER_ERROR', 'b failed', { roomId: B });
    const settledSource: SettledMembershipSource = {
      getJoinedMembers: async () => new Map(),
      getRoomsForUsers: async () => new Map(),
      getJoinedMembersSettled: async () => ({
        found: new Map([[A, [ALICE]]]),
        errors: new Map([[B, failure]]),
      }),
      getRoomsForUsersSettled: async () => ({ found: new Map(), errors: new Map() }),
    };
    const bounded = withLookupDeadline(settledSource, { timeoutMs: DEADLINE_MS });
    const settled = await bounded.getJoinedMembersSettled([A, B]);
    expect(settled.found.get(A)).toEqual([ALICE]);
    expect(settled.errors.get(B)).toBe(failure);
    await expect(bounded.getJoinedMembers([A, B])).rejects.toBe(failure);
  });

  it('puts every key in errors with the rejection of the source', async () => {
    const source = controlledSource();
    const bounded = withLookupDeadline(source, { timeoutMs: DEADLINE_MS });
    const pending = bounded.getJoinedMembersSettled([A, B, A]);
    const failure = new Error('connection reset');
    source.fail(failure);
    const settled = await pending;
    expect(source.calls).toEqual([[A, B, A]]);
    expect(settled.found.size).toBe(0);
    expect([...settled.errors]).toEqual([
      [A, failure],
      [B, failure],
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('wraps a thrown non-Error in a MembershipError; the plain call rejects with it', async () => {
    const source = controlledSource();
    const bounded = withLookupDeadline(source, { timeoutMs: DEADLINE_MS });
    const pending = bounded.getRoomsForUsers([ALICE]).catch((e: unknown) => e);
    source.fail('disk on fire');
    const error = await pending;
    expect(error).toBeInstanceOf(MembershipError);
    expect((error as MembershipError).message).toContain('disk on fire');
  });

  it('turns a synchronous throw into errors for every key', async () => {
    const throwing: MembershipSource = {
      getJoinedMembers: () => {
        throw new TypeError('not implemented');
      },
      getRoomsForUsers: async () => new Map(),
    };
    const settled = await withLookupDeadline(throwing, {
      timeoutMs: DEADLINE_MS,
    }).getJoinedMembersSettled([A]);
    expect(settled.errors.get(A)).toBeInstanceOf(TypeError);
  });

  it('fails every key with TIMEOUT when the source does not settle in time', async () => {
    const source = controlledSource();
    const bounded = withLookupDeadline(source, { timeoutMs: DEADLINE_MS });
    const settled = await settledWithin(bounded.getJoinedMembersSettled([A, B]));
    expect(settled.found.size).toBe(0);
    expect([...settled.errors.keys()]).toEqual([A, B]);
    const error = settled.errors.get(B) as MembershipError;
    expect(error).toBeInstanceOf(MembershipError);
    expect(error.code).toBe('TIMEOUT');
    expect(error.roomId).toBe(B);
    expect(error.message).toContain(B);
    expect(error.message).toContain(`${DEADLINE_MS} ms`);
  });

  it('ignores the late answer and a late rejection (no unhandled rejection)', async () => {
    const source = controlledSource();
    const bounded = withLookupDeadline(source, { timeoutMs: DEADLINE_MS });
    const late = await settledWithin(bounded.getJoinedMembersSettled([A]));
    source.answer(new Map([[A, [ALICE]]]));
    const rejected = settledWithin(bounded.getRoomsForUsersSettled([ALICE]));
    const lateRejection = await rejected;
    source.fail(new Error('too late'));
    await vi.runAllTimersAsync();
    expect(late.errors.get(A)?.message).toMatch(/did not settle/);
    expect(late.found.size).toBe(0);
    expect((lateRejection.errors.get(ALICE) as MembershipError).code).toBe('TIMEOUT');
    expect((lateRejection.errors.get(ALICE) as MembershipError).roomId).toBeUndefined();
  });

  it('rejects a plain call listing the keys that timed out', async () => {
    const bounded = withLookupDeadline(controlledSource(), { timeoutMs: DEADLINE_MS });
    const pending = bounded.getJoinedMembers([A, B]).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(DEADLINE_MS);
    const error = (await pending) as MembershipError;
    expect(error).toBeInstanceOf(MembershipError);
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toMatch(
      /failed for 2 of 2 rooms: !a:hs\.example \(TIMEOUT: .*!b:hs\.example/,
    );
  });

  it('lets CachedMembership serve the stale entry of a key that timed out', async () => {
    const source = controlledSource();
    const logger = new RecordingLogger();
    const cache = new CachedMembership(withLookupDeadline(source, { timeoutMs: DEADLINE_MS }), {
      logger,
    });
    const first = cache.getJoinedMembers([A]);
    source.answer(new Map([[A, [ALICE]]]));
    const members = (await first).get(A);
    cache.invalidateRoom(A);
    const again = cache.getJoinedMembers([A]);
    await vi.advanceTimersByTimeAsync(DEADLINE_MS);
    expect((await again).get(A)).toBe(members);
    expect(cache.stats.staleServes).toBe(1);
    expect(logger.messages()).toEqual([
      expect.stringMatching(
        /^Membership lookup of !a:hs\.example failed; served the stale cached entry/,
      ),
    ]);
  });

  it.each([
    ['no source', undefined, { timeoutMs: 10 }],
    ['a source without lookups', {}, { timeoutMs: 10 }],
    ['no options', new InMemoryMembership({ serverName: HS }), undefined],
    ['a zero timeout', new InMemoryMembership({ serverName: HS }), { timeoutMs: 0 }],
    [
      'an infinite timeout',
      new InMemoryMembership({ serverName: HS }),
      { timeoutMs: Number.POSITIVE_INFINITY },
    ],
    [
      'a timeout beyond the timer range',
      new InMemoryMembership({ serverName: HS }),
      { timeoutMs: 2 ** 31 },
    ],
  ])('refuses %s with INVALID_OPTIONS', (_label, source, options) => {
    expect(() => withLookupDeadline(source as never, options as never)).toThrowError(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
  });
});
