/**
 * The operator's presence policy (`presence.default_routing`, `local_only`, `max_room_size`,
 * `deny`) through the server: sync, `GET /presence` and the federation sender obey it, and
 * the routing modules' additions still count where no denial applies.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LoggingFederationSender } from '../src/federation-sender.ts';
import {
  HS,
  presenceBySender,
  startTestServer,
  type TestServer,
  testConfigYaml,
} from './support/test-server.ts';

const alice = `@alice:${HS}`;
const carol = `@carol:${HS}`;

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The test config with `policy` (indented) inside its `presence:` mapping. */
async function withPolicy(policy: string): Promise<TestServer> {
  server = await startTestServer(testConfigYaml(policy));
  return server;
}

async function seenBy(token: string): Promise<Record<string, string>> {
  return presenceBySender((await (server as TestServer).as(token).sync()).events);
}

async function lookup(token: string, target: string): Promise<number> {
  const reply = await (server as TestServer)
    .as(token)
    .request('GET', `/_matrix/client/v3/presence/${encodeURIComponent(target)}/status`);
  return reply.status;
}

describe('the presence policy in the server', () => {
  it('deny.users: the denied viewer sees nothing of the others, on sync and GET; the rest as before', async () => {
    const s = await withPolicy(`  deny:\n    users: ['@bob:${HS}']\n`);
    expect((await s.as('alice-token-123').setPresence(alice, 'online', 'hi')).status).toBe(200);
    await s.server.service.caughtUp();
    expect((await seenBy('bob-token-123'))[alice]).toBeUndefined();
    expect(await lookup('bob-token-123', alice)).toBe(403);
    // The auditor (a module's destination) still receives alice.
    expect((await seenBy('auditor-token-123'))[alice]).toBe('online');
    expect(await lookup('bob-token-123', `@bob:${HS}`)).toBe(200);
  });

  it('default_routing: false: room members no longer see each other; the module still routes', async () => {
    const s = await withPolicy('  default_routing: false\n');
    expect((await s.as('alice-token-123').setPresence(alice, 'online')).status).toBe(200);
    await s.server.service.caughtUp();
    expect((await seenBy('bob-token-123'))[alice]).toBeUndefined();
    expect(await lookup('bob-token-123', alice)).toBe(403);
    expect((await seenBy('auditor-token-123'))[alice]).toBe('online');
  });

  it('max_room_size: a room over the size carries no default presence, one at the size does', async () => {
    const s = await withPolicy('  max_room_size: 2\n');
    // !lobby has 2 members (at the size), !ops has 3 (over it: carol, dave, a remote user).
    expect((await s.as('alice-token-123').setPresence(alice, 'online')).status).toBe(200);
    expect((await s.as('carol-token-123').setPresence(carol, 'online')).status).toBe(200);
    await s.server.service.caughtUp();
    expect((await seenBy('bob-token-123'))[alice]).toBe('online');
    expect((await seenBy('dave-token-123'))[carol]).toBeUndefined();
  });

  it('local_only: nothing goes to the federation sender; local co-members still see it', async () => {
    const s = await withPolicy('  local_only: true\n');
    expect((await s.as('carol-token-123').setPresence(carol, 'online')).status).toBe(200);
    await s.server.service.caughtUp();
    const federation = s.server.federation as LoggingFederationSender;
    expect(federation.sent).toEqual([]);
    expect((await seenBy('dave-token-123'))[carol]).toBe('online');
  });

  it('explain names the rule that denied', async () => {
    const s = await withPolicy(`  deny:\n    rooms: ['!lobby:${HS}']\n`);
    const reply = await s
      .as('admin-token-123')
      .request(
        'GET',
        `/_presence_router/admin/v1/explain?from=${encodeURIComponent(alice)}&to=${encodeURIComponent(`@bob:${HS}`)}`,
      );
    expect(reply.status).toBe(200);
    expect(JSON.stringify(reply.body)).toContain(`denied by presence.deny.rooms !lobby:${HS}`);
  });
});
