/**
 * The app through `app.request` only (web-standard Request/Response, no sockets, no Node
 * APIs in the path): this file also runs under Deno (`pnpm run test:deno`).
 */
import { parseYamlSource } from '@presence-router/config';
import { InMemoryMembership } from '@presence-router/membership';
import { describe, expect, it } from 'vitest';
import { JsonLogger } from '../src/json-logger.ts';
import { PresenceServer } from '../src/presence-server.ts';
import { parseServerSettings } from '../src/server-settings.ts';

describe('the web-standard app', () => {
  it('serves PUT presence, sync and explain through app.request', async () => {
    const settings = parseServerSettings(
      parseYamlSource(
        "access_tokens:\n  '@a:hs.example': a-token-123\n  '@b:hs.example': b-token-123\nadmin_token: admin-token-123\n",
      ),
      { serverName: 'hs.example' },
    );
    const membership = new InMemoryMembership({ serverName: 'hs.example' });
    membership.joinAll('!r:hs.example', ['@a:hs.example', '@b:hs.example']);
    const server = await PresenceServer.create({
      serverName: 'hs.example',
      settings,
      membership,
      logger: new JsonLogger({ level: 'silent', write: () => {} }),
    });
    try {
      const put = await server.app.request(
        `/_matrix/client/v3/presence/${encodeURIComponent('@a:hs.example')}/status`,
        {
          method: 'PUT',
          headers: { authorization: 'Bearer a-token-123' },
          body: JSON.stringify({ presence: 'online', status_msg: 'web' }),
        },
      );
      expect(put.status).toBe(200);
      const sync = await server.app.request(
        '/_matrix/client/v3/sync?timeout=0&set_presence=offline',
        {
          headers: { authorization: 'Bearer b-token-123' },
        },
      );
      const body = (await sync.json()) as {
        presence: { events: { sender: string; content: { status_msg?: string } }[] };
      };
      expect(body.presence.events).toEqual([
        {
          type: 'm.presence',
          sender: '@a:hs.example',
          content: expect.objectContaining({ presence: 'online', status_msg: 'web' }),
        },
      ]);
      const explain = await server.app.request(
        '/_presence_router/admin/v1/explain?from=%40a%3Ahs.example&to=%40b%3Ahs.example',
        {
          headers: { authorization: 'Bearer admin-token-123' },
        },
      );
      expect(((await explain.json()) as { sharedRooms: string[] }).sharedRooms).toEqual([
        '!r:hs.example',
      ]);
      const unknown = await server.app.request('/nowhere');
      expect(unknown.status).toBe(404);
      expect(((await unknown.json()) as { errcode: string }).errcode).toBe('M_UNRECOGNIZED');
    } finally {
      await server.shutdown();
    }
  });
});
