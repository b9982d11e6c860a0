/**
 * Two servers over a fake network with real signing on both sides: hs.example's sender (with
 * the real transaction transport) delivers to remote.example's inbound handler, which fetches
 * and checks hs.example's keys.
 */
import { silentLogger, type UserPresenceState, userPresenceState } from '@presence-router/core';
import { describe, expect, it } from 'vitest';
import { InboundTransactionHandler } from '../src/inbound-transactions.ts';
import { FederationPresenceSender } from '../src/presence-sender.ts';
import { ServerKeyStore } from '../src/server-key-store.ts';
import { createTransactionTransport, transactionPath } from '../src/transaction-transport.ts';
import { FakeNetwork, fakeServer, jsonResponse } from './fakes/fake-network.ts';
import { ManualClock } from './fakes/manual-clock.ts';

describe('end to end: sender -> signed transaction -> inbound handler', () => {
  it('delivers local presence, authenticated, and the destination applies it once', async () => {
    const clock = new ManualClock();
    const network = new FakeNetwork();
    const hs = await fakeServer('hs.example', {
      validUntilTs: clock.now() + 86_400_000,
      seedByte: 1,
    });
    const received: UserPresenceState[] = [];
    const inbound = new InboundTransactionHandler({
      serverName: 'remote.example',
      keyStore: new ServerKeyStore({ fetch: network.fetch, clock, logger: silentLogger }),
      clock,
      logger: silentLogger,
      onPresence: (states) => {
        received.push(...states);
      },
    });
    const seenByRemote: {
      path: string;
      authorization: string | undefined;
      contentType: string | undefined;
    }[] = [];
    hs.attach(network);
    network.serve('remote.example', async (request) => {
      seenByRemote.push({
        path: request.path,
        authorization: request.headers?.authorization,
        contentType: request.headers?.['content-type'],
      });
      const answer = await inbound.handle({
        method: request.method,
        uri: request.path,
        authorization: request.headers?.authorization,
        body: request.body ?? '',
      });
      return jsonResponse(answer.body, answer.status);
    });
    const transport = createTransactionTransport({
      origin: 'hs.example',
      signingKey: hs.key,
      fetch: network.fetch,
    });
    const sender = new FederationPresenceSender({
      serverName: 'hs.example',
      transport,
      clock,
      logger: silentLogger,
    });
    sender.send('remote.example', [
      userPresenceState('@alice:hs.example', {
        state: 'online',
        lastActiveTs: clock.now() - 1_000,
        statusMsg: 'hi',
      }),
      userPresenceState('@bob:hs.example', { state: 'unavailable' }),
    ]);
    await sender.idle();
    expect(sender.snapshot()).toMatchObject({ transactionsSent: 1, transactionsFailed: 0 });
    expect(seenByRemote).toEqual([
      {
        path: transactionPath(String(clock.now())),
        authorization: expect.stringMatching(
          /^X-Matrix origin="hs.example",destination="remote.example",key="ed25519:1",sig="[A-Za-z0-9+/]{86}"$/,
        ),
        contentType: 'application/json',
      },
    ]);
    expect(received.map((s) => [s.userId, s.state, s.statusMsg, s.lastActiveTs])).toEqual([
      ['@alice:hs.example', 'online', 'hi', clock.now() - 1_000],
      ['@bob:hs.example', 'unavailable', null, 0],
    ]);
    expect(inbound.metrics()).toMatchObject({ transactionsApplied: 1, unauthorized: 0 });
    await sender.close();
  });

  it('a destination that refuses the signature (401) is backed off, not dropped', async () => {
    const clock = new ManualClock();
    const network = new FakeNetwork();
    const hs = await fakeServer('hs.example', {
      validUntilTs: clock.now() + 86_400_000,
      seedByte: 1,
    });
    hs.attach(network);
    network.serve('remote.example', () =>
      jsonResponse({ errcode: 'M_UNAUTHORIZED', error: 'no' }, 401),
    );
    const transport = createTransactionTransport({
      origin: 'hs.example',
      signingKey: hs.key,
      fetch: network.fetch,
    });
    const sender = new FederationPresenceSender({
      serverName: 'hs.example',
      transport,
      clock,
      logger: silentLogger,
    });
    sender.send('remote.example', [userPresenceState('@alice:hs.example', { state: 'online' })]);
    await sender.idle();
    expect(sender.snapshot()).toMatchObject({ destinationsInBackoff: 1, pendingStates: 1 });
    await sender.close();
  });
});
