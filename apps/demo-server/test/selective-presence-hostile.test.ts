/**
 * Hostile input to the MSC4495 endpoints (enabled): account data `PUT`/`GET` with generated
 * user IDs, types and bodies (sharing settings of every shape included), and the federation
 * `presence_recipients` query without or with junk authentication: never a 5xx, every error
 * Matrix JSON, and the server still answers afterwards. `FUZZ_RUNS` raises the run count.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyDirectory } from './support/federating-servers.ts';
import { ALICE, accountDataPath, BOB, msc4495Yaml } from './support/msc4495-server.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

let server: TestServer;
let keys: { path: string; remove(): Promise<void> };
beforeAll(async () => {
  // Federation on (the query route exists), no peers.
  keys = await keyDirectory();
  server = await startTestServer(
    msc4495Yaml({
      extra: `federation:\n  enabled: true\nsigning_key_path: ${keys.path}/test.local.signing.key\n`,
    }),
  );
});
afterAll(async () => {
  await server.close();
  await keys.remove();
});

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);

describe('MSC4495 endpoints, fuzzed', () => {
  const user = fc.oneof(
    fc.constantFrom(ALICE, BOB, '@x:remote.example', '%', '%zz', '@a:b:c', '@:'),
    fc.string({ maxLength: 30 }),
  );
  const type = fc.oneof(
    fc.constantFrom(
      'm.presence.sharing',
      'org.continuwuity.presence_v2.msc4495.presence.sharing',
      'm.presence.prompted',
      'x.y',
      '',
      'a'.repeat(300),
    ),
    fc.string({ maxLength: 30 }),
  );
  const sharingValue = fc.oneof(fc.constantFrom('allow', 'deny'), fc.jsonValue({ maxDepth: 1 }));
  const sharing = fc.record(
    {
      share_locally: fc.oneof(fc.boolean(), fc.jsonValue({ maxDepth: 1 })),
      users: fc.dictionary(
        fc.oneof(fc.constantFrom(BOB, '@z:r.example'), fc.string()),
        sharingValue,
      ),
      rooms: fc.dictionary(fc.oneof(fc.constant('!family:test.local'), fc.string()), sharingValue),
      servers: fc.dictionary(fc.oneof(fc.constant('r.example'), fc.string()), sharingValue),
    },
    { requiredKeys: [] },
  );
  const body = fc.oneof(
    sharing.map((value) => JSON.stringify(value)),
    fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
    fc.string({ maxLength: 40 }),
  );
  const request = fc.record({
    method: fc.constantFrom('PUT', 'GET', 'PUT', 'DELETE'),
    user,
    type,
    body,
  });

  it('account data: no 5xx, every error Matrix JSON', async () => {
    const alice = server.as('alice-token-123');
    const seen = { errors: 0, successes: 0 };
    await fc.assert(
      fc.asyncProperty(request, async ({ method, user, type, body }) => {
        const path = accountDataPath(user, type);
        const reply = await alice.request(
          method,
          path,
          undefined,
          method === 'PUT' ? body : undefined,
        );
        expect(reply.status).toBeLessThan(500);
        // An error carries a Matrix errcode; a success does not.
        const failed = reply.status >= 400;
        expect(typeof reply.body.errcode).toBe(failed ? 'string' : 'undefined');
        seen[failed ? 'errors' : 'successes']++;
      }),
      {
        numRuns: RUNS,
        // Always run besides the generated ones, so that both outcomes occur whatever the seed
        // (a run of 200 may generate no success: about 1 seed in 150).
        examples: [
          [{ method: 'PUT', user: ALICE, type: 'm.presence.sharing', body: '{"users":{}}' }],
          [{ method: 'GET', user: ALICE, type: 'm.presence.sharing', body: '' }],
          [{ method: 'PUT', user: BOB, type: 'm.presence.sharing', body: '{}' }],
          [{ method: 'PUT', user: ALICE, type: 'x.y', body: '[1' }],
        ],
      },
    );
    // The requests reached both outcomes.
    expect(seen.errors).toBeGreaterThan(0);
    expect(seen.successes).toBeGreaterThan(0);
    // Still routing: alice's presence is accepted and her own sync answers.
    expect((await alice.setPresence(ALICE, 'online')).status).toBe(200);
    expect((await alice.sync()).events.some((event) => event.sender === ALICE)).toBe(true);
  });

  it('presence_recipients: unauthenticated or junk authorization is a 4xx Matrix error', async () => {
    const header = fc.oneof(
      fc.constant(undefined),
      fc.string({ maxLength: 80 }),
      fc
        .string({ maxLength: 40 })
        .map((junk) => `X-Matrix origin=x.example,key="ed25519:a",sig="${junk}"`),
    );
    const path = fc.constantFrom(
      '/_matrix/federation/v1/query/presence_recipients',
      '/_matrix/federation/unstable/org.continuwuity.presence_v2.msc4495/query/presence_recipients',
    );
    await fc.assert(
      fc.asyncProperty(path, user, header, async (base, userId, authorization) => {
        const response = await fetch(
          `${server.url}${base}?user_id=${encodeURIComponent(userId)}`,
          authorization === undefined ? {} : { headers: { authorization } },
        );
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        const json = (await response.json()) as { errcode?: unknown };
        expect(typeof json.errcode).toBe('string');
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });
});
