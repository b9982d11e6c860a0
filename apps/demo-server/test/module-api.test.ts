import { parseYamlSource } from '@presence-router/config';
import { PresenceRouter, type PresenceRouterModule } from '@presence-router/core';
import { InMemoryMembership } from '@presence-router/membership';
import { describe, expect, it } from 'vitest';
import { JsonLogger } from '../src/json-logger.ts';
import type { GuardedMembership } from '../src/membership-guard.ts';
import { type HostModuleApi, PresenceServer } from '../src/presence-server.ts';
import { parseServerSettings } from '../src/server-settings.ts';

describe('the ModuleApi given to routing modules', () => {
  it('sendLocalOnlinePresenceTo from a module makes the next sync a snapshot; remote users go to the federation sender', async () => {
    const settings = parseServerSettings(
      parseYamlSource(
        "access_tokens:\n  '@a:hs.example': a-token-123\n  '@b:hs.example': b-token-123\n",
      ),
      { serverName: 'hs.example' },
    );
    const membership = new InMemoryMembership({ serverName: 'hs.example' });
    membership.joinAll('!r:hs.example', ['@a:hs.example', '@b:hs.example', '@r:remote.example']);
    let api: HostModuleApi | undefined;
    const module: PresenceRouterModule = {
      moduleName: 'test-module',
      getUsersForStates: () => new Map(),
      getInterestedUsers: () => new Set<string>(),
    };
    const server = await PresenceServer.create({
      serverName: 'hs.example',
      settings,
      membership,
      logger: new JsonLogger({ level: 'silent', write: () => {} }),
      createRouter: ({ membership: guarded, api: given, logger }) => {
        api = given;
        return new PresenceRouter({
          serverName: 'hs.example',
          membership: guarded,
          modules: [module],
          logger,
        });
      },
    });
    try {
      expect(api?.serverName).toBe('hs.example');
      // Modules see the server's membership through its guard (bounded lookups).
      expect((api?.membership as GuardedMembership | undefined)?.inner).toBe(membership);
      const sync = async (token: string, since?: string) =>
        (await (
          await server.app.request(
            `/_matrix/client/v3/sync?timeout=0${since ? `&since=${since}` : ''}`,
            {
              headers: { authorization: `Bearer ${token}` },
            },
          )
        ).json()) as { next_batch: string; presence: { events: { sender: string }[] } };
      await sync('a-token-123');
      const first = await sync('b-token-123');
      const quiet = await sync('b-token-123', first.next_batch);
      expect(quiet.presence.events).toEqual([]);
      const federation = server.federation as unknown as {
        sent: { serverName: string; states: { userId: string }[] }[];
      };
      const sentBefore = federation.sent.length;
      await api?.sendLocalOnlinePresenceTo(['@b:hs.example', '@r:remote.example']);
      const snapshot = await sync('b-token-123', quiet.next_batch);
      expect(snapshot.presence.events.map((event) => event.sender).sort()).toEqual([
        '@a:hs.example',
        '@b:hs.example',
      ]);
      const sent = federation.sent.slice(sentBefore);
      expect(sent.map((entry) => entry.serverName)).toEqual(['remote.example']);
      expect(sent[0]?.states.map((state) => state.userId).sort()).toEqual([
        '@a:hs.example',
        '@b:hs.example',
      ]);
    } finally {
      await server.shutdown();
    }
  });
});
