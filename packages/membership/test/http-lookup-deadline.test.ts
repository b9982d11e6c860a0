/**
 * The HTTP adapter's per-lookup deadline (`lookupTimeoutMs`): one room's or user's lookup,
 * retries and waits included, fails with TIMEOUT while the rest of the batch is answered.
 * Tests assert outcomes and request counts, never elapsed time.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  InMemoryMembership,
  MatrixHttpMembership,
  type MatrixHttpMembershipOptions,
  MembershipError,
} from '../src/index.ts';
import { ConcurrencyLimit } from '../src/internal/http/concurrency-limit.ts';
import { FakeMatrixServer } from './support/fake-matrix-server.ts';

const HS = 'hs.test';
const OBSERVER = `@observer:${HS}`;
const ALICE = `@alice:${HS}`;
const CAROL = `@carol:${HS}`;
const GOOD = `!good:${HS}`;
const STUCK = `!stuck:${HS}`;

/**
 * Short enough for a quick test, long enough for a healthy room's first, cold request on a
 * loaded machine (about 50 ms idle); the per-attempt timeout is ten times longer.
 */
const DEADLINE_MS = 1000;

let membership: InMemoryMembership;
let server: FakeMatrixServer;
const adapters: MatrixHttpMembership[] = [];

function adapter(options: Partial<MatrixHttpMembershipOptions> = {}): MatrixHttpMembership {
  const created = new MatrixHttpMembership({
    baseUrl: server.url,
    auth: { type: 'user', accessToken: 'user-token' },
    retry: { baseDelayMs: 1, maxDelayMs: 4, maxRetryAfterMs: 5, maxAttempts: 3 },
    timeoutMs: 10_000,
    lookupTimeoutMs: DEADLINE_MS,
    ...options,
  });
  adapters.push(created);
  return created;
}

beforeEach(async () => {
  membership = new InMemoryMembership({ serverName: HS });
  membership.joinAll(GOOD, [ALICE, OBSERVER]);
  membership.joinAll(STUCK, [CAROL, OBSERVER]);
  server = await FakeMatrixServer.start({ membership });
});

afterEach(async () => {
  for (const created of adapters.splice(0)) created.close();
  await server.close();
});

describe('MatrixHttpMembership lookupTimeoutMs', () => {
  it('fails a room whose handler never answers with TIMEOUT and answers the others', async () => {
    server.inject({ type: 'hang' }, { roomId: STUCK });
    const settled = await adapter().getJoinedMembersSettled([GOOD, STUCK]);
    expect(settled.found.get(GOOD)).toEqual([ALICE, OBSERVER]);
    expect(settled.found.has(STUCK)).toBe(false);
    const error = settled.errors.get(STUCK);
    expect(error).toBeInstanceOf(MembershipError);
    expect(error?.code).toBe('TIMEOUT');
    expect(error?.roomId).toBe(STUCK);
    expect(error?.message).toContain(STUCK);
    expect(error?.message).toContain(`${DEADLINE_MS} ms (lookupTimeoutMs)`);
    expect([...settled.errors.keys()]).toEqual([STUCK]);
    // The attempt's own 2 s timeout was cut to the deadline: no second attempt fitted.
    expect(server.requestsFor(STUCK)).toHaveLength(1);
  });

  it('rejects the plain call with the TIMEOUT of the stuck room', async () => {
    server.inject({ type: 'hang' }, { roomId: STUCK });
    const error = await adapter()
      .getJoinedMembers([GOOD, STUCK])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TIMEOUT', roomId: STUCK });
  });

  it('bounds the retries: many quick 5xx answers end in TIMEOUT, not SERVER_ERROR', async () => {
    server.inject({ type: 'status', status: 500 }, { roomId: STUCK });
    const source = adapter({ retry: { maxAttempts: 1_000_000, baseDelayMs: 1, maxDelayMs: 2 } });
    const settled = await source.getJoinedMembersSettled([GOOD, STUCK]);
    expect(settled.found.get(GOOD)).toEqual([ALICE, OBSERVER]);
    const error = settled.errors.get(STUCK);
    expect(error?.code).toBe('TIMEOUT');
    expect(error?.status).toBe(500);
    expect(error?.message).toMatch(/last: HTTP 500/);
    expect(server.requestsFor(STUCK).length).toBeGreaterThan(1);
  });

  it('gives up at once when a 429 asks to wait past the deadline', async () => {
    server.inject(
      { type: 'status', status: 429, headers: { 'retry-after': '30' } },
      { roomId: STUCK },
    );
    const source = adapter({ retry: { maxAttempts: 5, maxRetryAfterMs: 60_000 } });
    const settled = await source.getJoinedMembersSettled([GOOD, STUCK]);
    expect(settled.found.get(GOOD)).toEqual([ALICE, OBSERVER]);
    const error = settled.errors.get(STUCK);
    expect(error?.code).toBe('TIMEOUT');
    expect(error?.status).toBe(429);
    expect(error?.message).toMatch(/wait the homeserver asked for \(30000 ms\)/);
    expect(server.requestsFor(STUCK)).toHaveLength(1);
  });

  it('gives up at once when the backoff would pass the deadline', async () => {
    server.inject({ type: 'destroy' }, { roomId: STUCK });
    const source = adapter({ retry: { maxAttempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 } });
    const error = (await source.getJoinedMembersSettled([STUCK])).errors.get(STUCK);
    expect(error?.code).toBe('TIMEOUT');
    expect(error?.message).toMatch(/backoff \(\d+ ms\) would pass it; last: network error/);
    expect(server.requestsFor(STUCK)).toHaveLength(1);
  });

  it('bounds each user lookup of the admin API', async () => {
    server.inject({ type: 'hang' }, { userId: CAROL });
    const source = adapter({ auth: { type: 'admin', accessToken: 'admin-token' } });
    const settled = await source.getRoomsForUsersSettled([ALICE, CAROL]);
    expect(settled.found.get(ALICE)).toEqual([GOOD]);
    expect(settled.errors.get(CAROL)?.code).toBe('TIMEOUT');
    expect(settled.errors.get(CAROL)?.message).toContain(CAROL);
  });

  it('starts the clock with the first attempt: a queued room is not failed by the stuck one', async () => {
    server.inject({ type: 'hang' }, { roomId: STUCK });
    const settled = await adapter({ concurrency: 1 }).getJoinedMembersSettled([STUCK, GOOD]);
    expect(settled.errors.get(STUCK)?.code).toBe('TIMEOUT');
    expect(settled.found.get(GOOD)).toEqual([ALICE, OBSERVER]);
  });

  it('with Infinity, only the attempts bound the lookup', async () => {
    server.inject({ type: 'hang' }, { roomId: STUCK });
    const source = adapter({ lookupTimeoutMs: Number.POSITIVE_INFINITY, timeoutMs: 50 });
    const error = (await source.getJoinedMembersSettled([STUCK])).errors.get(STUCK);
    expect(error?.code).toBe('TIMEOUT');
    expect(error?.message).toMatch(/failed after 3 attempts: no complete answer within 50 ms/);
    expect(server.requestsFor(STUCK)).toHaveLength(3);
  });

  it.each([0, -1, 1.5, '5000', 2 ** 31])('refuses lookupTimeoutMs %s', (bad) => {
    expect(() => adapter({ lookupTimeoutMs: bad as number })).toThrowError(
      expect.objectContaining({
        code: 'INVALID_OPTIONS',
        message: expect.stringMatching(/lookupTimeoutMs/),
      }),
    );
  });
});

describe('ConcurrencyLimit with an abort signal', () => {
  it('takes an aborted waiter out of the queue and hands the slot on to the next', async () => {
    const limit = new ConcurrencyLimit(1);
    let release: () => void = () => {};
    const first = limit.run(
      () => new Promise<string>((resolve) => (release = () => resolve('first'))),
    );
    const abort = new AbortController();
    const second = limit.run(async () => 'second', abort.signal);
    const third = limit.run(async () => 'third');
    expect(limit.waiting).toBe(2);
    abort.abort(new Error('deadline'));
    await expect(second).rejects.toThrow('deadline');
    expect(limit.waiting).toBe(1);
    release();
    expect(await first).toBe('first');
    expect(await third).toBe('third');
    expect(limit.active).toBe(0);
  });

  it('refuses at once with a signal that is already aborted', async () => {
    const limit = new ConcurrencyLimit(1);
    let release: () => void = () => {};
    const first = limit.run(() => new Promise<void>((resolve) => (release = resolve)));
    const aborted = AbortSignal.abort(new Error('too late'));
    await expect(limit.run(async () => 'never', aborted)).rejects.toThrow('too late');
    expect(limit.waiting).toBe(0);
    release();
    await first;
    expect(limit.active).toBe(0);
  });
});
