import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  InMemoryMembership,
  MatrixHttpMembership,
  type MatrixHttpMembershipOptions,
  MembershipError,
} from '../src/index.ts';
import { FakeMatrixServer } from './support/fake-matrix-server.ts';

const HS = 'hs.test';
const OBSERVER = `@observer:${HS}`;
const ALICE = `@alice:${HS}`;
const BOB = '@bob:other.test';
const CAROL = `@carol:${HS}`;
const A = `!a:${HS}`;
const B = `!b:${HS}`;
const C = `!c:${HS}`;
const GONE = `!gone:${HS}`;
const NOPE = `!nope:${HS}`;

/** Tiny delays so retries cost nothing; tests count attempts, never time. */
const FAST = { baseDelayMs: 1, maxDelayMs: 4, maxRetryAfterMs: 5, maxAttempts: 3 };

let membership: InMemoryMembership;
let server: FakeMatrixServer;
const adapters: MatrixHttpMembership[] = [];

function adapter(options: Partial<MatrixHttpMembershipOptions> = {}): MatrixHttpMembership {
  const created = new MatrixHttpMembership({
    baseUrl: server.url,
    auth: { type: 'user', accessToken: 'user-token' },
    retry: FAST,
    timeoutMs: 2_000,
    ...options,
  });
  adapters.push(created);
  return created;
}

function admin(options: Partial<MatrixHttpMembershipOptions> = {}): MatrixHttpMembership {
  return adapter({ auth: { type: 'admin', accessToken: 'admin-token' }, ...options });
}

async function rejection(promise: Promise<unknown>): Promise<MembershipError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MembershipError);
  return error as MembershipError;
}

beforeEach(async () => {
  membership = new InMemoryMembership({ serverName: HS });
  membership.joinAll(A, [ALICE, BOB, OBSERVER]);
  membership.joinAll(B, [ALICE, OBSERVER]);
  membership.joinAll(C, [CAROL]);
  membership.joinAll(GONE, [CAROL, OBSERVER]);
  membership.serverLeave(GONE);
  server = await FakeMatrixServer.start({ membership });
});

afterEach(async () => {
  for (const created of adapters.splice(0)) created.close();
  await server.close();
});

describe('MatrixHttpMembership, client-server API', () => {
  it('reads joined members with the access token and URL-encoded room IDs', async () => {
    const members = await adapter().getJoinedMembers([A, B]);
    expect(members.get(A)).toEqual([ALICE, BOB, OBSERVER]);
    expect(members.get(B)).toEqual([ALICE, OBSERVER]);
    expect(server.requests).toHaveLength(2);
    expect(server.requests.map((r) => r.path).sort()).toEqual([
      '/_matrix/client/v3/rooms/!a%3Ahs.test/joined_members',
      '/_matrix/client/v3/rooms/!b%3Ahs.test/joined_members',
    ]);
    expect(server.requests.every((r) => r.authorization === 'Bearer user-token')).toBe(true);
  });

  it('encodes opaque room IDs with reserved characters', async () => {
    const weird = '!we/ird?#x+y%z';
    membership.joinAll(weird, [OBSERVER]);
    const members = await adapter().getJoinedMembers([weird]);
    expect(members.get(weird)).toEqual([OBSERVER]);
    expect(server.requests[0]?.path).toBe(
      `/_matrix/client/v3/rooms/${encodeURIComponent(weird)}/joined_members`,
    );
  });

  it('leaves out rooms the user is not in (403) and tells their status', async () => {
    const source = adapter();
    const members = await source.getJoinedMembers([A, C, GONE]);
    expect([...members.keys()]).toEqual([A]);
    const statuses = await source.getRoomStatuses([A, C]);
    expect(statuses.get(A)).toEqual({ status: 'participating', joinedCount: 3 });
    expect(statuses.get(C)).toEqual({ status: 'left', joinedCount: 0 });
  });

  it('treats 404 as unknown and 403 as left, both absent', async () => {
    server.inject(
      { type: 'status', status: 404, body: { errcode: 'M_NOT_FOUND', error: 'x' } },
      { roomId: B },
    );
    server.inject(
      { type: 'status', status: 403, body: { errcode: 'M_FORBIDDEN', error: 'x' } },
      { roomId: A },
    );
    const source = adapter();
    expect((await source.getJoinedMembers([A, B])).size).toBe(0);
    const statuses = await source.getRoomStatuses([A, B]);
    expect(statuses.get(A)?.status).toBe('left');
    expect(statuses.get(B)?.status).toBe('unknown');
  });

  it('returns the same frozen array until the member list changes', async () => {
    const source = adapter();
    const first = (await source.getJoinedMembers([A])).get(A);
    const second = (await source.getJoinedMembers([A])).get(A);
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    membership.join(A, CAROL);
    const third = (await source.getJoinedMembers([A])).get(A);
    expect(third).not.toBe(first);
    expect(third).toContain(CAROL);
  });

  it('accepts null, missing and string profile fields', async () => {
    await server.close();
    server = await FakeMatrixServer.start({
      membership,
      profileOf: (userId) =>
        userId === ALICE
          ? { display_name: 'Alice', avatar_url: 'mxc://hs.test/a' }
          : userId === BOB
            ? {}
            : { display_name: null, avatar_url: null },
    });
    expect((await adapter().getJoinedMembers([A])).get(A)).toEqual([ALICE, BOB, OBSERVER]);
  });

  it('asserts the application service user with ?user_id=', async () => {
    const source = adapter({ auth: { type: 'appservice', asToken: 'as-token', userId: CAROL } });
    const members = await source.getJoinedMembers([A, C]);
    expect([...members.keys()]).toEqual([C]);
    expect(server.requests.every((r) => r.query.get('user_id') === CAROL)).toBe(true);
    expect(server.requests.every((r) => r.authorization === 'Bearer as-token')).toBe(true);
  });

  it('answers rooms of users from the rooms fetched so far (documented limitation)', async () => {
    const source = adapter();
    expect((await source.getRoomsForUsers([ALICE])).get(ALICE)).toEqual([]);
    await source.getJoinedMembers([A, B]);
    expect((await source.getRoomsForUsers([ALICE, BOB, CAROL])).get(ALICE)).toEqual([A, B]);
    expect((await source.getRoomsForUsers([BOB])).get(BOB)).toEqual([A]);
    membership.leave(B, ALICE);
    await source.getJoinedMembers([B]);
    expect((await source.getRoomsForUsers([ALICE])).get(ALICE)).toEqual([A]);
    server.inject({ type: 'status', status: 403 }, { roomId: A });
    await source.getJoinedMembers([A]);
    expect((await source.getRoomsForUsers([ALICE])).get(ALICE)).toEqual([]);
  });

  it('with scanJoinedRooms, lists /joined_rooms and refreshes them first', async () => {
    const source = adapter({ scanJoinedRooms: true });
    const rooms = await source.getRoomsForUsers([ALICE, BOB]);
    expect(rooms.get(ALICE)).toEqual([A, B]);
    expect(rooms.get(BOB)).toEqual([A]);
    expect(server.requests.some((r) => r.path === '/_matrix/client/v3/joined_rooms')).toBe(true);
  });
});

describe('MatrixHttpMembership, Synapse admin API', () => {
  it('reads every room the server knows; empty member lists are left, 404 unknown', async () => {
    const source = admin();
    const members = await source.getJoinedMembers([A, C, GONE, NOPE]);
    expect(members.get(C)).toEqual([CAROL]);
    expect(members.get(A)).toEqual([ALICE, BOB, OBSERVER]);
    expect(members.has(GONE)).toBe(false);
    expect(members.has(NOPE)).toBe(false);
    const statuses = await source.getRoomStatuses([C, GONE, NOPE]);
    expect(statuses.get(C)).toEqual({ status: 'participating', joinedCount: 1 });
    expect(statuses.get(GONE)?.status).toBe('left');
    expect(statuses.get(NOPE)?.status).toBe('unknown');
    expect(server.requests[0]?.path).toBe(
      `/_synapse/admin/v1/rooms/${encodeURIComponent(A)}/members`,
    );
  });

  it('with rememberMembers false, hands out a new array on every call', async () => {
    const source = admin({ rememberMembers: false });
    const first = (await source.getJoinedMembers([A])).get(A);
    const second = (await source.getJoinedMembers([A])).get(A);
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    const remembering = admin();
    const one = (await remembering.getJoinedMembers([A])).get(A);
    expect((await remembering.getJoinedMembers([A])).get(A)).toBe(one);
  });

  it('reads rooms of users from the admin API', async () => {
    const rooms = await admin().getRoomsForUsers([ALICE, CAROL, '@nobody:hs.test']);
    expect(rooms.get(ALICE)).toEqual([A, B]);
    expect(rooms.get(CAROL)).toEqual([C]);
    expect(rooms.get('@nobody:hs.test')).toEqual([]);
    expect(server.requests[0]?.path).toBe(
      `/_synapse/admin/v1/users/${encodeURIComponent(ALICE)}/joined_rooms`,
    );
  });

  it('with serverName, treats rooms without local members as left', async () => {
    const body = { members: ['@x:other.test', '@y:other.test'], total: 2 };
    server.inject({ type: 'json', body }, { roomId: A });
    expect((await admin({ serverName: HS }).getJoinedMembers([A])).has(A)).toBe(false);
    expect((await admin().getJoinedMembers([A])).get(A)).toEqual(body.members);
  });

  it('reports a non-admin token as UNAUTHORIZED', async () => {
    const source = adapter({ auth: { type: 'admin', accessToken: 'user-token' } });
    const error = await rejection(source.getJoinedMembers([A, B]));
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.status).toBe(403);
    expect(error.message).toMatch(/server admin/);
  });
});

describe('MatrixHttpMembership failures', () => {
  it('turns 401 into a clear credentials error without retrying', async () => {
    const source = adapter({ auth: { type: 'user', accessToken: 'wrong' } });
    const error = await rejection(source.getJoinedMembers([A, B]));
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.status).toBe(401);
    expect(error.errcode).toBe('M_UNKNOWN_TOKEN');
    expect(error.message).toMatch(/access token/);
    expect(server.requestsFor(A)).toHaveLength(1);
    const settled = await rejection(source.getJoinedMembersSettled([A]));
    expect(settled.code).toBe('UNAUTHORIZED');
  });

  it('honours Retry-After on 429, then succeeds', async () => {
    server.inject(
      {
        type: 'status',
        status: 429,
        headers: { 'retry-after': '0' },
        body: { errcode: 'M_LIMIT_EXCEEDED', error: 'slow down' },
      },
      { roomId: A, times: 2 },
    );
    const members = await adapter().getJoinedMembers([A]);
    expect(members.get(A)).toHaveLength(3);
    expect(server.requestsFor(A)).toHaveLength(3);
  });

  it('honours retry_after_ms in the body, and caps huge hints', async () => {
    server.inject(
      {
        type: 'status',
        status: 429,
        body: { errcode: 'M_LIMIT_EXCEEDED', error: 'x', retry_after_ms: 3_600_000 },
      },
      { roomId: A, times: 1 },
    );
    server.inject(
      { type: 'status', status: 429, headers: { 'retry-after': '86400' } },
      { roomId: B, times: 1 },
    );
    // maxRetryAfterMs is 5 ms: an hour's hint must not stall the test.
    const members = await adapter().getJoinedMembers([A, B]);
    expect(members.size).toBe(2);
    expect(server.requestsFor(A)).toHaveLength(2);
    expect(server.requestsFor(B)).toHaveLength(2);
  });

  it('gives RATE_LIMITED once maxAttempts 429s were received', async () => {
    server.inject(
      { type: 'status', status: 429, body: { errcode: 'M_LIMIT_EXCEEDED', error: 'x' } },
      { roomId: A },
    );
    const error = await rejection(adapter().getJoinedMembers([A]));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.status).toBe(429);
    expect(error.errcode).toBe('M_LIMIT_EXCEEDED');
    expect(error.roomId).toBe(A);
    expect(error.message).toMatch(/after 3 attempts/);
    expect(server.requestsFor(A)).toHaveLength(FAST.maxAttempts);
  });

  it('retries 5xx, then succeeds', async () => {
    server.inject({ type: 'status', status: 502 }, { roomId: A, times: 2 });
    expect((await adapter().getJoinedMembers([A])).get(A)).toHaveLength(3);
    expect(server.requestsFor(A)).toHaveLength(3);
  });

  it('gives SERVER_ERROR after maxAttempts 5xx answers', async () => {
    server.inject({ type: 'status', status: 500 }, { roomId: A });
    const error = await rejection(
      adapter({ retry: { ...FAST, maxAttempts: 4 } }).getJoinedMembers([A]),
    );
    expect(error.code).toBe('SERVER_ERROR');
    expect(error.status).toBe(500);
    expect(server.requestsFor(A)).toHaveLength(4);
  });

  it('retries dropped connections, then gives NETWORK_ERROR', async () => {
    server.inject({ type: 'destroy' }, { roomId: A, times: 1 });
    expect((await adapter().getJoinedMembers([A])).get(A)).toHaveLength(3);
    expect(server.requestsFor(A)).toHaveLength(2);
    server.inject({ type: 'destroy' }, { roomId: B });
    const error = await rejection(adapter().getJoinedMembers([B]));
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.roomId).toBe(B);
    expect(server.requestsFor(B)).toHaveLength(3);
  });

  it('times out a handler that never answers, retries, then gives TIMEOUT', async () => {
    server.inject({ type: 'hang' }, { roomId: A, times: 1 });
    // Generous for a loaded CI machine: the answering attempt must not time out.
    const source = adapter({ timeoutMs: 400 });
    expect((await source.getJoinedMembers([A])).get(A)).toHaveLength(3);
    expect(server.requestsFor(A)).toHaveLength(2);
    server.inject({ type: 'hang' }, { roomId: B });
    const error = await rejection(source.getJoinedMembers([B]));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toMatch(/400 ms/);
    expect(server.requestsFor(B)).toHaveLength(3);
  });

  it('names the room of a garbage body and still answers the other rooms', async () => {
    server.inject({ type: 'raw', body: '<html>oops' }, { roomId: A });
    const source = adapter();
    const settled = await source.getJoinedMembersSettled([A, B]);
    expect(settled.found.get(B)).toEqual([ALICE, OBSERVER]);
    const error = settled.errors.get(A);
    expect(error?.code).toBe('MALFORMED_RESPONSE');
    expect(error?.roomId).toBe(A);
    expect(error?.message).toContain(A);
    expect(server.requestsFor(A)).toHaveLength(1);
  });

  it.each([
    ['a declared', true],
    ['an undeclared (chunked)', false],
  ])('stops reading %s oversized body', async (_label, declareLength) => {
    server.inject({ type: 'oversized', bytes: 2_000_000, declareLength }, { roomId: A });
    const settled = await adapter({ maxResponseBytes: 100_000 }).getJoinedMembersSettled([A, B]);
    expect(settled.errors.get(A)?.code).toBe('MALFORMED_RESPONSE');
    expect(settled.errors.get(A)?.message).toMatch(/100000/);
    expect(settled.found.has(B)).toBe(true);
  });

  it.each([
    ['an array', []],
    ['no "joined"', { chunk: [] }],
    ['"joined" as an array', { joined: ['@a:hs.test'] }],
    ['a non-object profile', { joined: { '@a:hs.test': 5 } }],
    ['a key that is not a user ID', { joined: { alice: {} } }],
  ])('rejects a joined_members body with %s', async (_label, body) => {
    server.inject({ type: 'json', body }, { roomId: A });
    const error = (await adapter().getJoinedMembersSettled([A])).errors.get(A);
    expect(error?.code).toBe('MALFORMED_RESPONSE');
    expect(error?.roomId).toBe(A);
  });

  it.each([
    ['"members" as a string', { members: 'x', total: 1 }],
    ['a number among members', { members: [1], total: 1 }],
    ['a bad total', { members: [], total: 'many' }],
  ])('rejects an admin members body with %s', async (_label, body) => {
    server.inject({ type: 'json', body }, { roomId: A });
    const error = (await admin().getJoinedMembersSettled([A])).errors.get(A);
    expect(error?.code).toBe('MALFORMED_RESPONSE');
    expect(error?.roomId).toBe(A);
  });

  it('rejects an unexpected status per room', async () => {
    server.inject(
      { type: 'status', status: 418, body: { errcode: 'M_TEAPOT', error: 'no' } },
      { roomId: A },
    );
    const error = (await adapter().getJoinedMembersSettled([A])).errors.get(A);
    expect(error?.code).toBe('UNEXPECTED_STATUS');
    expect(error?.status).toBe(418);
    expect(error?.errcode).toBe('M_TEAPOT');
  });

  it('by default rejects the batch with one error listing the failed rooms', async () => {
    server.inject({ type: 'status', status: 500 }, { roomId: A });
    server.inject({ type: 'raw', body: 'nope' }, { roomId: C });
    const seen: string[] = [];
    const source = adapter({ onError: (_error, key) => seen.push(key) });
    const error = await rejection(source.getJoinedMembers([A, B, C]));
    expect(error.message).toMatch(/2 of 3 rooms/);
    expect(error.message).toContain(A);
    expect(error.message).toContain(C);
    expect(error.cause).toBeInstanceOf(AggregateError);
    const inner = (error.cause as AggregateError).errors as MembershipError[];
    expect(inner.map((e) => [e.roomId, e.code])).toEqual([
      [A, 'SERVER_ERROR'],
      [C, 'MALFORMED_RESPONSE'],
    ]);
    expect(seen.sort()).toEqual([A, C].sort());
  });

  it("with onPartialFailure 'omit', answers the other rooms and reports the failed ones", async () => {
    server.inject({ type: 'status', status: 500 }, { roomId: A });
    const errors: MembershipError[] = [];
    const source = adapter({ onPartialFailure: 'omit', onError: (error) => errors.push(error) });
    const members = await source.getJoinedMembers([A, B]);
    expect([...members.keys()]).toEqual([B]);
    expect(errors.map((e) => [e.roomId, e.code])).toEqual([[A, 'SERVER_ERROR']]);
  });

  it('reports per-user failures of the admin API', async () => {
    server.inject({ type: 'json', body: { joined_rooms: 'x' } }, { userId: ALICE });
    const settled = await admin().getRoomsForUsersSettled([ALICE, CAROL]);
    expect(settled.found.get(CAROL)).toEqual([C]);
    expect(settled.errors.get(ALICE)?.code).toBe('MALFORMED_RESPONSE');
    expect(settled.errors.get(ALICE)?.message).toContain(ALICE);
  });

  it('rejects invalid room IDs before sending anything', async () => {
    const error = await rejection(adapter().getJoinedMembers([A, 'not-a-room']));
    expect(error.code).toBe('INVALID_ROOM_ID');
    expect(server.requests).toHaveLength(0);
  });
});

describe('MatrixHttpMembership limits and lifecycle', () => {
  it('keeps at most `concurrency` requests in flight', async () => {
    const rooms = Array.from({ length: 12 }, (_, i) => `!r${i}:${HS}`);
    for (const roomId of rooms) membership.joinAll(roomId, [OBSERVER]);
    server.inject({ type: 'delay', ms: 60 });
    const source = adapter({ concurrency: 3 });
    const members = await source.getJoinedMembers(rooms);
    expect(members.size).toBe(12);
    expect(server.maxInFlight).toBe(3);
    expect(source.client.limit.active).toBe(0);
  });

  it('close() aborts requests in flight and refuses later calls', async () => {
    server.inject({ type: 'hang' }, { roomId: A });
    const source = adapter({ timeoutMs: 60_000 });
    const pending = source.getJoinedMembers([A]);
    while (server.requestsFor(A).length === 0) await new Promise((r) => setTimeout(r, 2));
    source.close();
    expect((await rejection(pending)).code).toBe('CLOSED');
    expect((await rejection(source.getJoinedMembers([B]))).code).toBe('CLOSED');
    expect((await rejection(source.getRoomsForUsers([ALICE]))).code).toBe('CLOSED');
    expect(server.requestsFor(B)).toHaveLength(0);
  });

  it.each([
    ['a bad base URL', { baseUrl: 'not a url' }],
    ['a non-HTTP base URL', { baseUrl: 'ftp://127.0.0.1/' }],
    ['an empty token', { auth: { type: 'user', accessToken: '' } }],
    ['an unknown auth type', { auth: { type: 'password' } }],
    ['an invalid appservice user', { auth: { type: 'appservice', asToken: 't', userId: 'bob' } }],
    ['a zero concurrency', { concurrency: 0 }],
    ['a negative timeout', { timeoutMs: -1 }],
    ['zero attempts', { retry: { maxAttempts: 0 } }],
    ['an unknown failure policy', { onPartialFailure: 'ignore' }],
  ])('refuses %s with INVALID_OPTIONS', (_label, bad) => {
    expect(() => adapter(bad as unknown as Partial<MatrixHttpMembershipOptions>)).toThrowError(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
  });
});
