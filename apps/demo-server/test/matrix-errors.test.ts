import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HS,
  MatrixTestClient,
  startTestServer,
  type TestServer,
  testConfigYaml,
} from './support/test-server.ts';

const alice = `@alice:${HS}`;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer(
    testConfigYaml(`rc_presence:
  per_user: { per_second: 0.001, burst_count: 2 }
max_request_body_size: 1K
`),
  );
});

afterAll(async () => {
  await server.close();
});

function expectError(
  reply: { status: number; body: Record<string, unknown> },
  status: number,
  errcode: string,
): void {
  expect({ status: reply.status, errcode: reply.body.errcode }).toEqual({ status, errcode });
  expect(typeof reply.body.error).toBe('string');
}

const presencePath = (userId: string): string =>
  `/_matrix/client/v3/presence/${encodeURIComponent(userId)}/status`;

describe('Matrix errors: bad input never yields a 500', () => {
  it('unknown endpoints are 404 M_UNRECOGNIZED; a known path with another method is 405', async () => {
    const client = server.as('alice-token-123');
    expectError(
      await client.request('GET', '/_matrix/client/v3/nonexistent'),
      404,
      'M_UNRECOGNIZED',
    );
    expectError(await client.request('GET', '/nothing/here'), 404, 'M_UNRECOGNIZED');
    expectError(await client.request('DELETE', presencePath(alice)), 405, 'M_UNRECOGNIZED');
    expectError(await client.request('POST', '/_matrix/client/v3/sync'), 405, 'M_UNRECOGNIZED');
  });

  it('authentication: missing token, unknown token, malformed header', async () => {
    expectError(
      await new MatrixTestClient(server.url, '').request(
        'GET',
        '/_matrix/client/v3/account/whoami',
      ),
      401,
      'M_MISSING_TOKEN',
    );
    expectError(
      await server.as('wrong-token-xyz').request('GET', '/_matrix/client/v3/sync'),
      401,
      'M_UNKNOWN_TOKEN',
    );
    const response = await fetch(`${server.url}/_matrix/client/v3/account/whoami`, {
      headers: { authorization: 'Basic abc' },
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { errcode: string }).errcode).toBe('M_MISSING_TOKEN');
    const viaQuery = await new MatrixTestClient(server.url, '').request(
      'GET',
      '/_matrix/client/v3/account/whoami?access_token=alice-token-123',
    );
    expect(viaQuery.body.user_id).toBe(alice);
  });

  it('PUT presence: bodies that are not JSON objects, unknown keys, wrong types, another user', async () => {
    const client = server.as('bob-token-123');
    const bob = `@bob:${HS}`;
    expectError(
      await client.request('PUT', presencePath(bob), undefined, '{"presence": '),
      400,
      'M_NOT_JSON',
    );
    expectError(
      await client.request('PUT', presencePath(bob), undefined, '["online"]'),
      400,
      'M_BAD_JSON',
    );
    expectError(
      await client.request('PUT', presencePath(bob), { presence: 'online', mood: 'happy' }),
      400,
      'M_BAD_JSON',
    );
    expectError(
      await client.request('PUT', presencePath(bob), { presence: 'online', status_msg: 42 }),
      400,
      'M_INVALID_PARAM',
    );
    expectError(
      await client.request('PUT', presencePath(bob), { presence: 'asleep' }),
      400,
      'M_INVALID_PARAM',
    );
    expectError(await client.request('PUT', presencePath(bob), {}), 400, 'M_INVALID_PARAM');
    expectError(
      await client.request('PUT', presencePath(alice), { presence: 'online' }),
      403,
      'M_FORBIDDEN',
    );
    expectError(
      await client.request('PUT', presencePath('not-a-user'), { presence: 'online' }),
      400,
      'M_INVALID_PARAM',
    );
    expectError(await client.request('GET', presencePath('@nocolon')), 400, 'M_INVALID_PARAM');
  });

  it('a body over the limit is 413 M_TOO_LARGE', async () => {
    const client = server.as('carol-token-123');
    const reply = await client.request('PUT', presencePath(`@carol:${HS}`), {
      presence: 'online',
      status_msg: 'x'.repeat(4096),
    });
    expectError(reply, 413, 'M_TOO_LARGE');
  });

  it('per-user rate limit: 429 M_LIMIT_EXCEEDED with Retry-After and retry_after_ms', async () => {
    const client = server.as('dave-token-123');
    const dave = `@dave:${HS}`;
    expect((await client.setPresence(dave, 'online')).status).toBe(200);
    expect((await client.setPresence(dave, 'unavailable')).status).toBe(200);
    const limited = await client.setPresence(dave, 'online');
    expectError(limited, 429, 'M_LIMIT_EXCEEDED');
    expect(limited.body.retry_after_ms).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another user is not limited by dave's bucket.
    expect((await server.as('erin-token-123').setPresence(`@erin:${HS}`, 'online')).status).toBe(
      200,
    );
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^presence_router_rate_limited_total 1$/m);
  });

  it('sync: bad timeout, set_presence, full_state and since token', async () => {
    const client = server.as('alice-token-123');
    expectError(
      await client.request('GET', '/_matrix/client/v3/sync?timeout=soon'),
      400,
      'M_INVALID_PARAM',
    );
    expectError(
      await client.request('GET', '/_matrix/client/v3/sync?timeout=-5'),
      400,
      'M_INVALID_PARAM',
    );
    expectError(
      await client.request('GET', '/_matrix/client/v3/sync?set_presence=busy'),
      400,
      'M_INVALID_PARAM',
    );
    expectError(
      await client.request('GET', '/_matrix/client/v3/sync?full_state=yes'),
      400,
      'M_INVALID_PARAM',
    );
    expectError(
      await client.request('GET', '/_matrix/client/v3/sync?since=garbage'),
      400,
      'M_INVALID_PARAM',
    );
    // A token from the future of this run is invalid; one of an earlier run starts over.
    const instance = (await client.sync()).nextBatch.split('_')[1];
    expectError(
      await client.request('GET', `/_matrix/client/v3/sync?since=p999999_${instance}`),
      400,
      'M_INVALID_PARAM',
    );
    const restarted = await client.sync({ since: 'p5_earlierrun' });
    expect(restarted.nextBatch.endsWith(`_${instance}`)).toBe(true);
  });

  it('joined_members: bad room ID, a room the user is not in', async () => {
    const client = server.as('alice-token-123');
    expectError(
      await client.request('GET', '/_matrix/client/v3/rooms/lobby/joined_members'),
      400,
      'M_INVALID_PARAM',
    );
    expectError(
      await client.request(
        'GET',
        `/_matrix/client/v3/rooms/${encodeURIComponent(`!ops:${HS}`)}/joined_members`,
      ),
      403,
      'M_FORBIDDEN',
    );
    const ok = await client.request(
      'GET',
      `/_matrix/client/v3/rooms/${encodeURIComponent(`!lobby:${HS}`)}/joined_members`,
    );
    expect(ok.status).toBe(200);
    expect(Object.keys(ok.body.joined as object).sort()).toEqual([alice, `@bob:${HS}`]);
  });

  it('application service: invalid and non-local user_id', async () => {
    const as = server.as('appservice-token-123');
    expectError(
      await as.request('GET', '/_matrix/client/v3/account/whoami?user_id=bad'),
      400,
      'M_INVALID_PARAM',
    );
    expectError(
      await as.request(
        'GET',
        `/_matrix/client/v3/account/whoami?user_id=${encodeURIComponent('@x:elsewhere.example')}`,
      ),
      403,
      'M_FORBIDDEN',
    );
    expectError(
      await as.request('GET', '/_matrix/client/v3/account/whoami'),
      400,
      'M_MISSING_PARAM',
    );
  });

  it('admin API: token checks and parameters', async () => {
    const path = '/_presence_router/admin/v1/explain';
    expectError(
      await new MatrixTestClient(server.url, '').request(
        'GET',
        `${path}?from=${alice}&to=${alice}`,
      ),
      401,
      'M_MISSING_TOKEN',
    );
    expectError(
      await server.as('alice-token-123').request('GET', `${path}?from=${alice}&to=${alice}`),
      403,
      'M_FORBIDDEN',
    );
    expectError(
      await server.as('nobody-token-1').request('GET', `${path}?from=${alice}&to=${alice}`),
      401,
      'M_UNKNOWN_TOKEN',
    );
    const admin = server.as('admin-token-123');
    expectError(
      await admin.request('GET', `${path}?from=${encodeURIComponent(alice)}`),
      400,
      'M_MISSING_PARAM',
    );
    expectError(
      await admin.request('GET', `${path}?from=alice&to=${encodeURIComponent(alice)}`),
      400,
      'M_INVALID_PARAM',
    );
    const send = '/_presence_router/admin/v1/send_local_online_presence_to';
    expectError(await admin.request('POST', send, { users: '@a:b' }), 400, 'M_BAD_JSON');
    expectError(await admin.request('POST', send, { users: ['nope'] }), 400, 'M_INVALID_PARAM');
    expectError(await admin.request('POST', send, undefined, 'not json'), 400, 'M_NOT_JSON');
    expectError(
      await admin.request(
        'POST',
        `/_presence_router/admin/v1/rooms/${encodeURIComponent(`!lobby:${HS}`)}/join`,
        { user_id: 42 },
      ),
      400,
      'M_INVALID_PARAM',
    );
  });

  it('nothing above made the server log an internal error', () => {
    expect(server.logs.filter((line) => line.includes('"request failed"'))).toEqual([]);
  });
});

describe('operations and client bootstrap endpoints', () => {
  it('health, metrics, versions, capabilities, push rules, filters', async () => {
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', server_name: HS });
    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = await metrics.text();
    for (const name of [
      'presence_router_updates_total',
      'presence_router_deliveries_total',
      'presence_router_fan_out_seconds_bucket{le="+Inf"}',
      'presence_router_active_long_polls',
    ]) {
      expect(text).toContain(name);
    }
    const client = server.as('alice-token-123');
    const versions = await client.request('GET', '/_matrix/client/versions');
    expect(versions.body.versions).toContain('v1.11');
    expect((await client.request('GET', '/_matrix/client/v3/capabilities')).body).toHaveProperty(
      'capabilities',
    );
    expect((await client.request('GET', '/_matrix/client/v3/pushrules/')).body).toHaveProperty(
      'global',
    );
    const created = await client.request(
      'POST',
      `/_matrix/client/v3/user/${encodeURIComponent(alice)}/filter`,
      { presence: { types: ['m.presence'] } },
    );
    expect(created.status).toBe(200);
    const filterId = created.body.filter_id as string;
    const fetched = await client.request(
      'GET',
      `/_matrix/client/v3/user/${encodeURIComponent(alice)}/filter/${filterId}`,
    );
    expect(fetched.body).toEqual({ presence: { types: ['m.presence'] } });
    expectError(
      await client.request(
        'GET',
        `/_matrix/client/v3/user/${encodeURIComponent(alice)}/filter/none`,
      ),
      404,
      'M_NOT_FOUND',
    );
    expectError(
      await client.request(
        'POST',
        `/_matrix/client/v3/user/${encodeURIComponent(`@bob:${HS}`)}/filter`,
        {},
      ),
      403,
      'M_FORBIDDEN',
    );
  });
});
