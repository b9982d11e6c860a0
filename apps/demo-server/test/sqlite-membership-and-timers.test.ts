import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseYamlSource } from '@presence-router/config';
import { InMemoryMembership } from '@presence-router/membership';
import { SynapseFixtureWriter } from '@presence-router/membership/testing';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoDatabase, embeddedConfigYaml } from '../src/demo-database.ts';
import { JsonLogger } from '../src/json-logger.ts';
import { createServerFromConfig, loadServerConfig } from '../src/load-server.ts';
import { listen } from '../src/node-listener.ts';
import { PresenceServer } from '../src/presence-server.ts';
import { parseServerSettings } from '../src/server-settings.ts';
import {
  MatrixTestClient,
  type PresenceEventJson,
  presenceBySender,
} from './support/test-server.ts';
import { withTestStore } from './support/test-store.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'presence-router-sqlite-test-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a Synapse SQLite database as the membership source', () => {
  it('follows membership changes the homeserver writes while the server runs', async () => {
    const demo = await createDemoDatabase(join(dir, 'homeserver.db'), { largeRoomMembers: 20 });
    const logs: string[] = [];
    const logger = new JsonLogger({ level: 'debug', write: (line) => logs.push(line) });
    const config = await loadServerConfig(withTestStore(embeddedConfigYaml(demo.path)), {
      sourceName: 'embedded',
      logger,
    });
    const running = await listen(await createServerFromConfig(config, { logger }), {
      port: 0,
      host: '127.0.0.1',
    });
    try {
      const carol = new MatrixTestClient(running.url, 'carol-demo-token');
      const erin = new MatrixTestClient(running.url, 'erin-demo-token');
      const first = await carol.sync();
      // erin shares no room with carol (only !quiet with bob, !town-square with alice).
      await erin.setPresence('@erin:demo.local', 'online', 'hello');
      const none = await carol.sync({ since: first.nextBatch });
      expect(presenceBySender(none.events)['@erin:demo.local']).toBeUndefined();

      // The homeserver joins erin to !ops, where carol is.
      const db = new Database(demo.path);
      try {
        await new SynapseFixtureWriter(db, { serverName: 'demo.local' }).join(
          '!ops:demo.local',
          '@erin:demo.local',
        );
      } finally {
        db.close();
      }
      // The server notices through Synapse's current_state_delta_stream (polled every second).
      const opsPath = `/_matrix/client/v3/rooms/${encodeURIComponent('!ops:demo.local')}/joined_members`;
      for (let attempt = 0; attempt < 200; attempt++) {
        const reply = await carol.request('GET', opsPath);
        if (Object.keys(reply.body.joined as object).includes('@erin:demo.local')) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // On the join, carol learns erin's current presence (as Synapse does).
      const onJoin = await carol.sync({ since: none.nextBatch, timeout: '20000' });
      expect(onJoin.events.map((event) => [event.sender, event.content.status_msg])).toEqual([
        ['@erin:demo.local', 'hello'],
      ]);
      await erin.setPresence('@erin:demo.local', 'unavailable', 'joined ops');
      const routed = await carol.sync({ since: onJoin.nextBatch });
      expect(presenceBySender(routed.events)).toEqual({ '@erin:demo.local': 'unavailable' });
      const members = await carol.request(
        'GET',
        `/_matrix/client/v3/rooms/${encodeURIComponent('!ops:demo.local')}/joined_members`,
      );
      expect(Object.keys(members.body.joined as object).sort()).toEqual([
        '@carol:demo.local',
        '@dave:demo.local',
        '@erin:demo.local',
      ]);
      // Membership of a database source is changed at its origin, not through the admin API.
      const admin = new MatrixTestClient(running.url, 'admin-demo-token');
      const refused = await admin.request(
        'POST',
        `/_presence_router/admin/v1/rooms/${encodeURIComponent('!ops:demo.local')}/leave`,
        { user_id: '@erin:demo.local' },
      );
      expect(refused.status).toBe(400);
    } finally {
      await running.close();
    }
  });
});

describe('the Synapse SQLite file changing under the running server', () => {
  it('is noticed, logged and reopened when replaced; lookups answer 503 while it is gone', async () => {
    const path = join(dir, 'replaced.db');
    const demo = await createDemoDatabase(path, { largeRoomMembers: 5 });
    const logs: string[] = [];
    const logger = new JsonLogger({ level: 'debug', write: (line) => logs.push(line) });
    const yaml = embeddedConfigYaml(demo.path).replace(
      /^membership:\n {2}sqlite: (.*)$/m,
      'membership:\n  sqlite: $1\n  poll_interval: 100ms',
    );
    expect(yaml).toContain('poll_interval: 100ms');
    const config = await loadServerConfig(withTestStore(yaml), { sourceName: 'embedded', logger });
    const running = await listen(await createServerFromConfig(config, { logger }), {
      port: 0,
      host: '127.0.0.1',
    });
    const carol = new MatrixTestClient(running.url, 'carol-demo-token');
    const opsPath = `/_matrix/client/v3/rooms/${encodeURIComponent('!ops:demo.local')}/joined_members`;
    /** Asks until `done` holds for the answer (the poller looks every 100 ms). */
    const askUntil = async (
      done: (reply: Awaited<ReturnType<MatrixTestClient['request']>>) => boolean,
      path = opsPath,
    ) => {
      for (;;) {
        const reply = await carol.request('GET', path);
        if (done(reply)) return reply;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    try {
      expect(
        Object.keys((await carol.request('GET', opsPath)).body.joined as object),
      ).not.toContain('@erin:demo.local');
      // A new file, with erin in !ops, renamed over the old one (a new inode at the path).
      const next = await createDemoDatabase(join(dir, 'replacement.db'), { largeRoomMembers: 5 });
      const db = new Database(next.path);
      try {
        await new SynapseFixtureWriter(db, { serverName: 'demo.local' }).join(
          '!ops:demo.local',
          '@erin:demo.local',
        );
      } finally {
        db.close();
      }
      await rename(next.path, path);
      await askUntil(
        (reply) =>
          reply.status === 200 &&
          Object.keys(reply.body.joined as object).includes('@erin:demo.local'),
      );
      expect(
        logs.some((line) => line.includes('"level":"warn"') && line.includes('replaced')),
      ).toBe(true);

      // The file is deleted: lookups that reach the database fail cleanly (503 with
      // Retry-After), never 500; what the cache holds (!ops) is still served.
      await rename(path, `${path}.away`);
      // (A lookup before the next poll would still read the open file: wait for the poll.)
      while (!logs.some((line) => line.includes('deleted or moved away'))) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const lobbyPath = `/_matrix/client/v3/rooms/${encodeURIComponent('!lobby:demo.local')}/joined_members`;
      const gone = await askUntil((reply) => reply.status !== 200, lobbyPath);
      expect(gone.status).toBe(503);
      expect(gone.body.errcode).toBe('M_UNKNOWN');
      expect(gone.headers.get('retry-after')).not.toBeNull();
      // And back: the server recovers.
      await rename(`${path}.away`, path);
      const back = await askUntil((reply) => reply.status !== 503, lobbyPath);
      expect(back.status).toBe(200);
      expect(Object.keys(back.body.joined as object)).toContain('@carol:demo.local');
    } finally {
      await running.close();
    }
  });
});

describe('presence timers', () => {
  it('no activity for idle_timeout: unavailable; no sync for sync_online_timeout: offline', async () => {
    let clock = 1_700_000_000_000;
    const source = parseYamlSource(
      "access_tokens:\n  '@a:hs.example': a-token-123\n  '@b:hs.example': b-token-123\npresence:\n  sync_online_timeout: 10m\n  idle_timeout: 5m\n",
      'timers.yaml',
    );
    const settings = parseServerSettings(source, { serverName: 'hs.example' });
    expect(settings.timers).toMatchObject({ syncOnlineTimeoutMs: 600_000, idleTimeoutMs: 300_000 });
    const membership = new InMemoryMembership({ serverName: 'hs.example' });
    membership.joinAll('!r:hs.example', ['@a:hs.example', '@b:hs.example']);
    const server = await PresenceServer.create({
      serverName: 'hs.example',
      settings,
      membership,
      logger: new JsonLogger({ level: 'silent', write: () => {} }),
      now: () => clock,
    });
    type Sync = { next_batch: string; presence: { events: PresenceEventJson[] } };
    const sync = async (token: string, query: string): Promise<Sync> =>
      (await (
        await server.app.request(`/_matrix/client/v3/sync?${query}`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json()) as Sync;
    try {
      await sync('a-token-123', 'timeout=0');
      const first = await sync('b-token-123', 'set_presence=offline');
      expect(presenceBySender(first.presence.events)).toEqual({ '@a:hs.example': 'online' });

      clock += 30_000;
      expect(await server.service.sweepTimers()).toBe(0);
      // Activity older than last_active_granularity (60 s): no longer currently active.
      clock += 3.5 * 60_000;
      expect(await server.service.sweepTimers()).toBe(1);
      const stale = await sync('b-token-123', `set_presence=offline&since=${first.next_batch}`);
      expect(stale.presence.events.map((event) => event.content)).toEqual([
        { presence: 'online', last_active_ago: 240_000, currently_active: false },
      ]);
      clock += 60_000 + 1000;
      expect(await server.service.sweepTimers()).toBe(1);
      const idle = await sync('b-token-123', `set_presence=offline&since=${stale.next_batch}`);
      expect(presenceBySender(idle.presence.events)).toEqual({ '@a:hs.example': 'unavailable' });

      clock += 5 * 60_000;
      expect(await server.service.sweepTimers()).toBe(1);
      const offline = await sync('b-token-123', `set_presence=offline&since=${idle.next_batch}`);
      expect(presenceBySender(offline.presence.events)).toEqual({ '@a:hs.example': 'offline' });
      // b never affected its own presence (set_presence=offline): still no state.
      expect(server.service.currentState('@b:hs.example').state).toBe('offline');
    } finally {
      await server.shutdown();
    }
  });
});
