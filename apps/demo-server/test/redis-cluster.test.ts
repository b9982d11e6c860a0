/**
 * Three instances on one Redis (the machine's, a key prefix per test): one presence space.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startCluster, type TestCluster } from './support/server-cluster.ts';
import { HS, type PresenceEventJson, type TestServer } from './support/test-server.ts';
import { redisAvailable } from './support/test-store.ts';

const alice = `@alice:${HS}`;
const bob = `@bob:${HS}`;
const dave = `@dave:${HS}`;

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

function statusesOf(events: readonly PresenceEventJson[], sender: string): (string | undefined)[] {
  return events.filter((event) => event.sender === sender).map((e) => e.content.status_msg);
}

/**
 * Waits until each of `servers` has followed the feed through the `s<seq>` that `token`
 * covers: a sync there then continues the token (it waits 2 s at most, then answers a
 * snapshot, which repeats what the token covered).
 */
async function followedThrough(servers: readonly TestServer[], token: string): Promise<void> {
  const seq = Number(/s(\d+)_/.exec(token)?.[1]);
  expect(Number.isInteger(seq)).toBe(true);
  const watermarks = await eventually(
    async () => servers.map((server) => server.server.service.feedWatermark() ?? 0),
    (marks) => marks.every((mark) => mark >= seq),
  );
  expect(watermarks.every((mark) => mark >= seq)).toBe(true);
}

describe.skipIf(!redisAvailable())('three instances on one Redis', () => {
  it('an update accepted on A wakes long-polls on B and C', async () => {
    cluster = await startCluster(3);
    const [a, b, c] = cluster.servers as [
      (typeof cluster.servers)[0],
      (typeof cluster.servers)[0],
      (typeof cluster.servers)[0],
    ];
    const bobOnB = b.as('bob-token-123');
    const auditorOnC = c.as('auditor-token-123');
    const bobStart = await bobOnB.sync({ set_presence: 'offline' });
    const auditorStart = await auditorOnC.sync({ set_presence: 'offline' });
    const bobPoll = bobOnB.sync({
      since: bobStart.nextBatch,
      timeout: '10000',
      set_presence: 'offline',
    });
    const auditorPoll = auditorOnC.sync({
      since: auditorStart.nextBatch,
      timeout: '10000',
      set_presence: 'offline',
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await a.as('alice-token-123').setPresence(alice, 'online', 'from A')).status).toBe(200);
    const woken = await bobPoll;
    expect(statusesOf(woken.events, alice)).toEqual(['from A']);
    expect(statusesOf((await auditorPoll).events, alice)).toEqual(['from A']);
    // The token of a woken long-poll covers what woke it: moving to C repeats nothing.
    await followedThrough([c], woken.nextBatch);
    const moved = await c.as('bob-token-123').sync({
      since: woken.nextBatch,
      timeout: '300',
      set_presence: 'offline',
    });
    expect(statusesOf(moved.events, alice)).toEqual([]);
  });

  it('a client hopping A→B→C with one token chain sees every change once', async () => {
    cluster = await startCluster(3);
    const servers = cluster.servers;
    let token = (await servers[0]?.as('carol-token-123').sync({ set_presence: 'offline' }))
      ?.nextBatch as string;
    const seen: (string | undefined)[] = [];
    for (let i = 0; i < 9; i++) {
      const writer = servers[(i + 1) % 3];
      const reader = servers[(i + 2) % 3];
      expect(
        (await writer?.as('dave-token-123').setPresence(dave, 'online', `change ${i}`))?.status,
      ).toBe(200);
      const reply = await reader?.as('carol-token-123').sync({
        since: token,
        timeout: '5000',
        set_presence: 'offline',
      });
      seen.push(...statusesOf(reply?.events ?? [], dave));
      token = reply?.nextBatch as string;
    }
    // Nothing new: each instance answers nothing more for dave from the last token.
    await followedThrough(servers, token);
    for (const server of servers) {
      const reply = await server.as('carol-token-123').sync({
        since: token,
        timeout: '300',
        set_presence: 'offline',
      });
      expect(statusesOf(reply.events, dave)).toEqual([]);
    }
    expect(seen).toEqual(Array.from({ length: 9 }, (_, i) => `change ${i}`));
  });

  it('two instances updating one user concurrently end in one state, everywhere', async () => {
    cluster = await startCluster(3);
    const [a, b] = cluster.servers;
    const writes = Array.from({ length: 8 }, (_, i) => {
      const presence = i % 2 === 0 ? 'online' : 'unavailable';
      const server = i % 2 === 0 ? a : b;
      return server?.as('alice-token-123').setPresence(alice, presence, `write ${i} ${presence}`);
    });
    const replies = await Promise.all(writes);
    expect(replies.map((reply) => reply?.status)).toEqual(replies.map(() => 200));
    const read = () =>
      Promise.all(
        (cluster as TestCluster).servers.map(async (server) => {
          const reply = await server
            .as('bob-token-123')
            .request('GET', `/_matrix/client/v3/presence/${encodeURIComponent(alice)}/status`);
          return `${reply.body.presence} / ${reply.body.status_msg}`;
        }),
      );
    const views = await eventually(read, (v) => new Set(v).size === 1);
    expect(new Set(views).size).toBe(1);
    // Never a mix: the status message names the presence it was written with.
    const [presence, message] = (views[0] as string).split(' / ');
    expect(message).toMatch(new RegExp(`^write \\d+ ${presence}$`));
  });

  it('a restarted instance keeps presence and accepts the old tokens', async () => {
    cluster = await startCluster(1);
    const first = cluster.servers[0];
    const bobStart = await first?.as('bob-token-123').sync({ set_presence: 'offline' });
    expect(
      (await first?.as('alice-token-123').setPresence(alice, 'unavailable', 'before restart'))
        ?.status,
    ).toBe(200);
    const bobAfter = await first?.as('bob-token-123').sync({
      since: bobStart?.nextBatch as string,
      timeout: '5000',
      set_presence: 'offline',
    });
    expect(statusesOf(bobAfter?.events ?? [], alice)).toEqual(['before restart']);
    const keyPrefix = cluster.keyPrefix;
    await cluster.close();
    cluster = await startCluster(1, { keyPrefix });
    const again = cluster.servers[0];
    const status = await again
      ?.as('bob-token-123')
      .request('GET', `/_matrix/client/v3/presence/${encodeURIComponent(alice)}/status`);
    expect(status?.body).toMatchObject({ presence: 'unavailable', status_msg: 'before restart' });
    // The old token continues: nothing repeated, and the next change arrives.
    const poll = again?.as('bob-token-123').sync({
      since: bobAfter?.nextBatch as string,
      timeout: '5000',
      set_presence: 'offline',
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(
      (await again?.as('alice-token-123').setPresence(alice, 'online', 'after restart'))?.status,
    ).toBe(200);
    expect(statusesOf((await poll)?.events ?? [], alice)).toEqual(['after restart']);
  });

  it('sendLocalOnlinePresenceTo on one instance gives a snapshot to a user syncing on another', async () => {
    cluster = await startCluster(2);
    const [a, b] = cluster.servers;
    expect(
      (await a?.as('alice-token-123').setPresence(alice, 'online', 'alice here'))?.status,
    ).toBe(200);
    const bobStart = await eventually(
      async () =>
        (await b?.as('bob-token-123').sync({ set_presence: 'offline' })) ?? {
          events: [],
          nextBatch: '',
        },
      (reply) => statusesOf(reply.events, alice).length > 0,
    );
    expect(statusesOf(bobStart.events, alice)).toEqual(['alice here']);
    const poll = b?.as('bob-token-123').sync({
      since: bobStart.nextBatch,
      timeout: '5000',
      set_presence: 'offline',
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const reply = await a
      ?.as('admin-token-123')
      .request('POST', '/_presence_router/admin/v1/send_local_online_presence_to', {
        users: [bob],
      });
    expect(reply?.status).toBe(200);
    // No change since the token, yet the snapshot is sent again, from the other instance.
    expect(statusesOf((await poll)?.events ?? [], alice)).toEqual(['alice here']);
  });
});
