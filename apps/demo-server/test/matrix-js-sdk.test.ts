import {
  ClientEvent,
  createClient,
  type MatrixClient,
  type MatrixEvent,
  SyncState,
} from 'matrix-js-sdk';
import { logger as sdkLogger } from 'matrix-js-sdk/lib/logger.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HS, startTestServer, type TestServer } from './support/test-server.ts';

let server: TestServer;
let client: MatrixClient | undefined;

beforeEach(async () => {
  server = await startTestServer();
  // The SDK's logger is a loglevel logger; its type does not show setLevel.
  (sdkLogger as unknown as { setLevel(level: string): void }).setLevel('silent');
});

afterEach(async () => {
  client?.stopClient();
  client = undefined;
  await server.close();
});

function waitFor<T>(register: (done: (value: T) => void) => void): Promise<T> {
  return new Promise((resolve) => register(resolve));
}

describe('matrix-js-sdk against the server', () => {
  it('a stock client syncs and sees routed presence (the auditor is in no room)', async () => {
    const auditor = `@auditor:${HS}`;
    const dave = `@dave:${HS}`;
    client = createClient({
      baseUrl: server.url,
      accessToken: 'auditor-token-123',
      userId: auditor,
    });
    const prepared = waitFor<void>((done) => {
      client?.on(ClientEvent.Sync, (state: SyncState) => {
        if (state === SyncState.Prepared) done();
      });
    });
    await client.startClient({ initialSyncLimit: 1 });
    await prepared;

    const seen = waitFor<MatrixEvent>((done) => {
      client?.on(ClientEvent.Event, (event: MatrixEvent) => {
        if (event.getType() === 'm.presence' && event.getSender() === dave) done(event);
      });
    });
    const put = await server
      .as('dave-token-123')
      .setPresence(dave, 'online', 'routed to the auditor');
    expect(put.status).toBe(200);
    const event = await seen;
    expect(event.getContent()).toMatchObject({
      presence: 'online',
      status_msg: 'routed to the auditor',
    });
    expect(client.getUser(dave)?.presence).toBe('online');
    expect(client.getUser(dave)?.presenceStatusMsg).toBe('routed to the auditor');
    const whoami = await client.whoami();
    expect(whoami.user_id).toBe(auditor);

    // The SDK only called endpoints the server knows, and nothing failed.
    expect(server.logs.filter((line) => line.includes('"request failed"'))).toEqual([]);
    expect(server.logs.filter((line) => line.includes('"unrecognized request"'))).toEqual([]);
  });

  it('the SDK finds the push rules it expects (no warning about a missing default rule)', async () => {
    const alice = `@alice:${HS}`;
    const warnings: string[] = [];
    const sdk = sdkLogger as unknown as { warn: (...args: unknown[]) => void };
    const originalWarn = sdk.warn;
    sdk.warn = (...args: unknown[]) => {
      warnings.push(args.map(String).join(' '));
    };
    try {
      client = createClient({ baseUrl: server.url, accessToken: 'alice-token-123', userId: alice });
      const prepared = waitFor<void>((done) => {
        client?.on(ClientEvent.Sync, (state: SyncState) => {
          if (state === SyncState.Prepared) done();
        });
      });
      await client.startClient({ initialSyncLimit: 1 });
      await prepared;
      const rules = client.pushRules?.global;
      expect(rules?.override?.map((rule) => rule.rule_id)).toContain('.m.rule.master');
      expect(rules?.content?.[0]).toMatchObject({
        rule_id: '.m.rule.contains_user_name',
        pattern: 'alice',
      });
    } finally {
      sdk.warn = originalWarn;
    }
    expect(warnings.filter((warning) => /push rule/i.test(warning))).toEqual([]);
    // Account data of a type never set: 404 M_NOT_FOUND, as Synapse answers.
    const missing = await server
      .as('alice-token-123')
      .request('GET', `/_matrix/client/v3/user/${encodeURIComponent(alice)}/account_data/m.direct`);
    expect(missing.status).toBe(404);
    expect(missing.body.errcode).toBe('M_NOT_FOUND');
    const other = await server
      .as('alice-token-123')
      .request(
        'GET',
        `/_matrix/client/v3/user/${encodeURIComponent(`@bob:${HS}`)}/account_data/m.direct`,
      );
    expect(other.status).toBe(403);
  });

  it('the SDK sets presence and a co-member sees it', async () => {
    const alice = `@alice:${HS}`;
    client = createClient({ baseUrl: server.url, accessToken: 'alice-token-123', userId: alice });
    await client.setPresence({ presence: 'unavailable', status_msg: 'in a meeting' });
    const bobView = await server.as('bob-token-123').sync({ set_presence: 'offline' });
    const aliceEvent = bobView.events.find((event) => event.sender === alice);
    expect(aliceEvent?.content).toMatchObject({
      presence: 'unavailable',
      status_msg: 'in a meeting',
    });
    const got = await client.getPresence(alice);
    expect(got.presence).toBe('unavailable');
  });
});
