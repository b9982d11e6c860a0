/**
 * Federation across instances on Redis: one instance sends to each destination (its shard's
 * lease). When that instance leaves with an update still queued (the destination is down),
 * the instance taking the shard over sends the destination a snapshot, so the remote user
 * still learns the presence once its server is back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LEASE_SHARDS } from '../src/presence-service.ts';
import {
  freePort,
  type Homeserver,
  keyDirectory,
  startHomeserver,
  waitForEvent,
} from './support/federating-servers.ts';
import { eventually } from './support/server-cluster.ts';
import { redisAvailable, redisBlock, uniqueKeyPrefix } from './support/test-store.ts';

const alice = '@alice:a.test';
const bob = '@bob:b.test';
const ROOMS = { '!shared:a.test': [alice, bob] };

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function health(server: Homeserver): Promise<{
  federation: { destinations_in_backoff: { destination: string }[] };
}> {
  return (await (await fetch(`${server.url}/health`)).json()) as never;
}

describe.skipIf(!redisAvailable())('federation when its instance leaves (Redis)', () => {
  it('the instance taking the destination over sends what the leaving one had queued', async () => {
    const keys = await keyDirectory();
    stops.push(() => keys.remove());
    const [a1Port, a2Port, bPort] = [await freePort(), await freePort(), await freePort()];
    const shared = redisBlock(uniqueKeyPrefix('takeover'));
    const aTest = (port: number) =>
      startHomeserver(
        {
          name: 'a.test',
          port,
          users: { [alice]: 'alice-token' },
          rooms: ROOMS,
          peers: { 'b.test': bPort },
          extra: shared,
        },
        keys.path,
      );
    const a1 = await aTest(a1Port);
    let a1Open = true;
    stops.push(async () => {
      if (a1Open) await a1.close();
    });

    // b.test is down: a1, the only instance (every shard), queues alice's update for it.
    expect((await a1.as('alice-token').setPresence(alice, 'online', 'queued')).status).toBe(200);
    const backoff = await eventually(
      async () => (await health(a1)).federation.destinations_in_backoff.map((d) => d.destination),
      (destinations) => destinations.includes('b.test'),
    );
    expect(backoff).toContain('b.test');

    // a2 joins, a1 leaves with the update still queued; a2 holds every shard then.
    const a2 = await aTest(a2Port);
    stops.push(() => a2.close());
    await a1.close();
    a1Open = false;
    const leases = a2.server.service.store.leases('federation', LEASE_SHARDS);
    const held = await eventually(
      async () => leases.held().size,
      (size) => size === LEASE_SHARDS,
      20_000,
    );
    expect(held).toBe(LEASE_SHARDS);

    // b.test comes up: bob learns alice's presence, which no one updated since.
    const b = await startHomeserver(
      {
        name: 'b.test',
        port: bPort,
        users: { [bob]: 'bob-token' },
        rooms: ROOMS,
        peers: { 'a.test': a2Port },
      },
      keys.path,
    );
    stops.push(() => b.close());
    const since = (await b.as('bob-token').sync({ set_presence: 'offline' })).nextBatch;
    const seen = await waitForEvent(
      b.as('bob-token'),
      since,
      alice,
      (content) => content.status_msg === 'queued',
      15_000,
    );
    expect(seen.content).toMatchObject({ presence: 'online', status_msg: 'queued' });
  });
});
