import type { UserPresenceState } from '@presence-router/core';
import { RecordingLogger } from '@presence-router/test-support';
import { beforeEach, describe, expect, it } from 'vitest';
import { federationVersionBody } from '../src/federation-version.ts';
import {
  InboundTransactionHandler,
  type InboundTransactionHandlerOptions,
} from '../src/inbound-transactions.ts';
import { ServerKeyStore } from '../src/server-key-store.ts';
import { type SigningKey, signingKeyFromSeed } from '../src/signing-key.ts';
import { buildXMatrixAuthorization } from '../src/x-matrix.ts';
import { FakeNetwork, type FakeServer, fakeServer } from './fakes/fake-network.ts';
import { drain, ManualClock } from './fakes/manual-clock.ts';
import { deferred } from './fakes/recording-transport.ts';

const DAY = 86_400_000;

let clock: ManualClock;
let remote: FakeServer;
let keyStore: ServerKeyStore;
let logger: RecordingLogger;
let received: { origin: string; states: readonly UserPresenceState[] }[];

beforeEach(async () => {
  clock = new ManualClock();
  const network = new FakeNetwork();
  remote = await fakeServer('remote.example', { validUntilTs: clock.now() + DAY });
  remote.attach(network);
  (await fakeServer('third.example', { validUntilTs: clock.now() + DAY, seedByte: 3 })).attach(
    network,
  );
  keyStore = new ServerKeyStore({ fetch: network.fetch, clock });
  logger = new RecordingLogger();
  received = [];
});

function handler(options: Partial<InboundTransactionHandlerOptions> = {}) {
  return new InboundTransactionHandler({
    serverName: 'hs.example',
    keyStore,
    clock,
    logger,
    onPresence: (states, origin) => {
      received.push({ origin, states });
    },
    ...options,
  });
}

function presence(...push: unknown[]) {
  return { edu_type: 'm.presence', content: { push } };
}

async function request(
  txnId: string,
  body: Record<string, unknown>,
  options: { key?: SigningKey; destination?: string; origin?: string; uri?: string } = {},
) {
  const uri = options.uri ?? `/_matrix/federation/v1/send/${txnId}`;
  const origin = options.origin ?? 'remote.example';
  const authorization = await buildXMatrixAuthorization({
    method: 'PUT',
    uri,
    origin,
    destination: options.destination ?? 'hs.example',
    content: body as never,
    signingKey: options.key ?? remote.key,
  });
  return {
    method: 'PUT',
    uri,
    authorization,
    body: new TextEncoder().encode(JSON.stringify(body)),
  };
}

const transaction = (...edus: unknown[]) => ({
  origin: 'remote.example',
  origin_server_ts: 1,
  pdus: [],
  edus,
});

describe('InboundTransactionHandler', () => {
  it('accepts presence of the origin users, converted against the receipt time', async () => {
    const inbound = handler();
    const response = await inbound.handle(
      await request(
        't1',
        transaction(
          presence({
            user_id: '@a:remote.example',
            presence: 'online',
            last_active_ago: 2_000,
            currently_active: true,
          }),
        ),
      ),
    );
    expect(response).toEqual({ status: 200, body: { pdus: {} } });
    expect(received).toHaveLength(1);
    expect(received[0]!.origin).toBe('remote.example');
    expect(received[0]!.states.map((s) => s.toFields())).toEqual([
      {
        userId: '@a:remote.example',
        state: 'online',
        lastActiveTs: clock.now() - 2_000,
        lastFederationUpdateTs: clock.now(),
        lastUserSyncTs: 0,
        statusMsg: null,
        currentlyActive: true,
      },
    ]);
  });

  it('drops entries claiming another server user, and reports them to the logger and counters', async () => {
    const inbound = handler();
    const response = await inbound.handle(
      await request(
        't1',
        transaction(
          presence(
            { user_id: '@admin:hs.example', presence: 'offline' },
            { user_id: '@b:remote.example', presence: 'unavailable' },
          ),
        ),
      ),
    );
    expect(response.status).toBe(200);
    expect(received.flatMap((r) => r.states.map((s) => s.userId))).toEqual(['@b:remote.example']);
    expect(logger.lines.filter((l) => l.level === 'info')).toEqual([
      {
        level: 'info',
        message: 'Dropped presence entries of a transaction',
        data: {
          origin: 'remote.example',
          txnId: 't1',
          dropped: 1,
          firstReason: '@admin:hs.example is not a user of remote.example',
        },
      },
    ]);
    expect(inbound.metrics()).toMatchObject({ presenceAccepted: 1, presenceDropped: 1 });
  });

  it('answers a replayed txnId with the stored answer without applying it twice', async () => {
    const inbound = handler();
    const req = await request(
      't1',
      transaction(presence({ user_id: '@a:remote.example', presence: 'online' })),
    );
    const first = await inbound.handle(req);
    const again = await inbound.handle(req);
    expect(again).toEqual(first);
    expect(received).toHaveLength(1);
    expect(inbound.metrics()).toMatchObject({
      transactionsApplied: 1,
      duplicates: 1,
      rememberedTransactions: 1,
    });
    // The same txnId from another origin is another transaction.
    const third = await fakeServer('third.example', {
      validUntilTs: clock.now() + DAY,
      seedByte: 3,
    });
    await inbound.handle(
      await request(
        't1',
        {
          ...transaction(presence({ user_id: '@z:third.example', presence: 'online' })),
          origin: 'third.example',
        },
        { origin: 'third.example', key: third.key },
      ),
    );
    expect(received.map((r) => r.origin)).toEqual(['remote.example', 'third.example']);
  });

  it('forgets the oldest answers beyond maxRememberedTransactions', async () => {
    const inbound = handler({ maxRememberedTransactions: 2 });
    const reqs = await Promise.all(
      ['t1', 't2', 't3'].map((id) =>
        request(id, transaction(presence({ user_id: '@a:remote.example', presence: 'online' }))),
      ),
    );
    for (const req of reqs) await inbound.handle(req);
    await inbound.handle(reqs[2]!);
    expect(received).toHaveLength(3);
    await inbound.handle(reqs[0]!);
    expect(received).toHaveLength(4);
  });

  it('applies a txnId arriving twice concurrently once, and answers 429 to another txnId meanwhile', async () => {
    const gate = deferred<void>();
    let calls = 0;
    const inbound = handler({
      onPresence: async () => {
        calls++;
        await gate.promise;
      },
    });
    const req = await request(
      't1',
      transaction(presence({ user_id: '@a:remote.example', presence: 'online' })),
    );
    const other = await request(
      't2',
      transaction(presence({ user_id: '@b:remote.example', presence: 'online' })),
    );
    const first = inbound.handle(req);
    const second = inbound.handle(req);
    while (calls === 0) await drain(1);
    expect(await inbound.handle(other)).toEqual({
      status: 429,
      body: { errcode: 'M_UNKNOWN', error: 'Too many concurrent transactions' },
    });
    gate.resolve();
    expect(await first).toEqual({ status: 200, body: { pdus: {} } });
    expect(await second).toEqual({ status: 200, body: { pdus: {} } });
    expect(calls).toBe(1);
  });

  it('refuses a tampered body, a wrong key and a wrong destination with 401 M_UNAUTHORIZED', async () => {
    const inbound = handler();
    const req = await request('t1', transaction());
    const tampered = {
      ...req,
      body: new TextEncoder().encode(
        JSON.stringify(transaction(presence({ user_id: '@a:remote.example', presence: 'online' }))),
      ),
    };
    const wrongKey = await request('t2', transaction(), {
      key: await signingKeyFromSeed('1', new Uint8Array(32).fill(8)),
    });
    const wrongDestination = await request('t3', transaction(), {
      destination: 'elsewhere.example',
    });
    const responses = [
      await inbound.handle(tampered),
      await inbound.handle(wrongKey),
      await inbound.handle(wrongDestination),
    ];
    expect(responses.map((r) => [r.status, r.body.errcode])).toEqual([
      [401, 'M_UNAUTHORIZED'],
      [401, 'M_UNAUTHORIZED'],
      [401, 'M_UNAUTHORIZED'],
    ]);
    expect(responses[2]!.body.error).toBe('Destination mismatch in auth header');
    expect(received).toEqual([]);
    expect(inbound.metrics().unauthorized).toBe(3);
  });

  it('refuses a request without Authorization, and one signed with an expired old key', async () => {
    const inbound = handler();
    const req = await request('t1', transaction());
    expect((await inbound.handle({ ...req, authorization: undefined })).status).toBe(401);
    const old = await signingKeyFromSeed('old', new Uint8Array(32).fill(6));
    remote.oldVerifyKeys = {
      'ed25519:old': { key: old.publicKeyBase64, expiredTs: clock.now() - 1 },
    };
    expect(await inbound.handle(await request('t2', transaction(), { key: old }))).toMatchObject({
      status: 401,
      body: { errcode: 'M_UNAUTHORIZED' },
    });
  });

  it('ignores unknown EDU types and PDUs, answering {"pdus": {}}', async () => {
    const inbound = handler();
    const body = {
      ...transaction({ edu_type: 'm.typing', content: {} }, 'junk'),
      pdus: [{ type: 'm.room.message' }],
    };
    expect(await inbound.handle(await request('t1', body))).toEqual({
      status: 200,
      body: { pdus: {} },
    });
    expect(inbound.metrics()).toMatchObject({ edusIgnored: 2, pdusIgnored: 1 });
    expect(received).toEqual([]);
  });

  it('refuses more than 50 PDUs or 100 EDUs, bad JSON, other methods and paths', async () => {
    const inbound = handler();
    const tooMany = await request(
      't1',
      transaction(...Array.from({ length: 101 }, () => presence())),
    );
    expect(await inbound.handle(tooMany)).toMatchObject({
      status: 400,
      body: { errcode: 'M_BAD_JSON' },
    });
    const req = await request('t2', transaction());
    expect(await inbound.handle({ ...req, body: 'not json' })).toMatchObject({
      status: 400,
      body: { errcode: 'M_NOT_JSON' },
    });
    expect(await inbound.handle({ ...req, body: '[]' })).toMatchObject({
      status: 400,
      body: { errcode: 'M_BAD_JSON' },
    });
    expect(await inbound.handle({ ...req, method: 'GET' })).toMatchObject({
      status: 405,
      body: { errcode: 'M_UNRECOGNIZED' },
    });
    expect(await inbound.handle({ ...req, uri: '/_matrix/federation/v1/sendx/1' })).toMatchObject({
      status: 404,
    });
  });

  it('verifies the URI as sent, query string included, and takes a parsed body', async () => {
    const inbound = handler();
    const body = transaction(presence({ user_id: '@a:remote.example', presence: 'online' }));
    const req = await request('t%2F1', body, { uri: '/_matrix/federation/v1/send/t%2F1?x=1' });
    expect(
      await inbound.handle({
        method: 'PUT',
        uri: req.uri,
        authorization: req.authorization,
        json: body,
      }),
    ).toEqual({
      status: 200,
      body: { pdus: {} },
    });
    expect(
      await inbound.handle({ ...req, uri: '/_matrix/federation/v1/send/t%2F1' }),
    ).toMatchObject({ status: 401 });
  });

  it('answers 500 and forgets the transaction when onPresence fails, so the retry is applied', async () => {
    let fail = true;
    const inbound = handler({
      onPresence: (states) => {
        if (fail) throw new Error('store down');
        received.push({ origin: 'remote.example', states });
      },
    });
    const req = await request(
      't1',
      transaction(presence({ user_id: '@a:remote.example', presence: 'online' })),
    );
    expect(await inbound.handle(req)).toEqual({
      status: 500,
      body: { errcode: 'M_UNKNOWN', error: 'Internal error' },
    });
    fail = false;
    expect((await inbound.handle(req)).status).toBe(200);
    expect(received).toHaveLength(1);
    expect(logger.messages()).toEqual(['onPresence failed; the transaction is not remembered']);
  });

  it('refuses origins outside the whitelist with 403, and reports authenticated origins', async () => {
    const seen: string[] = [];
    const inbound = handler({
      federationDomainWhitelist: ['third.example'],
      onAuthenticated: (o) => seen.push(o),
    });
    expect(await inbound.handle(await request('t1', transaction()))).toEqual({
      status: 403,
      body: { errcode: 'M_FORBIDDEN', error: 'Federation denied with remote.example.' },
    });
    const open = handler({ onAuthenticated: (o) => seen.push(o) });
    await open.handle(await request('t2', transaction()));
    expect(seen).toEqual(['remote.example']);
  });
});

describe('GET /_matrix/federation/v1/version', () => {
  it('is {server: {name, version}}', () => {
    expect(federationVersionBody({ name: 'presence-router', version: '0.2.0' })).toEqual({
      server: { name: 'presence-router', version: '0.2.0' },
    });
  });
});
