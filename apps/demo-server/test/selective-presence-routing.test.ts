/**
 * MSC4495 routing over HTTP: Alice's `m.presence.sharing` decides who sees her presence, in
 * initial syncs, incremental syncs and `GET /presence`, through the five steps; no settings
 * share with nobody (co-members included); a change takes effect on the next update; a
 * configured module's additions stay under the user's deny; remote recipients follow denied
 * servers.
 */
import { ACCOUNT_DATA_TYPES } from '@presence-router/selective-presence';
import { afterEach, describe, expect, it } from 'vitest';
import type { LoggingFederationSender } from '../src/federation-sender.ts';
import {
  ALICE,
  BOB,
  CAROL,
  DAVE,
  ERIN,
  MALLORY,
  msc4495Yaml,
  putAccountData,
  tokenOf,
  ZED,
} from './support/msc4495-server.ts';
import { eventually } from './support/server-cluster.ts';
import { HS, startTestServer, type TestServer } from './support/test-server.ts';

const SHARING = ACCOUNT_DATA_TYPES.sharing[0] as string;
const UNSTABLE_SHARING = ACCOUNT_DATA_TYPES.sharing[1] as string;
const VIEWERS = [BOB, CAROL, DAVE, ERIN, MALLORY];

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Starts a server, stores Alice's settings (if any) and sets her online. */
async function aliceOnlineWith(settings: unknown, yaml = msc4495Yaml()): Promise<TestServer> {
  server = await startTestServer(yaml);
  const alice = server.as(tokenOf(ALICE));
  if (settings !== undefined) {
    const put = await putAccountData(alice, ALICE, SHARING, settings);
    expect(put.status).toBe(200);
  }
  expect((await alice.setPresence(ALICE, 'online', 'here')).status).toBe(200);
  return server;
}

/** The viewers whose initial sync shows Alice, and whose GET /presence of her answers 200. */
async function whoSeesAlice(running: TestServer): Promise<{ sync: string[]; get: string[] }> {
  const sync: string[] = [];
  const get: string[] = [];
  for (const viewer of VIEWERS) {
    const client = running.as(tokenOf(viewer));
    const events = (await client.sync({ set_presence: 'offline' })).events;
    if (events.some((event) => event.sender === ALICE)) sync.push(viewer);
    const reply = await client.request(
      'GET',
      `/_matrix/client/v3/presence/${encodeURIComponent(ALICE)}/status`,
    );
    if (reply.status === 200) get.push(viewer);
    else expect(reply.body.errcode).toBe('M_FORBIDDEN');
  }
  return { sync, get };
}

describe('MSC4495 recipient sets over HTTP', () => {
  const scenarios: { name: string; settings: unknown; sees: string[] }[] = [
    { name: 'no settings: nobody, not even co-members', settings: undefined, sees: [] },
    { name: 'empty settings: nobody', settings: {}, sees: [] },
    {
      name: 'share_locally: local users sharing a room (any hint)',
      settings: { share_locally: true },
      sees: [BOB, CAROL, DAVE, MALLORY],
    },
    {
      name: 'an allowed room with suggest: its members',
      settings: { rooms: { [`!family:${HS}`]: 'allow' } },
      sees: [BOB],
    },
    {
      name: 'an allowed room with forbid, or without a hint: nobody through it',
      settings: { rooms: { [`!public:${HS}`]: 'allow', [`!nohint:${HS}`]: 'allow' } },
      sees: [],
    },
    {
      name: 'an allowed user sharing a room (forbid hint) sees; one sharing none does not',
      settings: { users: { [CAROL]: 'allow', [ERIN]: 'allow' } },
      sees: [CAROL],
    },
    {
      name: 'a denied user wins over an allowed room',
      settings: { rooms: { [`!family:${HS}`]: 'allow' }, users: { [BOB]: 'deny' } },
      sees: [],
    },
    {
      name: 'a denied user wins over share_locally',
      settings: { share_locally: true, users: { [MALLORY]: 'deny' } },
      sees: [BOB, CAROL, DAVE],
    },
    {
      name: 'a denied server removes the allowed room members on it',
      settings: { rooms: { [`!family:${HS}`]: 'allow' }, servers: { [HS]: 'deny' } },
      sees: [],
    },
    {
      name: 'an allowed user beats its denied server',
      settings: {
        rooms: { [`!family:${HS}`]: 'allow' },
        servers: { [HS]: 'deny' },
        users: { [BOB]: 'allow' },
      },
      sees: [BOB],
    },
  ];

  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const seen = await whoSeesAlice(await aliceOnlineWith(scenario.settings));
      expect(seen.sync).toEqual(scenario.sees);
      expect(seen.get).toEqual(scenario.sees);
    });
  }

  it('the unstable type name counts when the stable one is absent', async () => {
    server = await startTestServer(msc4495Yaml());
    const alice = server.as(tokenOf(ALICE));
    await putAccountData(alice, ALICE, UNSTABLE_SHARING, { users: { [DAVE]: 'allow' } });
    await alice.setPresence(ALICE, 'online');
    expect((await whoSeesAlice(server)).sync).toEqual([DAVE]);
  });

  it('Alice still sees her own presence without settings', async () => {
    const running = await aliceOnlineWith(undefined);
    const own = await running.as(tokenOf(ALICE)).sync({ set_presence: 'offline' });
    expect(own.events.map((event) => event.sender)).toEqual([ALICE]);
  });

  it('a settings change takes effect on the next update (a deny, and a share withdrawn)', async () => {
    const running = await aliceOnlineWith({ share_locally: true });
    const viewers = [BOB, CAROL, DAVE].map((userId) => running.as(tokenOf(userId)));
    const starts = [];
    for (const viewer of viewers) starts.push(await viewer.sync({ set_presence: 'offline' }));
    for (const start of starts) expect(start.events.some((e) => e.sender === ALICE)).toBe(true);

    // Bob denied; Carol no longer shared with (no share_locally); Dave allowed.
    const alice = running.as(tokenOf(ALICE));
    await putAccountData(alice, ALICE, SHARING, { users: { [BOB]: 'deny', [DAVE]: 'allow' } });
    await alice.setPresence(ALICE, 'unavailable', 'after the change');
    const statuses = [];
    for (const [i, viewer] of viewers.entries()) {
      const since = starts[i]?.nextBatch ?? '';
      const next = await viewer.sync({ since, set_presence: 'offline' });
      statuses.push(next.events.filter((e) => e.sender === ALICE).map((e) => e.content.status_msg));
    }
    expect(statuses).toEqual([[], [], ['after the change']]);
    // The read side follows at once: new snapshots and GETs show her to Dave alone.
    expect(await whoSeesAlice(running)).toEqual({ sync: [DAVE], get: [DAVE] });
  });

  it('a routing module adds recipients, but never over a user deny', async () => {
    const modules = `presence:
  routing_modules:
    - module: '@presence-router/example-router.ExamplePresenceRouter'
      config:
        always_send_to_users: ['${ERIN}', '${MALLORY}']
`;
    const running = await aliceOnlineWith(
      { users: { [MALLORY]: 'deny' } },
      msc4495Yaml({ extra: modules }),
    );
    const seen = await whoSeesAlice(running);
    expect(seen.sync).toEqual([ERIN]);
    expect(seen.get).toEqual([ERIN]);
    // Core's fan-out of Alice's next update: Erin (the module) but not Mallory (her deny).
    const result = await running.server.service.router.fanOut([
      running.server.service.currentState(ALICE),
    ]);
    expect(result.statesFor(ERIN).map((state) => state.userId)).toEqual([ALICE]);
    expect(result.statesFor(MALLORY)).toEqual([]);
  });

  it('remote recipients: members of an allowed room on another server, unless it is denied', async () => {
    const sentTo = async (settings: unknown): Promise<string[]> => {
      const running = await aliceOnlineWith(settings);
      const sender = running.server.federation as LoggingFederationSender;
      const recipients = sender.sent
        .filter((batch) => batch.states.some((state) => state.userId === ALICE))
        .flatMap((batch) => batch.userIds);
      await running.close();
      server = undefined;
      return recipients;
    };
    const family = { [`!family:${HS}`]: 'allow' };
    expect(await sentTo({ rooms: family })).toEqual([ZED]);
    expect(await sentTo({ rooms: family, servers: { 'remote.example': 'deny' } })).toEqual([]);
    expect(await sentTo({ share_locally: true })).toEqual([]);
  });
});

describe('MSC4495 and membership changes', () => {
  const admin = (action: 'join' | 'leave', room: string, userId: string) =>
    server
      ?.as('admin-token-123')
      .request('POST', `/_presence_router/admin/v1/rooms/${encodeURIComponent(room)}/${action}`, {
        user_id: userId,
      });
  /** Polls `viewer`'s initial sync until whether it shows Alice is `shown`; returns that. */
  const snapshotShowsAlice = async (viewer: string, shown: boolean): Promise<boolean> =>
    eventually(
      async () =>
        (
          await (server as TestServer).as(tokenOf(viewer)).sync({ set_presence: 'offline' })
        ).events.some((event) => event.sender === ALICE),
      (value) => value === shown,
    );

  it('a leave or a join recomputes the sets before the sender updates again', async () => {
    server = await aliceOnlineWith({ rooms: { [`!family:${HS}`]: 'allow' }, share_locally: false });
    expect(await snapshotShowsAlice(BOB, true)).toBe(true);
    expect((await admin('leave', `!family:${HS}`, BOB))?.status).toBe(200);
    expect(await snapshotShowsAlice(BOB, false)).toBe(false);
    expect(await snapshotShowsAlice(ERIN, false)).toBe(false);
    expect((await admin('join', `!family:${HS}`, ERIN))?.status).toBe(200);
    expect(await snapshotShowsAlice(ERIN, true)).toBe(true);
  });

  // A join shows the joined user and the room's members each other's presence through the
  // router's fan-out (membershipChanged), so MSC4495 decides there too.
  it('a join shows nobody the presence of a user without settings', async () => {
    server = await aliceOnlineWith(undefined);
    const erin = server.as(tokenOf(ERIN));
    const start = await erin.sync({ set_presence: 'offline' });
    const join = await server
      .as('admin-token-123')
      .request(
        'POST',
        `/_presence_router/admin/v1/rooms/${encodeURIComponent(`!nohint:${HS}`)}/join`,
        {
          user_id: ERIN,
        },
      );
    expect(join.status).toBe(200);
    const next = await erin.sync({ since: start.nextBatch, set_presence: 'offline' });
    expect(next.events.filter((event) => event.sender === ALICE)).toEqual([]);
  });
});

describe('MSC4495 disabled', () => {
  it('default routing as before: co-members see Alice without any settings', async () => {
    server = await startTestServer(msc4495Yaml({ enabled: false }));
    await server.as(tokenOf(ALICE)).setPresence(ALICE, 'online');
    expect((await whoSeesAlice(server)).sync).toEqual([BOB, CAROL, DAVE, MALLORY]);
  });
});
