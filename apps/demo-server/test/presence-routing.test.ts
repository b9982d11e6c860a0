import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LoggingFederationSender } from '../src/federation-sender.ts';
import { HS, presenceBySender, startTestServer, type TestServer } from './support/test-server.ts';

const alice = `@alice:${HS}`;
const bob = `@bob:${HS}`;
const carol = `@carol:${HS}`;
const dave = `@dave:${HS}`;
const erin = `@erin:${HS}`;
const auditor = `@auditor:${HS}`;
const loner = `@loner:${HS}`;

let server: TestServer;

beforeEach(async () => {
  server = await startTestServer();
});

afterEach(async () => {
  await server.close();
});

describe('sync and routing, end to end over HTTP', () => {
  it('initial sync shows co-members and self, not strangers', async () => {
    await server.as('alice-token-123').setPresence(alice, 'online', 'hello');
    await server.as('carol-token-123').setPresence(carol, 'online');
    const first = await server.as('bob-token-123').sync();
    const seen = presenceBySender(first.events);
    expect(seen).toEqual({ [alice]: 'online', [bob]: 'online' });
    const aliceEvent = first.events.find((event) => event.sender === alice);
    expect(aliceEvent?.content.status_msg).toBe('hello');
    expect(aliceEvent?.content.currently_active).toBe(true);
    expect(typeof aliceEvent?.content.last_active_ago).toBe('number');
  });

  it('a user routed all presence (in no room) sees every update; nobody sees that user without a reason', async () => {
    await server.as('alice-token-123').setPresence(alice, 'online');
    await server.as('carol-token-123').setPresence(carol, 'unavailable');
    const initial = await server.as('auditor-token-123').sync();
    expect(presenceBySender(initial.events)).toEqual({
      [alice]: 'online',
      [carol]: 'unavailable',
      [auditor]: 'online',
    });
    await server.as('dave-token-123').setPresence(dave, 'online', 'on call');
    await server.as('alice-token-123').setPresence(alice, 'offline');
    const next = await server.as('auditor-token-123').sync({ since: initial.nextBatch });
    expect(presenceBySender(next.events)).toEqual({ [dave]: 'online', [alice]: 'offline' });

    // The auditor synced (so is online), but shares no room with anyone and nobody routes it.
    const bobView = await server.as('bob-token-123').sync();
    expect(presenceBySender(bobView.events)[auditor]).toBeUndefined();
    const lonerView = await server.as('loner-token-123').sync();
    expect(presenceBySender(lonerView.events)).toEqual({ [loner]: 'online' });
    const denied = await server
      .as('bob-token-123')
      .request('GET', `/_matrix/client/v3/presence/${encodeURIComponent(auditor)}/status`);
    expect(denied.status).toBe(403);
    expect(denied.body.errcode).toBe('M_FORBIDDEN');
    const allowed = await server
      .as('auditor-token-123')
      .request('GET', `/_matrix/client/v3/presence/${encodeURIComponent(dave)}/status`);
    expect(allowed.status).toBe(200);
    expect(allowed.body).toMatchObject({ presence: 'online', status_msg: 'on call' });
  });

  it('incremental syncs deliver every change once, offline included, and never repeat', async () => {
    const bobClient = server.as('bob-token-123');
    const first = await bobClient.sync();
    await server.as('alice-token-123').setPresence(alice, 'online');
    await server.as('alice-token-123').setPresence(alice, 'unavailable', 'lunch');
    const second = await bobClient.sync({ since: first.nextBatch });
    expect(second.events.filter((event) => event.sender === alice)).toHaveLength(1);
    expect(presenceBySender(second.events)[alice]).toBe('unavailable');
    const third = await bobClient.sync({ since: second.nextBatch });
    expect(third.events).toEqual([]);
    await server.as('alice-token-123').setPresence(alice, 'offline');
    const fourth = await bobClient.sync({ since: third.nextBatch });
    expect(presenceBySender(fourth.events)).toEqual({ [alice]: 'offline' });
    const offline = fourth.events[0];
    expect(offline?.content.currently_active).toBeUndefined();
    // The same token twice gives the same changes (tokens are positions, not consumed).
    const again = await bobClient.sync({ since: third.nextBatch });
    expect(presenceBySender(again.events)).toEqual({ [alice]: 'offline' });
  });

  it('a long-poll is answered by a routed update', async () => {
    const bobClient = server.as('bob-token-123');
    const first = await bobClient.sync();
    const waiting = bobClient.sync({ since: first.nextBatch, timeout: '20000' });
    await server.as('alice-token-123').setPresence(alice, 'online', 'here');
    const answered = await waiting;
    expect(presenceBySender(answered.events)).toEqual({ [alice]: 'online' });
  });

  it('excluded rooms carry no presence', async () => {
    await server.as('bob-token-123').setPresence(bob, 'online');
    const erinView = await server.as('erin-token-123').sync();
    expect(presenceBySender(erinView.events)).toEqual({ [erin]: 'online' });
    const denied = await server
      .as('erin-token-123')
      .request('GET', `/_matrix/client/v3/presence/${encodeURIComponent(bob)}/status`);
    expect(denied.status).toBe(403);
  });

  it('set_presence=offline leaves presence alone; unavailable marks the user idle', async () => {
    const bobClient = server.as('bob-token-123');
    const first = await server.as('alice-token-123').sync({ set_presence: 'offline' });
    expect(first.events).toEqual([]);
    await bobClient.sync({ set_presence: 'unavailable' });
    const aliceView = await server.as('alice-token-123').sync({
      since: first.nextBatch,
      set_presence: 'offline',
    });
    expect(presenceBySender(aliceView.events)).toEqual({ [bob]: 'unavailable' });
  });

  it('send_local_online_presence_to gives each since token one snapshot, without offline users', async () => {
    const admin = server.as('admin-token-123');
    const bobClient = server.as('bob-token-123');
    await server.as('alice-token-123').setPresence(alice, 'online');
    await server.as('dave-token-123').setPresence(dave, 'online');
    await server.as('dave-token-123').setPresence(dave, 'offline');
    const deviceA = await bobClient.sync();
    const deviceB = await bobClient.sync();
    const nothing = await bobClient.sync({ since: deviceA.nextBatch });
    expect(nothing.events).toEqual([]);

    const federation = server.server.federation as LoggingFederationSender;
    const sentBefore = federation.sent.length;
    const reply = await admin.request(
      'POST',
      '/_presence_router/admin/v1/send_local_online_presence_to',
      {
        users: [bob, '@zed:remote.example'],
      },
    );
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ local: [bob], remote: ['@zed:remote.example'] });

    for (const device of [deviceA, deviceB]) {
      const snapshot = await bobClient.sync({ since: device.nextBatch });
      expect(presenceBySender(snapshot.events)).toEqual({ [alice]: 'online', [bob]: 'online' });
      const after = await bobClient.sync({ since: snapshot.nextBatch });
      expect(after.events).toEqual([]);
    }
    // The remote user's server gets the local online presence it may see: none here, as zed
    // shares !ops with carol and dave, who are offline (offline is never in a snapshot).
    expect(federation.sent.slice(sentBefore)).toEqual([]);
    await server.as('carol-token-123').setPresence(carol, 'online');
    // Her update itself goes to zed's server first (on Redis, once the feed brings it back).
    await expect
      .poll(() => federation.sent.slice(sentBefore).flatMap((sent) => sent.states), {
        timeout: 10_000,
      })
      .toEqual([expect.objectContaining({ userId: carol, state: 'online' })]);
    const sentBeforeSecond = federation.sent.length;
    await admin.request('POST', '/_presence_router/admin/v1/send_local_online_presence_to', {
      users: ['@zed:remote.example'],
    });
    const snapshot = federation.sent.slice(sentBeforeSecond);
    expect(snapshot).toHaveLength(1);
    expect(snapshot[0]?.states.map((state) => `${state.userId}=${state.state}`)).toEqual([
      `${carol}=online`,
    ]);
  });

  it('room co-members on another server get local presence through the federation sender', async () => {
    await server.as('carol-token-123').setPresence(carol, 'online');
    const federation = server.server.federation as LoggingFederationSender;
    // The PUT is answered once the update is accepted; routing follows (at once in memory,
    // after the feed brings it back with a shared store).
    await server.server.service.caughtUp();
    const sent = federation.sent.filter((entry) => entry.serverName === 'remote.example');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.userIds).toEqual(['@zed:remote.example']);
    expect(sent[0]?.states.map((state) => `${state.userId}=${state.state}`)).toEqual([
      `${carol}=online`,
    ]);
  });

  it('membership changes under the running server: routing follows', async () => {
    const admin = server.as('admin-token-123');
    const aliceClient = server.as('alice-token-123');
    await server.as('carol-token-123').setPresence(carol, 'online');
    const first = await aliceClient.sync();
    expect(presenceBySender(first.events)[carol]).toBeUndefined();

    const joined = await admin.request(
      'POST',
      `/_presence_router/admin/v1/rooms/${encodeURIComponent(`!lobby:${HS}`)}/join`,
      { user_id: carol },
    );
    expect(joined.status).toBe(200);
    // On the join, alice learns carol's current presence.
    const afterJoin = await aliceClient.sync({ since: first.nextBatch });
    expect(presenceBySender(afterJoin.events)).toEqual({ [carol]: 'online' });
    await server.as('carol-token-123').setPresence(carol, 'unavailable');
    const update = await aliceClient.sync({ since: afterJoin.nextBatch });
    expect(presenceBySender(update.events)).toEqual({ [carol]: 'unavailable' });

    await admin.request(
      'POST',
      `/_presence_router/admin/v1/rooms/${encodeURIComponent(`!lobby:${HS}`)}/leave`,
      { user_id: carol },
    );
    await server.as('carol-token-123').setPresence(carol, 'online', 'back');
    const afterLeave = await aliceClient.sync({ since: update.nextBatch });
    expect(afterLeave.events).toEqual([]);
  });

  it('full_state=true answers a snapshot plus the changes since the token', async () => {
    const bobClient = server.as('bob-token-123');
    await server.as('alice-token-123').setPresence(alice, 'online', 'first');
    const first = await bobClient.sync();
    await server.as('alice-token-123').setPresence(alice, 'offline');
    const full = await bobClient.sync({ since: first.nextBatch, full_state: 'true' });
    // alice's offline change is there (a change since the token); bob's own state is in the snapshot.
    expect(presenceBySender(full.events)).toEqual({ [alice]: 'offline', [bob]: 'online' });
    const next = await bobClient.sync({ since: full.nextBatch });
    expect(next.events).toEqual([]);
  });

  it('the application-service token acts as ?user_id=', async () => {
    const reply = await server
      .as('appservice-token-123')
      .request('GET', `/_matrix/client/v3/account/whoami?user_id=${encodeURIComponent(erin)}`);
    expect(reply.status).toBe(200);
    expect(reply.body.user_id).toBe(erin);
  });
});
