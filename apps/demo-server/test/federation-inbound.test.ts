/**
 * What b.test accepts from other servers, over real HTTP on 127.0.0.1: transactions from
 * hand-built origins that serve their real keys and sign (or spoil) what they send. A spoiled
 * transaction is refused with 401 and changes nothing; a replay is answered the same and not
 * applied again; a server's claims about another server's users are dropped.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson, verifyServerKeyResponse } from '@presence-router/federation';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  freePort,
  type Homeserver,
  keyDirectory,
  metric,
  startHomeserver,
} from './support/federating-servers.ts';
import { HandBuiltOrigin } from './support/hand-built-origin.ts';
import { startTestServer } from './support/test-server.ts';

const bob = '@bob:b.test';
const mallory = '@mallory:c.test';
const olga = '@olga:old.test';
const alice = '@alice:a.test';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

interface Setup {
  b: Homeserver;
  c: HandBuiltOrigin;
  old: HandBuiltOrigin;
  keys: string;
}

async function setup(extra = ''): Promise<Setup> {
  const keys = await keyDirectory();
  stops.push(() => keys.remove());
  const c = await HandBuiltOrigin.start('c.test', { port: await freePort() });
  stops.push(() => c.close());
  // Its key response says the keys were valid until a minute ago.
  const old = await HandBuiltOrigin.start('old.test', {
    port: await freePort(),
    keysValidForMs: -60_000,
  });
  stops.push(() => old.close());
  const b = await startHomeserver(
    {
      name: 'b.test',
      port: await freePort(),
      users: { [bob]: 'bob-token' },
      rooms: { '!mixed:b.test': [bob, mallory, olga, alice] },
      peers: { 'c.test': c.port, 'old.test': old.port, 'a.test': await freePort() },
      extra,
    },
    keys.path,
  );
  stops.push(() => b.close());
  return { b, c, old, keys: keys.path };
}

function online(userId: string, status: string): Record<string, unknown> {
  return { user_id: userId, presence: 'online', last_active_ago: 1000, status_msg: status };
}

/** Every status of `sender` bob has received since the start, in order. */
async function statusesSeenByBob(b: Homeserver, since: string, sender: string): Promise<string[]> {
  await b.server.service.caughtUp();
  const reply = await b.as('bob-token').sync({ since, set_presence: 'offline' });
  return reply.events
    .filter((event) => event.sender === sender)
    .map((event) => event.content.status_msg ?? '');
}

describe('inbound transactions from other servers', () => {
  it('a signed transaction is applied: the co-member sees the remote user, answer {pdus: {}}', async () => {
    const { b, c } = await setup();
    const since = (await b.as('bob-token').sync({ set_presence: 'offline' })).nextBatch;
    const answer = await c.send(
      b.url,
      'b.test',
      c.nextTxnId(),
      c.presenceTransaction([online(mallory, 'hello')]),
    );
    expect(answer).toEqual({ status: 200, body: { pdus: {} } });
    expect(await statusesSeenByBob(b, since, mallory)).toEqual(['hello']);
  });

  it('a tampered body, a wrong key, a wrong destination, no signature and an expired key are refused with 401 and change nothing', async () => {
    const { b, c, old } = await setup();
    const since = (await b.as('bob-token').sync({ set_presence: 'offline' })).nextBatch;
    const send = (status: string, spoil: Parameters<HandBuiltOrigin['send']>[4]) =>
      c.send(
        b.url,
        'b.test',
        c.nextTxnId(),
        c.presenceTransaction([online(mallory, status)]),
        spoil,
      );
    const impostor = await c.impostorKey();
    const refusals = [
      await send('signed', {
        tamper: () => c.presenceTransaction([online(mallory, 'tampered')]),
      }),
      await send('wrong key', { signWith: impostor }),
      await send('wrong destination', { destination: 'elsewhere.test' }),
      await send('unsigned', { unsigned: true }),
      await old.send(
        b.url,
        'b.test',
        old.nextTxnId(),
        old.presenceTransaction([online(olga, 'expired key')]),
      ),
    ];
    for (const refusal of refusals) {
      expect(refusal).toMatchObject({ status: 401, body: { errcode: 'M_UNAUTHORIZED' } });
    }
    expect(await metric(b, 'presence_router_federation_requests_rejected_total')).toBe(5);
    expect(await statusesSeenByBob(b, since, mallory)).toEqual([]);
    expect(await statusesSeenByBob(b, since, olga)).toEqual([]);
    // The same origin, signing properly, is still heard.
    expect((await send('proper', {})).status).toBe(200);
    expect(await statusesSeenByBob(b, since, mallory)).toEqual(['proper']);
  });

  it('a replayed txnId is answered the same and not applied again (a newer state is not undone)', async () => {
    const { b, c } = await setup();
    const since = (await b.as('bob-token').sync({ set_presence: 'offline' })).nextBatch;
    const first = c.presenceTransaction([online(mallory, 'one')]);
    expect((await c.send(b.url, 'b.test', 'txn-1', first)).status).toBe(200);
    const second = c.presenceTransaction([online(mallory, 'two')]);
    expect((await c.send(b.url, 'b.test', 'txn-2', second)).status).toBe(200);
    expect(await c.send(b.url, 'b.test', 'txn-1', first)).toEqual({
      status: 200,
      body: { pdus: {} },
    });
    expect(await metric(b, 'presence_router_federation_transactions_received_total')).toBe(2);
    expect(await statusesSeenByBob(b, since, mallory)).toEqual(['two']);
  });

  it("presence a server sends for another server's user is dropped and counted", async () => {
    const { b, c } = await setup();
    const since = (await b.as('bob-token').sync({ set_presence: 'offline' })).nextBatch;
    const answer = await c.send(
      b.url,
      'b.test',
      c.nextTxnId(),
      c.presenceTransaction([
        online(alice, 'forged'),
        online(bob, 'forged too'),
        online(mallory, 'mine'),
      ]),
    );
    expect(answer.status).toBe(200);
    expect(await metric(b, 'presence_router_federation_presence_rejected_total')).toBe(2);
    expect(await statusesSeenByBob(b, since, alice)).toEqual([]);
    expect(await statusesSeenByBob(b, since, mallory)).toEqual(['mine']);
    const bobNow = await b
      .as('bob-token')
      .request('GET', `/_matrix/client/v3/presence/${encodeURIComponent(bob)}/status`);
    expect(bobNow.body.status_msg).toBeUndefined();
  });

  it('federation_domain_whitelist: other servers are refused with 403 M_FORBIDDEN', async () => {
    const { b, c } = await setup("federation_domain_whitelist: ['a.test']\n");
    const answer = await c.send(
      b.url,
      'b.test',
      c.nextTxnId(),
      c.presenceTransaction([online(mallory, 'not listed')]),
    );
    expect(answer).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
  });

  it('serves its self-signed key from the signing key file it generated (0600), the same key after a restart', async () => {
    const { b, keys } = await setup();
    const path = join(keys, 'b.test.signing.key');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const response = await (await fetch(`${b.url}/_matrix/key/v2/server`)).json();
    const verified = await verifyServerKeyResponse(response, 'b.test');
    expect(verified.validUntilTs).toBeGreaterThan(Date.now());
    const [keyId] = [...verified.verifyKeys.keys()];
    const version = await (await fetch(`${b.url}/_matrix/federation/v1/version`)).json();
    expect(version).toEqual({ server: { name: 'presence-router', version: expect.any(String) } });

    await b.close();
    const again = await startHomeserver(
      {
        name: 'b.test',
        port: await freePort(),
        users: { [bob]: 'bob-token' },
        rooms: {},
        peers: {},
      },
      keys,
    );
    stops.push(() => again.close());
    const reread = await verifyServerKeyResponse(
      await (await fetch(`${again.url}/_matrix/key/v2/server`)).json(),
      'b.test',
    );
    expect([...reread.verifyKeys.keys()]).toEqual([keyId]);
  });

  it('with federation off (the default), the server-server endpoints answer 404 M_UNRECOGNIZED', async () => {
    const server = await startTestServer();
    stops.push(() => server.close());
    for (const [method, path] of [
      ['GET', '/_matrix/key/v2/server'],
      ['GET', '/_matrix/federation/v1/version'],
      ['PUT', '/_matrix/federation/v1/send/t1'],
    ] as const) {
      const reply = await fetch(`${server.url}${path}`, {
        method,
        body: method === 'PUT' ? '{}' : undefined,
      });
      expect({ path, status: reply.status, body: await reply.json() }).toMatchObject({
        path,
        status: 404,
        body: { errcode: 'M_UNRECOGNIZED' },
      });
    }
  });

  it('hostile transactions (fuzzed headers, bodies and paths) get a 4xx Matrix error, never a 5xx, and change nothing', async () => {
    const { b, c } = await setup();
    const since = (await b.as('bob-token').sync({ set_presence: 'offline' })).nextBatch;
    const valid = c.presenceTransaction([online(mallory, 'never')]);
    const json = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v));
    const body = fc.oneof(
      json,
      fc.string({ maxLength: 200 }),
      fc.constant('['.repeat(5000)),
      fc.constant(canonicalJson({ ...valid, edus: Array.from({ length: 101 }, () => valid.edus) })),
      fc.constant(JSON.stringify({ ...valid, pdus: 'x' })),
    );
    const authorization = fc.oneof(
      fc.constant(undefined),
      fc.string({ maxLength: 120 }).map((s) => `X-Matrix ${s}`),
      fc.constantFrom(
        'X-Matrix origin=c.test,key="ed25519:x",sig="AAAA"',
        `X-Matrix origin="c.test",destination="b.test",key="${c.key.keyId}",sig="${'A'.repeat(86)}"`,
        'Bearer nonsense',
        'X-Matrix origin="c.test",origin="c.test"',
      ),
    );
    const txnId = fc.oneof(
      fc.string({ minLength: 1, maxLength: 40 }),
      fc.constant('t'.repeat(2000)),
    );
    await fc.assert(
      fc.asyncProperty(body, authorization, txnId, async (text, auth, id) => {
        const reply = await fetch(`${b.url}/_matrix/federation/v1/send/${encodeURIComponent(id)}`, {
          method: 'PUT',
          headers: {
            'content-type': 'application/json',
            ...(auth === undefined ? {} : { authorization: auth }),
          },
          body: text,
        });
        const answer = (await reply.json()) as { errcode?: unknown };
        expect(reply.status).toBeGreaterThanOrEqual(400);
        expect(reply.status).toBeLessThan(500);
        expect(typeof answer.errcode).toBe('string');
      }),
      {
        numRuns: Number(process.env.FUZZ_RUNS ?? 150),
        seed: process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED),
      },
    );
    expect(await statusesSeenByBob(b, since, mallory)).toEqual([]);
  });
});
