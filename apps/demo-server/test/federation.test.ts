/**
 * Two real servers on 127.0.0.1 as two homeservers, a.test and b.test, routing presence to
 * each other over the server-server API: signed transactions out, verified against the
 * origin's key (fetched over HTTP) in. Nothing of the other side is mocked.
 */
import { ModuleRegistry } from '@presence-router/config';
import type { UserPresenceState } from '@presence-router/core';
import { registerExampleRouter } from '@presence-router/example-router';
import { afterEach, describe, expect, it } from 'vitest';
import {
  freePort,
  type Homeserver,
  keyDirectory,
  metric,
  startHomeserver,
  waitForEvent,
} from './support/federating-servers.ts';

const alice = '@alice:a.test';
const ann = '@ann:a.test';
const bob = '@bob:b.test';
const carol = '@carol:b.test';
const xena = '@xena:b.test';
const amy = '@amy:a.test';

const EXAMPLE = "'@presence-router/example-router.ExamplePresenceRouter'";

/**
 * a.test's routing module: ann's presence goes to carol (write side), and xena is interested
 * in amy (read side).
 */
class TestRoutes {
  static parseConfig(): Record<string, never> {
    return {};
  }
  getUsersForStates(states: readonly UserPresenceState[]): Map<string, Set<UserPresenceState>> {
    const mine = states.filter((state) => state.userId === ann);
    return mine.length === 0 ? new Map() : new Map([[carol, new Set(mine)]]);
  }
  getInterestedUsers(userId: string): Set<string> {
    return userId === xena ? new Set([amy]) : new Set();
  }
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

interface Pair {
  a: Homeserver;
  b: Homeserver;
  aPort: number;
  bPort: number;
  keys: string;
  startB(): Promise<Homeserver>;
}

/**
 * a.test: alice and bob share !shared; ann shares nothing with b.test but is routed to carol
 * (a.test's module); amy shares nothing, but the same module says xena watches her
 * (a read side, for the snapshot). b.test: the same !shared, xena shares !late with amy, carol receives all presence (b.test's
 * example router: its read side is what lets a remote destination see what it is sent).
 */
async function startPair(options: { startB?: boolean } = {}): Promise<Pair> {
  const keys = await keyDirectory();
  stops.push(() => keys.remove());
  const [aPort, bPort] = [await freePort(), await freePort()];
  const registry = registerExampleRouter(new ModuleRegistry()).register(
    'test_modules.TestRoutes',
    TestRoutes,
  );
  const a = await startHomeserver(
    {
      name: 'a.test',
      port: aPort,
      users: { [alice]: 'alice-token', [ann]: 'ann-token', [amy]: 'amy-token' },
      rooms: { '!shared:a.test': [alice, bob], '!solo:a.test': [alice, ann] },
      peers: { 'b.test': bPort },
      registry,
      extra: `presence:
  routing_modules:
    - module: test_modules.TestRoutes
`,
    },
    keys.path,
  );
  stops.push(() => a.close());
  const startB = async (): Promise<Homeserver> => {
    const b = await startHomeserver(
      {
        name: 'b.test',
        port: bPort,
        users: { [bob]: 'bob-token', [carol]: 'carol-token', [xena]: 'xena-token' },
        rooms: { '!shared:a.test': [alice, bob], '!late:b.test': [amy, xena] },
        peers: { 'a.test': aPort },
        extra: `presence:
  routing_modules:
    - module: ${EXAMPLE}
      config:
        always_send_to_users: ['${carol}']
`,
      },
      keys.path,
    );
    stops.push(() => b.close());
    return b;
  };
  const b = options.startB === false ? (undefined as unknown as Homeserver) : await startB();
  return { a, b, aPort, bPort, keys: keys.path, startB };
}

async function sinceNow(server: Homeserver, token: string): Promise<string> {
  return (await server.as(token).sync({ set_presence: 'offline' })).nextBatch;
}

describe('two homeservers federating on 127.0.0.1', () => {
  it("a co-member on the other server sees the update, both ways, with the sender's status", async () => {
    const { a, b } = await startPair();
    const bobSince = await sinceNow(b, 'bob-token');
    const aliceSince = await sinceNow(a, 'alice-token');

    expect((await a.as('alice-token').setPresence(alice, 'online', 'from a')).status).toBe(200);
    const seen = await waitForEvent(b.as('bob-token'), bobSince, alice);
    expect(seen.content).toMatchObject({ presence: 'online', status_msg: 'from a' });

    expect((await b.as('bob-token').setPresence(bob, 'unavailable', 'from b')).status).toBe(200);
    const back = await waitForEvent(a.as('alice-token'), aliceSince, bob);
    expect(back.content).toMatchObject({ presence: 'unavailable', status_msg: 'from b' });

    // The counters move once each side has handled the answer or the transaction, which may
    // come after the receiving user saw the update: poll them.
    await expect
      .poll(() => metric(a, 'presence_router_federation_transactions_sent_total'))
      .toBeGreaterThan(0);
    await expect
      .poll(() => metric(b, 'presence_router_federation_presence_received_total'))
      .toBeGreaterThan(0);
  });

  it('a routing module destination on the other server sees it; a user without interest does not', async () => {
    const { a, b } = await startPair();
    const carolSince = await sinceNow(b, 'carol-token');
    const bobSince = await sinceNow(b, 'bob-token');

    // ann shares no room with anyone on b.test: only a.test's router sends her to carol.
    expect((await a.as('ann-token').setPresence(ann, 'online', 'routed')).status).toBe(200);
    const seen = await waitForEvent(b.as('carol-token'), carolSince, ann);
    expect(seen.content).toMatchObject({ presence: 'online', status_msg: 'routed' });

    // bob on b.test shares nothing with ann and is not interested: none of her presence.
    const bobView = await b.as('bob-token').sync({ since: bobSince, set_presence: 'offline' });
    expect(bobView.events.map((e) => e.sender)).not.toContain(ann);
  });

  it("sendLocalOnlinePresenceTo(['@xena:b.test']) sends the snapshot xena is interested in to b.test now", async () => {
    const { a, b } = await startPair();
    // amy is online on a.test; nothing routes her to b.test, only a read-side interest.
    expect((await a.as('amy-token').setPresence(amy, 'online', 'snapshot me')).status).toBe(200);
    await a.server.service.caughtUp();
    await a.server.context.federation?.idle();
    const xenaSince = await sinceNow(b, 'xena-token');
    const before = await metric(b, 'presence_router_federation_presence_received_total');
    expect(before).toBe(0);

    const answer = await a
      .admin()
      .request('POST', '/_presence_router/admin/v1/send_local_online_presence_to', {
        users: [xena],
      });
    expect(answer).toMatchObject({ status: 200, body: { local: [], remote: [xena] } });
    const seen = await waitForEvent(b.as('xena-token'), xenaSince, amy);
    expect(seen.content).toMatchObject({ presence: 'online', status_msg: 'snapshot me' });
    // Counted once b.test has applied the transaction, which may be after xena saw it.
    await expect
      .poll(() => metric(b, 'presence_router_federation_presence_received_total'))
      .toBe(before + 1);
    await a.server.context.federation?.idle();
    expect(await metric(b, 'presence_router_federation_presence_received_total')).toBe(before + 1);
  });

  it('a destination down for a while gets the latest state of each user once, when it is back', async () => {
    const pair = await startPair({ startB: false });
    const { a } = pair;
    for (const status of ['one', 'two', 'three']) {
      expect((await a.as('alice-token').setPresence(alice, 'online', status)).status).toBe(200);
    }
    expect((await a.as('ann-token').setPresence(ann, 'unavailable', 'ann last')).status).toBe(200);
    await a.server.service.caughtUp();

    // b.test does not answer: a.test backs off and says so.
    await expect
      .poll(async () => {
        const health = (await (await fetch(`${a.url}/health`)).json()) as {
          federation: { destinations_in_backoff: { destination: string; pending: number }[] };
        };
        return health.federation.destinations_in_backoff;
      })
      .toEqual([expect.objectContaining({ destination: 'b.test', pending: 2 })]);
    expect(await metric(a, 'presence_router_federation_transactions_failed_total')).toBeGreaterThan(
      0,
    );
    // Between two retries (short in this test) it is in backoff; a retry in flight is not.
    await expect
      .poll(() => metric(a, 'presence_router_federation_destinations_in_backoff'))
      .toBe(1);

    const b = await pair.startB();
    const bobSince = await sinceNow(b, 'bob-token');
    await expect
      .poll(() => metric(b, 'presence_router_federation_presence_received_total'), {
        timeout: 5000,
      })
      .toBe(2);
    await a.server.context.federation?.idle();
    // Exactly one entry per user came in (the latest), and bob's view is the latest state.
    expect(await metric(b, 'presence_router_federation_presence_received_total')).toBe(2);
    const view = await b.as('bob-token').sync({ set_presence: 'offline' });
    expect(view.events.find((e) => e.sender === alice)?.content).toMatchObject({
      presence: 'online',
      status_msg: 'three',
    });
    expect(await metric(a, 'presence_router_federation_destinations_in_backoff')).toBe(0);
    // Nothing older follows.
    const later = await b.as('bob-token').sync({ since: bobSince, set_presence: 'offline' });
    for (const event of later.events.filter((e) => e.sender === alice)) {
      expect(event.content.status_msg).toBe('three');
    }
  });
});
