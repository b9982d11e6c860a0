/** InMemoryMembership driving core's PresenceRouter: member changes reach the fan-out. */
import { PresenceRouter, userPresenceState } from '@presence-router/core';
import { RecordingLogger } from '@presence-router/test-support';
import { describe, expect, it } from 'vitest';
import { InMemoryMembership } from '../src/index.ts';

const HS = 'hs.example';
const ROOM = '!room:hs.example';

describe('InMemoryMembership with PresenceRouter', () => {
  it('delivers to the current members after joins and leaves (no stale interned lists)', async () => {
    const membership = new InMemoryMembership({ serverName: HS });
    membership.join(ROOM, '@alice:hs.example');
    membership.join(ROOM, '@bob:hs.example');
    const router = new PresenceRouter({ serverName: HS, membership });
    const online = userPresenceState('@alice:hs.example', { state: 'online' });

    const first = await router.fanOut([online]);
    expect(first.statesFor('@bob:hs.example')).toEqual([online]);

    membership.leave(ROOM, '@bob:hs.example');
    membership.join(ROOM, '@carol:hs.example');
    membership.join(ROOM, '@dave:remote.example');
    const second = await router.fanOut([online]);
    expect(second.statesFor('@bob:hs.example')).toEqual([]);
    expect(second.statesFor('@carol:hs.example')).toEqual([online]);
    expect([...second.remote.keys()]).toEqual(['remote.example']);
  });

  it('drops a module room destination the server does not participate in', async () => {
    const membership = new InMemoryMembership({ serverName: HS });
    membership.join('!remote:remote.example', '@erin:remote.example');
    membership.join(ROOM, '@alice:hs.example');
    const logger = new RecordingLogger();
    const router = new PresenceRouter({
      serverName: HS,
      membership,
      logger,
      modules: [
        {
          getRoomsAndUsersForStates: (states) => [
            { '!remote:remote.example': states, [ROOM]: states },
            {},
          ],
        },
      ],
    });
    const state = userPresenceState('@zed:hs.example', { state: 'online' });
    const routed = await router.getUsersForStates([state]);
    expect([...routed.keys()]).toEqual(['@alice:hs.example']);
    expect(logger.messages('warn').some((w) => w.includes('!remote:remote.example'))).toBe(true);
  });
});
