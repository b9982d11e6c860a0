/**
 * Presence timers across instances (a 2 s sync timeout): a user syncing on one instance is
 * never timed out by the other, goes offline once it stops syncing, and when an instance
 * leaves, the other takes its users' timers over.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LEASE_SHARDS } from '../src/presence-service.ts';
import { type ShardLeases, shardOf } from '../src/presence-store.ts';
import { eventually, startCluster, type TestCluster } from './support/server-cluster.ts';
import { HS, type TestServer } from './support/test-server.ts';
import { redisAvailable } from './support/test-store.ts';

const alice = `@alice:${HS}`;
// Indented: these keys join the test config's `presence:` mapping.
const SHORT_TIMEOUT = '  sync_online_timeout: 2s\n';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** The timer leases of `server`. */
function timerLeasesOf(server: TestServer): ShardLeases {
  return server.server.service.store.leases('timers', LEASE_SHARDS);
}

async function presenceOn(server: TestServer): Promise<string> {
  const reply = await server
    .as('bob-token-123')
    .request('GET', `/_matrix/client/v3/presence/${encodeURIComponent(alice)}/status`);
  return String(reply.body.presence);
}

/**
 * Alice long-polls on `server` (1 s polls) for `ms`; returns every presence of alice that
 * bob, long-polling on `watched`, received meanwhile (a timeout would be news to him).
 */
async function syncFor(server: TestServer, watched: TestServer, ms: number): Promise<string[]> {
  const client = server.as('alice-token-123');
  const bob = watched.as('bob-token-123');
  const seen: string[] = [];
  const until = Date.now() + ms;
  let token = (await client.sync({ set_presence: 'online' })).nextBatch;
  let bobToken = (await bob.sync({ set_presence: 'offline' })).nextBatch;
  const watching = (async () => {
    while (Date.now() < until) {
      const reply = await bob.sync({ since: bobToken, timeout: '500', set_presence: 'offline' });
      bobToken = reply.nextBatch;
      for (const event of reply.events) {
        if (event.sender === alice) seen.push(event.content.presence);
      }
    }
  })();
  while (Date.now() < until) {
    token = (await client.sync({ since: token, timeout: '1000', set_presence: 'online' }))
      .nextBatch;
  }
  await watching;
  return seen;
}

describe.skipIf(!redisAvailable())('presence timers on two instances', () => {
  it('a user syncing on B is never timed out by A, and goes offline once it stops', async () => {
    cluster = await startCluster(2, { extra: SHORT_TIMEOUT });
    const servers = cluster.servers as TestServer[];
    // A: the instance running alice's timers once the leases are balanced (8 shards each).
    const balanced = await eventually(
      async () => servers.map((server) => timerLeasesOf(server).held().size),
      (sizes) => sizes.every((size) => size === LEASE_SHARDS / 2),
    );
    expect(balanced).toEqual([LEASE_SHARDS / 2, LEASE_SHARDS / 2]);
    const holding = servers.map((server) =>
      timerLeasesOf(server).holds(shardOf(alice, LEASE_SHARDS)),
    );
    expect(holding.filter(Boolean)).toHaveLength(1);
    const a = servers[holding.indexOf(true)] as TestServer;
    const b = servers[holding.indexOf(false)] as TestServer;
    // Three sync timeouts of syncing on B, watched from A.
    const seen = await syncFor(b, a, 6000);
    expect(seen.filter((presence) => presence !== 'online')).toEqual([]);
    const after = await eventually(
      async () => [await presenceOn(a), await presenceOn(b)],
      (views) => views.every((presence) => presence === 'offline'),
    );
    expect(after).toEqual(['offline', 'offline']);
  });

  it('a sync held open on B keeps the user online on A while B renews no mark', async () => {
    cluster = await startCluster(2, { extra: SHORT_TIMEOUT });
    const servers = cluster.servers as TestServer[];
    const holders = await eventually(
      async () =>
        servers.map((server) => timerLeasesOf(server).holds(shardOf(alice, LEASE_SHARDS))),
      (held) => held.filter(Boolean).length === 1,
    );
    const a = servers[holders.indexOf(true)] as TestServer;
    const b = servers[holders.indexOf(false)] as TestServer;
    // B stalls: its timers stop, so the only marks are those of the sync starting and ending.
    b.server.stopTimers();
    const client = b.as('alice-token-123');
    const since = (await client.sync({ set_presence: 'online' })).nextBatch;
    // One long-poll of more than twice the sync timeout, with nothing to wake it...
    const poll = await client.sync({ since, timeout: '4500', set_presence: 'online' });
    // ...never timed alice out on A: she synced all along.
    expect(poll.events.filter((event) => event.sender === alice)).toEqual([]);
    expect(await presenceOn(a)).toBe('online');
  });

  it('when an instance leaves, the other takes its users’ timers over', async () => {
    cluster = await startCluster(2, { extra: SHORT_TIMEOUT });
    const [a, b] = cluster.servers as [TestServer, TestServer];
    await a.close();
    expect(await syncFor(b, b, 1000)).not.toContain('offline');
    expect(
      await eventually(
        () => presenceOn(b),
        (p) => p === 'offline',
      ),
    ).toBe('offline');
  });
});
