/**
 * Two instances on a Redis of the test's own, stopped and restarted under them: no 200 for
 * a write that was not stored, `/health` degraded, long-polls still answered, and once Redis
 * is back (empty: it keeps nothing) writes are accepted and delivered again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateRedis } from './support/private-redis.ts';
import { eventually, startCluster, type TestCluster } from './support/server-cluster.ts';
import { HS, type PresenceEventJson } from './support/test-server.ts';
import { redisAvailable } from './support/test-store.ts';

const alice = `@alice:${HS}`;

function statusesOf(events: readonly PresenceEventJson[]): (string | undefined)[] {
  return events.filter((event) => event.sender === alice).map((e) => e.content.status_msg);
}

describe.skipIf(!redisAvailable())('Redis stopped and restarted under two instances', () => {
  let redis: PrivateRedis;
  let cluster: TestCluster;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    cluster = await startCluster(2, { port: redis.port });
  });
  afterAll(async () => {
    await cluster?.close();
    await redis?.stop();
  });

  it('refuses what it cannot store, says so, and delivers again once Redis is back', async () => {
    const [a, b] = cluster.servers as [TestCluster['servers'][0], TestCluster['servers'][0]];
    const aliceOnA = a.as('alice-token-123');
    const bobOnB = b.as('bob-token-123');
    let bobToken = (await bobOnB.sync({ set_presence: 'offline' })).nextBatch;
    expect((await aliceOnA.setPresence(alice, 'online', 'before the outage')).status).toBe(200);
    const before = await bobOnB.sync({ since: bobToken, timeout: '5000', set_presence: 'offline' });
    expect(statusesOf(before.events)).toEqual(['before the outage']);
    bobToken = before.nextBatch;

    await redis.stop();
    const refused = await aliceOnA.setPresence(alice, 'unavailable', 'during the outage');
    expect(refused.status).toBe(503);
    expect(refused.body.errcode).toBe('M_UNKNOWN');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const health = await eventually(
      async () => (await a.as('').request('GET', '/health')).body,
      (body) => body.status === 'degraded',
    );
    expect(health).toMatchObject({
      status: 'degraded',
      store: { kind: 'redis', connected: false },
    });
    // A long-poll on the other instance is still answered (nothing new: no events).
    const quiet = await bobOnB.sync({ since: bobToken, timeout: '300', set_presence: 'offline' });
    expect(statusesOf(quiet.events)).toEqual([]);
    bobToken = quiet.nextBatch;

    await redis.resume();
    const accepted = await eventually(
      () => aliceOnA.setPresence(alice, 'online', 'after the outage'),
      (reply) => reply.status === 200,
      15_000,
    );
    expect(accepted.status).toBe(200);
    const seen: (string | undefined)[] = [];
    await eventually(
      async () => {
        const reply = await bobOnB.sync({
          since: bobToken,
          timeout: '1000',
          set_presence: 'offline',
        });
        bobToken = reply.nextBatch;
        seen.push(...statusesOf(reply.events));
        return seen;
      },
      (statuses) => statuses.includes('after the outage'),
      15_000,
    );
    expect(seen).toContain('after the outage');
    expect(seen).not.toContain('during the outage');
    const healthy = await eventually(
      async () => (await a.as('').request('GET', '/health')).body,
      (body) => body.status === 'ok',
    );
    expect(healthy).toMatchObject({ status: 'ok', store: { connected: true } });
  }, 60_000);
});
