/**
 * MSC4495 account data over HTTP: own user only, any type stored as is, `m.presence.sharing`
 * and `m.presence.prompted` validated, missing types 404; kept in Redis (a key prefix of
 * its own) across a restart and shared by two instances; a Redis that stops answering is a
 * 503 with `Retry-After`. Disabled, nothing changes.
 */

import { ACCOUNT_DATA_TYPES } from '@presence-router/selective-presence';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ALICE,
  BOB,
  getAccountData,
  msc4495Yaml,
  putAccountData,
} from './support/msc4495-server.ts';
import { deletePrefix, sharedRedisClient, uniqueKeyPrefix } from './support/shared-redis.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';
import { redisAvailable, redisBlock } from './support/test-store.ts';

const [SHARING, UNSTABLE_SHARING] = ACCOUNT_DATA_TYPES.sharing;
const [PROMPTED] = ACCOUNT_DATA_TYPES.prompted;

const servers: TestServer[] = [];
const prefixes: string[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const prefix of prefixes.splice(0)) await deletePrefix(prefix);
});

async function start(yaml: string): Promise<TestServer> {
  const server = await startTestServer(yaml);
  servers.push(server);
  return server;
}

/** The account data behaviour, on whichever store `yaml` names. */
function accountDataContract(name: string, yaml: () => string): void {
  describe(`account data (${name})`, () => {
    it('stores any type as is and returns it; a missing type is 404 M_NOT_FOUND', async () => {
      const alice = (await start(yaml())).as('alice-token-123');
      const content = { nested: { list: [1, 'two', null] }, 'odd key': true };
      expect((await putAccountData(alice, ALICE, 'com.example.anything', content)).status).toBe(
        200,
      );
      const read = await getAccountData(alice, ALICE, 'com.example.anything');
      expect(read.status).toBe(200);
      expect(read.body).toEqual(content);
      const missing = await getAccountData(alice, ALICE, 'com.example.never');
      expect(missing.status).toBe(404);
      expect(missing.body.errcode).toBe('M_NOT_FOUND');
    });

    it('only the own user: 403 M_FORBIDDEN for another user, both ways', async () => {
      const server = await start(yaml());
      await putAccountData(server.as('bob-token-123'), BOB, SHARING, { share_locally: true });
      const alice = server.as('alice-token-123');
      const put = await putAccountData(alice, BOB, SHARING, {});
      expect(put.status).toBe(403);
      expect(put.body.errcode).toBe('M_FORBIDDEN');
      const get = await getAccountData(alice, BOB, SHARING);
      expect(get.status).toBe(403);
      expect(get.body.errcode).toBe('M_FORBIDDEN');
      const remote = await putAccountData(alice, '@alice:remote.example', SHARING, {});
      expect(remote.status).toBe(403);
      const invalid = await putAccountData(alice, 'alice', SHARING, {});
      expect(invalid.status).toBe(400);
      expect(invalid.body.errcode).toBe('M_INVALID_PARAM');
      // Bob's settings were not overwritten.
      expect((await getAccountData(server.as('bob-token-123'), BOB, SHARING)).body).toEqual({
        share_locally: true,
      });
    });

    it('the body must be a JSON object: M_NOT_JSON, M_BAD_JSON', async () => {
      const alice = (await start(yaml())).as('alice-token-123');
      const path = `/_matrix/client/v3/user/${encodeURIComponent(ALICE)}/account_data/x.y`;
      const notJson = await alice.request('PUT', path, undefined, '{not json');
      expect(notJson.status).toBe(400);
      expect(notJson.body.errcode).toBe('M_NOT_JSON');
      const array = await alice.request('PUT', path, [1, 2]);
      expect(array.status).toBe(400);
      expect(array.body.errcode).toBe('M_BAD_JSON');
      expect((await getAccountData(alice, ALICE, 'x.y')).status).toBe(404);
    });

    it('m.presence.sharing (both names) is validated: 400 M_BAD_JSON with the reason', async () => {
      const alice = (await start(yaml())).as('alice-token-123');
      for (const type of [SHARING, UNSTABLE_SHARING] as string[]) {
        const bad = await putAccountData(alice, ALICE, type, {
          share_locally: 'yes',
          rooms: { '!r:test.local': 'deny' },
        });
        expect(bad.status).toBe(400);
        expect(bad.body.errcode).toBe('M_BAD_JSON');
        expect(bad.body.error).toContain('share_locally');
        expect((await getAccountData(alice, ALICE, type)).status).toBe(404);
        const good = { share_locally: false, users: { [BOB]: 'allow' }, future_key: 1 };
        expect((await putAccountData(alice, ALICE, type, good)).status).toBe(200);
        // Stored as written, unknown keys included.
        expect((await getAccountData(alice, ALICE, type)).body).toEqual(good);
      }
    });

    it('m.presence.prompted is validated, then stored as is', async () => {
      const alice = (await start(yaml())).as('alice-token-123');
      const bad = await putAccountData(alice, ALICE, PROMPTED as string, { users: 'everyone' });
      expect(bad.status).toBe(400);
      expect(bad.body.errcode).toBe('M_BAD_JSON');
      const good = { users: [BOB], rooms: [] };
      expect((await putAccountData(alice, ALICE, PROMPTED as string, good)).status).toBe(200);
      expect((await getAccountData(alice, ALICE, PROMPTED as string)).body).toEqual(good);
    });
  });
}

accountDataContract('memory', () => msc4495Yaml());

const redisUp = redisAvailable();

describe.skipIf(!redisUp)('account data in Redis', () => {
  const redisYaml = (): { yaml: string; prefix: string } => {
    const prefix = uniqueKeyPrefix('msc4495');
    prefixes.push(prefix);
    return { yaml: msc4495Yaml({ extra: redisBlock(prefix) }), prefix };
  };

  accountDataContract('redis', () => redisYaml().yaml);

  it('is a hash <key_prefix>:account_data:<userId>, kept across a restart, shared by instances', async () => {
    const { yaml, prefix } = redisYaml();
    const first = await start(yaml);
    await putAccountData(first.as('alice-token-123'), ALICE, SHARING as string, {
      share_locally: true,
    });
    const other = await start(yaml);
    expect(
      (await getAccountData(other.as('alice-token-123'), ALICE, SHARING as string)).body,
    ).toEqual({
      share_locally: true,
    });
    await first.close();
    servers.splice(servers.indexOf(first), 1);
    const again = await start(yaml);
    expect(
      (await getAccountData(again.as('alice-token-123'), ALICE, SHARING as string)).body,
    ).toEqual({
      share_locally: true,
    });
    const redis = sharedRedisClient();
    try {
      const stored = await redis.hget(`${prefix}:account_data:${ALICE}`, SHARING as string);
      expect(JSON.parse(stored ?? 'null')).toEqual({ share_locally: true });
    } finally {
      redis.disconnect();
    }
  });

  it('after a restart the stored settings route again, before the user updates', async () => {
    const { yaml } = redisYaml();
    const first = await start(yaml);
    await putAccountData(first.as('alice-token-123'), ALICE, SHARING as string, {
      users: { [BOB]: 'allow' },
    });
    await first.as('alice-token-123').setPresence(ALICE, 'online');
    await first.close();
    servers.splice(servers.indexOf(first), 1);
    const again = await start(yaml);
    const shows = async (token: string) =>
      (await again.as(token).sync({ set_presence: 'offline' })).events.some(
        (event) => event.sender === ALICE,
      );
    expect(await shows('bob-token-123')).toBe(true);
    expect(await shows('carol-token-123')).toBe(false);
  });

  it('a Redis that stops answering: 503 M_UNKNOWN with Retry-After, never a 500', async () => {
    const { yaml } = redisYaml();
    const server = await start(yaml);
    const store = server.server.context.selectivePresence?.accountData;
    expect(store).toBeDefined();
    // The store's own client goes away (as when Redis is unreachable); presence keeps its own.
    await store?.close();
    const alice = server.as('alice-token-123');
    for (const reply of [
      await putAccountData(alice, ALICE, 'x.y', {}),
      await getAccountData(alice, ALICE, 'x.y'),
    ]) {
      expect(reply.status).toBe(503);
      expect(reply.body.errcode).toBe('M_UNKNOWN');
      expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });
});

describe('MSC4495 disabled', () => {
  it('account data is not kept (GET 404, PUT 405), as before', async () => {
    const alice = (await start(msc4495Yaml({ enabled: false }))).as('alice-token-123');
    const put = await putAccountData(alice, ALICE, SHARING as string, { share_locally: true });
    expect(put.status).toBe(405);
    expect(put.body.errcode).toBe('M_UNRECOGNIZED');
    const get = await getAccountData(alice, ALICE, SHARING as string);
    expect(get.status).toBe(404);
    expect(get.body.errcode).toBe('M_NOT_FOUND');
  });
});
