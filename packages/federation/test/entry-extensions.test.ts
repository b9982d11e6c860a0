/**
 * Extension fields of `m.presence` entries (MSC4495's `stream_id`, `prev_id`, `recipients`):
 * the sender's `entryFields` hook merges them into each entry per destination (standard
 * fields win, computed again for a retry), `onAccepted` reports what a 2xx transaction
 * carried (not a failed or rejected one), and inbound entries reach `onPresence` as received.
 */
import { type UserPresenceState, userPresenceState } from '@presence-router/core';
import { RecordingLogger } from '@presence-router/test-support';
import { describe, expect, it } from 'vitest';
import { InboundTransactionHandler } from '../src/inbound-transactions.ts';
import { presenceEdu, readPresenceEdu } from '../src/presence-edu.ts';
import { FederationPresenceSender, type SentPresenceEntry } from '../src/presence-sender.ts';
import { ServerKeyStore } from '../src/server-key-store.ts';
import { buildXMatrixAuthorization } from '../src/x-matrix.ts';
import { FakeNetwork, fakeServer } from './fakes/fake-network.ts';
import { ManualClock } from './fakes/manual-clock.ts';
import { RecordingTransport } from './fakes/recording-transport.ts';

const DAY = 86_400_000;
const alice = userPresenceState('@alice:hs.example', { state: 'online' });
const bob = userPresenceState('@bob:hs.example', { state: 'unavailable' });

describe('presenceEdu / readPresenceEdu with extension fields', () => {
  it('merges extra fields under the standard ones and reads entries back as received', () => {
    const edu = presenceEdu([alice, bob], 1000, (state) =>
      state.userId === alice.userId
        ? { stream_id: 7, presence: 'offline', recipients: { add: ['@x:r'], delete: [] } }
        : undefined,
    );
    const push = (edu.content as { push: Record<string, unknown>[] }).push;
    expect(push[0]).toMatchObject({ user_id: alice.userId, presence: 'online', stream_id: 7 });
    expect(push[0]?.recipients).toEqual({ add: ['@x:r'], delete: [] });
    expect(push[1]).not.toHaveProperty('stream_id');
    const read = readPresenceEdu('hs.example', { push: [...push, { user_id: 'bad' }] }, 2000);
    expect(read.accepted.map((state) => state.userId)).toEqual([alice.userId, bob.userId]);
    expect(read.entries).toEqual([push[0], push[1]]);
    expect(read.dropped).toHaveLength(1);
  });
});

describe('FederationPresenceSender hooks', () => {
  function setup(answer: () => { status: number }) {
    const clock = new ManualClock();
    const recording = new RecordingTransport();
    recording.answer = answer;
    const accepted: { destination: string; sent: readonly SentPresenceEntry[] }[] = [];
    let version = 0;
    const sender = new FederationPresenceSender({
      serverName: 'hs.example',
      transport: recording.transport,
      clock,
      logger: new RecordingLogger(),
      random: () => 0.5,
      entryFields: (destination, state) => ({
        stream_id: ++version,
        for: `${destination} ${state.userId}`,
      }),
      onAccepted: (destination, sent) => accepted.push({ destination, sent }),
    });
    return { clock, recording, sender, accepted };
  }

  it('each entry carries its destination fields; onAccepted gets them after a 200', async () => {
    const { recording, sender, accepted } = setup(() => ({ status: 200 }));
    sender.send('a.example', [alice, bob]);
    sender.send('b.example', [alice]);
    await sender.idle();
    const pushes = recording.pushes() as unknown as Record<string, unknown>[];
    expect(pushes.map((push) => push.for)).toEqual([
      'a.example @alice:hs.example',
      'a.example @bob:hs.example',
      'b.example @alice:hs.example',
    ]);
    expect(
      accepted.map(({ destination, sent }) => [
        destination,
        sent.map((entry) => [entry.state.userId, entry.fields?.stream_id]),
      ]),
    ).toEqual([
      [
        'a.example',
        [
          [alice.userId, 1],
          [bob.userId, 2],
        ],
      ],
      ['b.example', [[alice.userId, 3]]],
    ]);
  });

  it('a rejected transaction is not reported as accepted; a retry computes the fields again', async () => {
    let status = 400;
    const { clock, recording, sender, accepted } = setup(() => ({ status }));
    sender.send('a.example', [alice]);
    await sender.idle();
    expect(accepted).toEqual([]);
    status = 503;
    sender.send('a.example', [alice]);
    await sender.idle();
    expect(accepted).toEqual([]);
    status = 200;
    await clock.advance(15 * 60_000); // past the first backoff, before a keep-alive
    await sender.idle();
    const ids = (recording.pushes() as unknown as Record<string, unknown>[]).map(
      (p) => p.stream_id,
    );
    expect(ids).toEqual([1, 2, 3]);
    expect(accepted.map(({ sent }) => sent[0]?.fields?.stream_id)).toEqual([3]);
  });
});

describe('InboundTransactionHandler entries', () => {
  it('onPresence gets each accepted entry as received, at the index of its state', async () => {
    const clock = new ManualClock();
    const network = new FakeNetwork();
    const remote = await fakeServer('remote.example', { validUntilTs: clock.now() + DAY });
    remote.attach(network);
    const received: { states: readonly UserPresenceState[]; entries: readonly unknown[] }[] = [];
    const handler = new InboundTransactionHandler({
      serverName: 'hs.example',
      keyStore: new ServerKeyStore({ fetch: network.fetch, clock }),
      clock,
      logger: new RecordingLogger(),
      onPresence: (states, _origin, entries) => {
        received.push({ states, entries });
      },
    });
    const entry = { user_id: '@zed:remote.example', presence: 'online', stream_id: 5 };
    const body = {
      origin: 'remote.example',
      origin_server_ts: 1,
      pdus: [],
      edus: [
        {
          edu_type: 'm.presence',
          content: { push: [{ user_id: '@eve:other.example', presence: 'online' }, entry] },
        },
      ],
    };
    const uri = '/_matrix/federation/v1/send/t1';
    const authorization = await buildXMatrixAuthorization({
      method: 'PUT',
      uri,
      origin: 'remote.example',
      destination: 'hs.example',
      content: body as never,
      signingKey: remote.key,
    });
    const answer = await handler.handle({
      method: 'PUT',
      uri,
      authorization,
      body: new TextEncoder().encode(JSON.stringify(body)),
    });
    expect(answer.status).toBe(200);
    expect(received).toHaveLength(1);
    expect(received[0]?.states.map((state) => state.userId)).toEqual(['@zed:remote.example']);
    expect(received[0]?.entries).toEqual([entry]);
  });
});
