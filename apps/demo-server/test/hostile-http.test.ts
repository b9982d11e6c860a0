/**
 * Hostile input over HTTP: every endpoint fuzzed with generated methods, paths, queries,
 * headers and bodies (never a 5xx, every error Matrix JSON, the server alive and quiet
 * afterwards); what Node's HTTP parser refuses, answered in Matrix JSON; bodies and stored
 * filters nested too deep; clients that abort an upload; the live page's access.
 * `FUZZ_RUNS=5000 FUZZ_SEED=1` run a longer or another fuzz pass.
 */
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HS, startTestServer, type TestServer, testConfigYaml } from './support/test-server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(testConfigYaml('max_sync_timeout: 1s\n'));
});
afterAll(async () => {
  await server.close();
});

const alice = `@alice:${HS}`;

/** Sends `text` on a raw connection; resolves to everything the server wrote back. */
function raw(text: string, endAfterMs = 300): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve) => {
    let out = '';
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(text));
    socket.on('data', (chunk) => {
      out += chunk.toString();
    });
    socket.on('close', () => resolve(out));
    socket.on('error', () => resolve(out));
    setTimeout(() => socket.end(), endAfterMs);
  });
}

function statusAndBody(response: string): { status: number; body: Record<string, unknown> } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);
  const body = response.slice(response.indexOf('\r\n\r\n') + 4);
  return { status, body: JSON.parse(body) as Record<string, unknown> };
}

const errorLines = (): string[] => server.logs.filter((line) => line.includes('"level":"error"'));

describe('requests the HTTP layer refuses, in Matrix JSON', () => {
  it.each([
    ['an unknown method', 'FOO / HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'M_UNRECOGNIZED'],
    [
      'a control character in the target',
      'GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n',
      400,
      'M_UNRECOGNIZED',
    ],
    [
      'headers over 16 KB',
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'M_TOO_LARGE',
    ],
    [
      'an invalid Host',
      'GET /_matrix/client/versions HTTP/1.1\r\nHost: a b\r\n\r\n',
      400,
      'M_UNRECOGNIZED',
    ],
    ['no Host (HTTP/1.1)', 'GET /_matrix/client/versions HTTP/1.1\r\n\r\n', 400, 'M_UNRECOGNIZED'],
    [
      'a Host on a hot route',
      `GET /_matrix/client/v3/sync HTTP/1.1\r\nHost: ::::\r\nAuthorization: Bearer alice-token-123\r\n\r\n`,
      400,
      'M_UNRECOGNIZED',
    ],
    ['an asterisk target', 'GET * HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'M_UNRECOGNIZED'],
    [
      'a bad chunk size',
      'PUT /_matrix/client/v3/presence/x/status HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      400,
      'M_UNRECOGNIZED',
    ],
  ])('%s', async (_what, request, status, errcode) => {
    const reply = statusAndBody(await raw(request));
    expect(reply.status).toBe(status);
    expect(reply.body.errcode).toBe(errcode);
  });

  it('HTTP/1.0 without a Host is served', async () => {
    const reply = statusAndBody(await raw('GET /_matrix/client/versions HTTP/1.0\r\n\r\n'));
    expect(reply.status).toBe(200);
    expect(reply.body.versions).toContain('v1.11');
  });

  it('a client aborting a chunked upload is logged at debug level, not as an error', async () => {
    const before = errorLines().length;
    for (const [method, path] of [
      ['POST', `/_matrix/client/v3/user/${encodeURIComponent(alice)}/filter`],
      ['PUT', `/_matrix/client/v3/presence/${encodeURIComponent(alice)}/status`],
    ]) {
      await raw(
        `${method} ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer alice-token-123\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"pre\r\n`,
        100,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(errorLines().length).toBe(before);
    expect(server.logs.some((line) => line.includes('client went away'))).toBe(true);
  });
});

describe('JSON nested too deep', () => {
  const deep = (levels: number): string => `{"a":${'['.repeat(levels)}${']'.repeat(levels)}}`;

  it('a filter of 5,000 nested arrays is refused with 400 M_BAD_JSON, and nothing is stored', async () => {
    const client = server.as('alice-token-123');
    const path = `/_matrix/client/v3/user/${encodeURIComponent(alice)}/filter`;
    const refused = await client.request('POST', path, undefined, deep(5000));
    expect(refused.status).toBe(400);
    expect(refused.body.errcode).toBe('M_BAD_JSON');
    const fine = await client.request('POST', path, undefined, deep(10));
    expect(fine.status).toBe(200);
    const stored = await client.request('GET', `${path}/${fine.body.filter_id}`);
    expect(stored.status).toBe(200);
  });

  it('a presence body nested too deep is 400 M_BAD_JSON on the fast path too', async () => {
    const reply = await server
      .as('alice-token-123')
      .request(
        'PUT',
        `/_matrix/client/v3/presence/${encodeURIComponent(alice)}/status`,
        undefined,
        deep(100),
      );
    expect(reply.status).toBe(400);
    expect(reply.body.errcode).toBe('M_BAD_JSON');
  });
});

describe('the live page', () => {
  it('needs the admin token (live_page: true)', async () => {
    expect((await server.as('').request('GET', '/')).status).toBe(401);
    expect((await server.as('alice-token-123').request('GET', '/')).status).toBe(403);
    const events = await server.as('').request('GET', '/_presence_router/live/v1/events');
    expect(events.status).toBe(401);
    expect(events.body.errcode).toBe('M_MISSING_TOKEN');
    const page = await fetch(`${server.url}/?access_token=admin-token-123`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
  });

  it('is open to anyone with live_page: public, and off with false', async () => {
    const open = await startTestServer(
      testConfigYaml().replace('live_page: true', 'live_page: public'),
    );
    const off = await startTestServer(
      testConfigYaml().replace('live_page: true', 'live_page: false'),
    );
    try {
      expect((await fetch(`${open.url}/`)).status).toBe(200);
      const disabled = await off.as('').request('GET', '/?access_token=admin-token-123');
      expect(disabled.status).toBe(404);
      expect(disabled.body.errcode).toBe('M_UNRECOGNIZED');
    } finally {
      await open.close();
      await off.close();
    }
  });
});

describe('every endpoint, fuzzed', () => {
  const userParam = fc.oneof(
    fc.constant(alice),
    fc.constant(`@bob:${HS}`),
    fc.constant('@x:remote.example'),
    fc.string({ maxLength: 40 }),
    fc.constantFrom(
      '%',
      '%zz',
      '%00',
      '%F0%9F',
      '@a:b:c',
      '@:',
      '!room',
      `@${'a'.repeat(300)}:${HS}`,
    ),
  );
  const roomParam = fc.oneof(
    fc.constantFrom(`!lobby:${HS}`, `!quiet:${HS}`, '!gone:nowhere', '!', '%21x', '!a:b'),
    fc.string({ maxLength: 40 }),
  );
  const segment = (value: fc.Arbitrary<string>) => value.map((v) => encodeURIComponent(v));
  const route = (method: string, paths: fc.Arbitrary<string>) =>
    paths.map((path) => ({ method, path }));
  /** Each endpoint with its own method, so the handlers behind the routing are reached. */
  const endpoint = fc.oneof(
    route(
      'GET',
      fc.constantFrom(
        '/_matrix/client/versions',
        '/_matrix/client/v3/login',
        '/_matrix/client/r0/account/whoami',
        '/_matrix/client/v3/capabilities',
        '/_matrix/client/v3/pushrules/',
        '/_matrix/client/v3/thirdparty/protocols',
        '/_matrix/client/v3/joined_rooms',
        '/_matrix/client/v3/sync',
        '/_matrix/client/r0/sync',
        '/_presence_router/admin/v1/explain',
        '/',
        '/health',
        '/metrics',
      ),
    ),
    route('POST', fc.constant('/_presence_router/admin/v1/send_local_online_presence_to')),
    route(
      'PUT',
      segment(userParam).map((u) => `/_matrix/client/v3/presence/${u}/status`),
    ),
    route(
      'GET',
      segment(userParam).map((u) => `/_matrix/client/v3/presence/${u}/status`),
    ),
    route(
      'POST',
      segment(userParam).map((u) => `/_matrix/client/v3/user/${u}/filter`),
    ),
    route(
      'GET',
      fc
        .tuple(segment(userParam), fc.string({ maxLength: 20 }))
        .map(([u, id]) => `/_matrix/client/v3/user/${u}/filter/${encodeURIComponent(id)}`),
    ),
    route(
      'GET',
      segment(roomParam).map((r) => `/_matrix/client/v3/rooms/${r}/joined_members`),
    ),
    route(
      'POST',
      fc
        .tuple(segment(roomParam), fc.constantFrom('join', 'leave'))
        .map(([r, action]) => `/_presence_router/admin/v1/rooms/${r}/${action}`),
    ),
    route(
      'GET',
      fc.oneof(
        fc.constantFrom(
          '/_matrix/client/v3/account_data',
          '/nope',
          '//',
          '/_matrix/client/v9/sync',
        ),
        fc.string({ maxLength: 60 }).map((junk) => `/${encodeURIComponent(junk)}`),
      ),
    ),
  );
  /** Mostly the endpoint's own method; sometimes any other. */
  const request = fc
    .tuple(
      endpoint,
      fc.oneof(
        { weight: 4, arbitrary: fc.constant(undefined) },
        {
          weight: 1,
          arbitrary: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
        },
      ),
    )
    .map(([{ method, path }, other]) => ({ method: other ?? method, path }));
  const queryValue = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom(
      '0',
      '1',
      '-1',
      '999999999999999999',
      'true',
      'false',
      'online',
      'offline',
      'unavailable',
      'p1_x',
      alice,
    ),
  );
  const query = fc
    .array(
      fc.tuple(
        fc.constantFrom(
          'since',
          'timeout',
          'set_presence',
          'full_state',
          'access_token',
          'user_id',
          'from',
          'to',
          'filter',
          'x',
        ),
        queryValue,
      ),
      { maxLength: 4 },
    )
    .map((pairs) => (pairs.length === 0 ? '' : `?${new URLSearchParams(pairs)}`));
  const body = fc.oneof(
    fc.constant(undefined),
    fc
      .record({ presence: fc.constantFrom('online', 'offline', 'unavailable') })
      .map((value) => JSON.stringify(value)),
    fc
      .record({
        users: fc.array(fc.constantFrom(alice, `@bob:${HS}`, '@x:remote.example'), {
          maxLength: 3,
        }),
      })
      .map((value) => JSON.stringify(value)),
    fc
      .record({ user_id: fc.constantFrom(alice, `@bob:${HS}`, `@zed:${HS}`) })
      .map((value) => JSON.stringify(value)),
    fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
    fc
      .record({
        presence: fc.oneof(
          fc.constantFrom('online', 'offline', 'unavailable', 'busy'),
          fc.jsonValue(),
        ),
        status_msg: fc.jsonValue(),
      })
      .map((value) => JSON.stringify(value)),
    fc
      .record({ users: fc.array(userParam, { maxLength: 5 }), user_id: userParam })
      .map((value) => JSON.stringify(value)),
    fc.string({ maxLength: 200 }),
    fc.integer({ min: 60, max: 3000 }).map((n) => '['.repeat(n)),
    fc.constant('{"a":"\\ud800"}'),
    fc.constant('x'.repeat(70_000)),
  );
  /** Mostly credentials that pass, so the handlers behind authentication are reached. */
  const authorization = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constantFrom(
        'Bearer alice-token-123',
        'Bearer admin-token-123',
        'Bearer appservice-token-123',
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(undefined, 'Bearer nope-nope-nope', 'Basic YTpi', 'Bearer'),
    },
  );

  it('never answers 5xx, answers every error in Matrix JSON, and the server stays up and quiet', async () => {
    const errorsBefore = errorLines().length;
    let requests = 0;
    await fc.assert(
      fc.asyncProperty(
        request,
        query,
        body,
        authorization,
        async ({ method: m, path: p }, q, b, auth) => {
          const withBody = m !== 'GET' && m !== 'HEAD' && b !== undefined;
          const response = await fetch(`${server.url}${p}${q}`, {
            method: m,
            headers: {
              ...(auth === undefined ? {} : { authorization: auth }),
              ...(withBody ? { 'content-type': 'application/json' } : {}),
            },
            body: withBody ? b : undefined,
          });
          requests++;
          const text = await response.text();
          expect(response.status, `${m} ${p}${q}`).toBeLessThan(500);
          if (response.status < 400 || m === 'HEAD' || response.status === 204) return;
          const parsed = JSON.parse(text) as { errcode?: unknown; error?: unknown };
          expect(parsed.errcode, `${m} ${p}${q}: ${text.slice(0, 200)}`).toMatch(/^M_[A-Z_]+$/);
          expect(typeof parsed.error).toBe('string');
        },
      ),
      {
        numRuns: Number(process.env.FUZZ_RUNS ?? 400),
        seed: Number(process.env.FUZZ_SEED ?? 20261201),
      },
    );
    expect(requests).toBe(Number(process.env.FUZZ_RUNS ?? 400));
    const alive = await server.as('').request('GET', '/_matrix/client/versions');
    expect(alive.status).toBe(200);
    expect(errorLines().slice(errorsBefore)).toEqual([]);
  }, 120_000);
});
