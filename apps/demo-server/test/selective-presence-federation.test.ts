/**
 * MSC4495 between two servers on 127.0.0.1, both with `msc4495_enabled`: a.test's entries
 * carry the recipient fields, b.test delivers to the recipients they name (not to every
 * co-member), follows a settings change through a delta, queries
 * `presence_recipients` when it cannot follow (`needs-query`), and the query answers the
 * asking server's recipients only (X-Matrix authenticated).
 */
import type { UserPresenceState } from '@presence-router/core';
import { RECIPIENTS_QUERY_PATHS } from '@presence-router/selective-presence';
import { afterEach, describe, expect, it } from 'vitest';
import type { SelectiveFederation } from '../src/selective-presence-federation.ts';
import {
  freePort,
  type Homeserver,
  keyDirectory,
  startHomeserver,
  waitForEvent,
} from './support/federating-servers.ts';
import { putAccountData } from './support/msc4495-server.ts';
import { eventually } from './support/server-cluster.ts';

const alice = '@alice:a.test';
const bob = '@bob:b.test';
const carol = '@carol:b.test';
const SHARING = 'm.presence.sharing';
const MSC4495 = 'experimental_features:\n  msc4495_enabled: true\n';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** a.test: alice; b.test: bob and carol; all three in !shared. */
async function startPair(
  options: { bRooms?: Record<string, readonly string[]> } = {},
): Promise<{ a: Homeserver; b: Homeserver }> {
  const keys = await keyDirectory();
  stops.push(() => keys.remove());
  const [aPort, bPort] = [await freePort(), await freePort()];
  const rooms = { '!shared:a.test': [alice, bob, carol] };
  const a = await startHomeserver(
    {
      name: 'a.test',
      port: aPort,
      users: { [alice]: 'alice-token' },
      rooms,
      peers: { 'b.test': bPort },
      extra: MSC4495,
    },
    keys.path,
  );
  stops.push(() => a.close());
  const b = await startHomeserver(
    {
      name: 'b.test',
      port: bPort,
      users: { [bob]: 'bob-token', [carol]: 'carol-token' },
      rooms: options.bRooms ?? rooms,
      peers: { 'a.test': aPort },
      extra: MSC4495,
    },
    keys.path,
  );
  stops.push(() => b.close());
  return { a, b };
}

function selectiveOf(server: Homeserver): SelectiveFederation {
  const federation = server.server.context.selectivePresence?.federation;
  if (federation === undefined) throw new Error('no MSC4495 federation part');
  return federation;
}

async function since(server: Homeserver, token: string): Promise<string> {
  return (await server.as(token).sync({ set_presence: 'offline' })).nextBatch;
}

/** Sets alice's presence and waits until bob on b.test has it. */
async function aliceSaysToBob(
  pair: { a: Homeserver; b: Homeserver },
  status: string,
  bobSince: string,
): Promise<string> {
  await pair.a.as('alice-token').setPresence(alice, 'online', status);
  const seen = await waitForEvent(pair.b.as('bob-token'), bobSince, alice, (content) => {
    return content.status_msg === status;
  });
  return seen.nextBatch;
}

/** Which of `status` carol received since `token` (after bob received it: nothing is late). */
async function carolStatuses(b: Homeserver, token: string): Promise<string[]> {
  const reply = await b.as('carol-token').sync({ since: token, set_presence: 'offline' });
  return reply.events
    .filter((event) => event.sender === alice)
    .map((event) => event.content.status_msg ?? '');
}

describe('MSC4495 over federation', () => {
  it('b.test delivers to the recipients a.test names, not to every co-member', async () => {
    const pair = await startPair();
    const { a, b } = pair;
    await putAccountData(a.as('alice-token'), alice, SHARING, { users: { [bob]: 'allow' } });
    const bobSince = await since(b, 'bob-token');
    const carolSince = await since(b, 'carol-token');
    await aliceSaysToBob(pair, 'for bob', bobSince);
    expect(await carolStatuses(b, carolSince)).toEqual([]);
    // What b.test holds: alice's set version and its users there.
    const held = selectiveOf(b).inbound.get(alice);
    expect(held?.recipients).toEqual(new Set([bob]));
    expect(held?.streamId).toBe(selectiveOf(a).tracker.entryFor(alice, 'b.test')?.streamId);
  });

  it('a user named by a remote entry sees its updates and its snapshot without a room b.test knows', async () => {
    // b.test's membership does not know !shared: legacy delivery would reach nobody.
    const pair = await startPair({ bRooms: { '!other:b.test': [bob, carol] } });
    const { a, b } = pair;
    await putAccountData(a.as('alice-token'), alice, SHARING, { users: { [bob]: 'allow' } });
    await aliceSaysToBob(pair, 'named', await since(b, 'bob-token'));
    const snapshot = await b.as('bob-token').sync({ set_presence: 'offline' });
    expect(snapshot.events.find((event) => event.sender === alice)?.content.status_msg).toBe(
      'named',
    );
    const carolView = await b.as('carol-token').sync({ set_presence: 'offline' });
    expect(carolView.events.map((event) => event.sender)).not.toContain(alice);
  });

  it('a settings change reaches b.test as a delta on the next update', async () => {
    const pair = await startPair();
    const { a, b } = pair;
    const alicePut = (content: unknown) =>
      putAccountData(a.as('alice-token'), alice, SHARING, content);
    await alicePut({ users: { [bob]: 'allow' } });
    let bobSince = await since(b, 'bob-token');
    bobSince = await aliceSaysToBob(pair, 'first', bobSince);
    const firstId = selectiveOf(b).inbound.get(alice)?.streamId;

    await alicePut({ users: { [bob]: 'allow', [carol]: 'allow' } });
    const carolSince = await since(b, 'carol-token');
    await aliceSaysToBob(pair, 'second', bobSince);
    expect(await carolStatuses(b, carolSince)).toEqual(['second']);
    const held = selectiveOf(b).inbound.get(alice);
    expect(held?.recipients).toEqual(new Set([bob, carol]));
    expect(held?.streamId).not.toBe(firstId);
  });

  it('a set b.test cannot follow is queried from a.test, then followed', async () => {
    const pair = await startPair();
    const { a, b } = pair;
    await putAccountData(a.as('alice-token'), alice, SHARING, { users: { [bob]: 'allow' } });
    let bobSince = await since(b, 'bob-token');
    bobSince = await aliceSaysToBob(pair, 'first', bobSince);
    // b.test loses what it held: the next entry (stream_id alone) cannot be followed.
    selectiveOf(b).inbound.forget(alice);
    await a.as('alice-token').setPresence(alice, 'online', 'while lost');
    const held = await eventually(
      async () => {
        await selectiveOf(b).idle();
        return selectiveOf(b).inbound.get(alice);
      },
      (set) => set !== undefined,
    );
    expect(held?.recipients).toEqual(new Set([bob]));
    await aliceSaysToBob(pair, 'after the query', bobSince);
  });

  it('presence_recipients answers the asking server its recipients, authenticated', async () => {
    const pair = await startPair();
    const { a, b } = pair;
    await putAccountData(a.as('alice-token'), alice, SHARING, {
      users: { [bob]: 'allow', '@zed:c.test': 'allow' },
    });
    await aliceSaysToBob(pair, 'hello', await since(b, 'bob-token'));
    const federation = b.server.context.federation;
    if (federation === undefined) throw new Error('no federation');
    const query = `?user_id=${encodeURIComponent(alice)}`;
    for (const path of [RECIPIENTS_QUERY_PATHS.stable, RECIPIENTS_QUERY_PATHS.unstable]) {
      const answer = await federation.get('a.test', `${path}${query}`);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        stream_id: selectiveOf(a).tracker.entryFor(alice, 'b.test')?.streamId,
        recipients: [bob],
      });
    }
    const unknown = await federation.get(
      'a.test',
      `${RECIPIENTS_QUERY_PATHS.stable}?user_id=${encodeURIComponent('@nobody:a.test')}`,
    );
    expect(unknown.status).toBe(404);
    expect((unknown.body as { errcode?: string }).errcode).toBe('M_NOT_FOUND');
    const unsigned = await fetch(`${a.url}${RECIPIENTS_QUERY_PATHS.stable}${query}`);
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as { errcode?: string }).errcode).toBe('M_UNAUTHORIZED');
  });

  it('outgoing entries carry stream_id and the recipients; acknowledged after the 200', async () => {
    const pair = await startPair();
    const { a, b } = pair;
    await putAccountData(a.as('alice-token'), alice, SHARING, { users: { [bob]: 'allow' } });
    await aliceSaysToBob(pair, 'hello', await since(b, 'bob-token'));
    await a.server.context.federation?.idle();
    const tracker = selectiveOf(a).tracker;
    const fields = tracker.entryFor(alice, 'b.test');
    // Acknowledged: the next entry for b.test is the stream_id alone.
    expect(fields).toEqual({ streamId: expect.any(Number) });
    const state: UserPresenceState = a.server.service.currentState(alice);
    expect(selectiveOf(a).entryFields('b.test', state)).toEqual({ stream_id: fields?.streamId });
  });
});
