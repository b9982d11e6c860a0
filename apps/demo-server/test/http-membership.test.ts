import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HS,
  presenceBySender,
  startTestServer,
  type TestServer,
  testConfigYaml,
} from './support/test-server.ts';

let upstream: TestServer;
let server: TestServer;

// The upstream server plays the homeserver: its joined_members and joined_rooms answer for
// the token's user. Its rooms: alice+bob in !lobby, carol+dave in !ops, bob+erin in !quiet.
beforeAll(async () => {
  upstream = await startTestServer(
    testConfigYaml()
      .replace(
        "    '!quiet:test.local': ['@bob:test.local', '@erin:test.local']",
        "    '!quiet:test.local': ['@bob:test.local', '@erin:test.local']\n    '!everyone:test.local': ['@watcher:test.local', '@alice:test.local', '@bob:test.local', '@carol:test.local']",
      )
      .replace(
        "  '@loner:test.local': loner-token-123",
        "  '@loner:test.local': loner-token-123\n  '@watcher:test.local': watcher-token-123",
      ),
  );
  server = await startTestServer(`server_name: ${HS}
access_tokens:
  '@alice:${HS}': alice-token-123
  '@bob:${HS}': bob-token-123
  '@carol:${HS}': carol-token-123
membership:
  http: { base_url: '${upstream.url}', access_token: watcher-token-123, auth: user }
  # The first lookups are cold (new connections): routing waits for them, not 250 ms.
  wait_for_slow_lookups: 5s
`);
});

afterAll(async () => {
  await server?.close();
  await upstream?.close();
});

describe("a homeserver's HTTP API as the membership source", () => {
  it('routes by the rooms the upstream server reports (client-server API, user token)', async () => {
    await server.as('alice-token-123').setPresence(`@alice:${HS}`, 'online', 'via http');
    const bobView = await server.as('bob-token-123').sync({ set_presence: 'offline' });
    // The watcher (whose token reads upstream) is in !everyone only, so that is the room
    // known here; alice and bob are both in it.
    expect(presenceBySender(bobView.events)).toEqual({ [`@alice:${HS}`]: 'online' });
    const members = await server
      .as('carol-token-123')
      .request(
        'GET',
        `/_matrix/client/v3/rooms/${encodeURIComponent(`!everyone:${HS}`)}/joined_members`,
      );
    expect(Object.keys(members.body.joined as object).sort()).toEqual([
      `@alice:${HS}`,
      `@bob:${HS}`,
      `@carol:${HS}`,
      `@watcher:${HS}`,
    ]);
    expect(server.logs.filter((line) => line.includes('"request failed"'))).toEqual([]);
  });
});
