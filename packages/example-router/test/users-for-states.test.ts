import { type UserPresenceState, userPresenceState } from '@presence-router/core';
import { InMemoryMembership } from '@presence-router/membership';
import { RecordingLogger } from '@presence-router/test-support';
import { describe, expect, it } from 'vitest';
import { ExamplePresenceRouter, ExampleRouterError } from '../src/index.ts';
import { FakeModuleApi } from './support/fake-module-api.ts';
import { RecordingMembership } from './support/recording-membership.ts';

const HS = 'hs.example';
const alice = userPresenceState('@alice:hs.example', { state: 'online' });
const bob = userPresenceState('@bob:hs.example', { state: 'unavailable' });
const carol = userPresenceState('@carol:hs.example', { state: 'online' });

/** !lobby: dave, erin, frank@remote; !ops: erin, gina; !elsewhere: only remote users. */
function membership(): InMemoryMembership {
  const m = new InMemoryMembership({ serverName: HS });
  for (const user of ['@dave:hs.example', '@erin:hs.example', '@frank:remote.example'])
    m.join('!lobby:hs.example', user);
  for (const user of ['@erin:hs.example', '@gina:hs.example']) m.join('!ops:hs.example', user);
  m.join('!elsewhere:remote.example', '@zed:remote.example');
  return m;
}

const CONFIG = {
  always_send_to_users: ['@auditor:hs.example'],
  users_to_rooms: [
    { '@alice:hs.example': ['!lobby:hs.example', '!ops:hs.example'] },
    { '@bob:hs.example': '!ops:hs.example' },
    { '@carol:hs.example': ['!elsewhere:remote.example', '!unknown:hs.example'] },
  ],
};

function setup(withMembership: boolean) {
  const recording = new RecordingMembership(membership());
  const logger = new RecordingLogger();
  const api = new FakeModuleApi(HS, withMembership ? recording : undefined);
  const router = new ExamplePresenceRouter(ExamplePresenceRouter.parseConfig(CONFIG), api, {
    logger,
  });
  return { router, recording, logger };
}

/** userId -> states as a sorted plain object, for readable comparisons. */
function plain(map: ReadonlyMap<string, ReadonlySet<UserPresenceState>>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const key of [...map.keys()].sort()) {
    out[key] = [...(map.get(key) ?? [])].map((s) => s.userId).sort();
  }
  return out;
}

describe('ExamplePresenceRouter.getUsersForStates with a membership source', () => {
  it("sends mapped users' states to the members of their rooms and everything to always_send_to_users", async () => {
    const { router } = setup(true);
    const result = await router.getUsersForStates([alice, bob, carol]);
    expect(plain(result)).toEqual({
      '@auditor:hs.example': ['@alice:hs.example', '@bob:hs.example', '@carol:hs.example'],
      '@dave:hs.example': ['@alice:hs.example'],
      '@erin:hs.example': ['@alice:hs.example', '@bob:hs.example'],
      '@frank:remote.example': ['@alice:hs.example'],
      '@gina:hs.example': ['@alice:hs.example', '@bob:hs.example'],
    });
    expect(result.get('@dave:hs.example')?.has(alice)).toBe(true);
  });

  it('looks the rooms up in ONE batched getJoinedMembers call', async () => {
    const { router, recording } = setup(true);
    await router.getUsersForStates([alice, bob, carol]);
    expect(recording.joinedMembersCalls).toHaveLength(1);
    expect([...(recording.joinedMembersCalls[0] ?? [])].sort()).toEqual([
      '!elsewhere:remote.example',
      '!lobby:hs.example',
      '!ops:hs.example',
      '!unknown:hs.example',
    ]);
  });

  it('drops rooms this server does not participate in, with a warning each', async () => {
    const { router, logger } = setup(true);
    const result = await router.getUsersForStates([carol]);
    expect(plain(result)).toEqual({ '@auditor:hs.example': ['@carol:hs.example'] });
    expect(result.has('@zed:remote.example')).toBe(false);
    expect(logger.messages('warn')).toHaveLength(2);
    expect(logger.messages('warn').join('\n')).toMatch(/!elsewhere:remote\.example dropped/);
    expect(logger.messages('warn').join('\n')).toMatch(/!unknown:hs\.example dropped/);
  });

  it('reads a one-shot generator once: always_send_to_users and rooms all get the states', async () => {
    const { router } = setup(true);
    function* batch() {
      yield alice;
      yield bob;
    }
    const result = await router.getUsersForStates(batch());
    expect(plain(result)['@auditor:hs.example']).toEqual(['@alice:hs.example', '@bob:hs.example']);
    expect(plain(result)['@gina:hs.example']).toEqual(['@alice:hs.example', '@bob:hs.example']);
  });

  it('lets recipients reached through the same rooms share one Set', async () => {
    const { router } = setup(true);
    const result = await router.getUsersForStates([alice, bob]);
    // dave and frank are only in !lobby: one shared Set.
    expect(result.get('@dave:hs.example')).toBe(result.get('@frank:remote.example'));
    // erin (!lobby + !ops) and gina (!ops) are reached differently: separate Sets.
    expect(result.get('@erin:hs.example')).not.toBe(result.get('@gina:hs.example'));
    expect(result.get('@dave:hs.example')).not.toBe(result.get('@erin:hs.example'));
  });

  it('gives a room member who is also in always_send_to_users the union', async () => {
    const m = membership();
    m.join('!lobby:hs.example', '@auditor:hs.example');
    const api = new FakeModuleApi(HS, m);
    const logger = new RecordingLogger();
    const router = new ExamplePresenceRouter(ExamplePresenceRouter.parseConfig(CONFIG), api, {
      logger,
    });
    const result = await router.getUsersForStates([alice, carol]);
    expect(plain(result)['@auditor:hs.example']).toEqual([
      '@alice:hs.example',
      '@carol:hs.example',
    ]);
    expect(logger.messages('warn')).toHaveLength(2);
  });

  it('copes with a member listed twice and with rooms reached in any order', async () => {
    const source = {
      async getJoinedMembers(roomIds: readonly string[]) {
        const rooms: Record<string, string[]> = {
          '!lobby:hs.example': ['@dave:hs.example', '@dave:hs.example', '@erin:hs.example'],
          '!ops:hs.example': ['@erin:hs.example', '@dave:hs.example'],
        };
        return new Map(roomIds.filter((r) => r in rooms).map((r) => [r, rooms[r] ?? []]));
      },
      async getRoomsForUsers() {
        return new Map<string, string[]>();
      },
    };
    const router = new ExamplePresenceRouter(
      ExamplePresenceRouter.parseConfig({
        users_to_rooms: {
          '@alice:hs.example': '!lobby:hs.example',
          '@bob:hs.example': '!ops:hs.example',
        },
      }),
      new FakeModuleApi(HS, source),
    );
    const result = await router.getUsersForStates([alice, bob]);
    expect(plain(result)).toEqual({
      '@dave:hs.example': ['@alice:hs.example', '@bob:hs.example'],
      '@erin:hs.example': ['@alice:hs.example', '@bob:hs.example'],
    });
    expect(result.get('@dave:hs.example')).toBe(result.get('@erin:hs.example'));
    expect([...(result.get('@dave:hs.example') ?? [])]).toEqual([alice, bob]);
  });

  it('does not call the membership source when no mapped user is in the batch', async () => {
    const { router, recording } = setup(true);
    const dave = userPresenceState('@dave:hs.example', { state: 'online' });
    const result = await router.getUsersForStates([dave]);
    expect(plain(result)).toEqual({ '@auditor:hs.example': ['@dave:hs.example'] });
    expect(recording.joinedMembersCalls).toEqual([]);
    expect((await router.getUsersForStates([])).size).toBe(0);
    expect(recording.joinedMembersCalls).toEqual([]);
  });

  it('wraps a failing membership source in ExampleRouterError MEMBERSHIP_UNAVAILABLE', async () => {
    const { router, recording } = setup(true);
    const cause = new Error('database is down');
    recording.failWith = cause;
    const error = await router.getUsersForStates([alice]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExampleRouterError);
    expect(error).toMatchObject({ code: 'MEMBERSHIP_UNAVAILABLE', cause });
    expect((error as ExampleRouterError).roomIds).toEqual(['!lobby:hs.example', '!ops:hs.example']);
    expect((error as Error).message).toMatch(/database is down/);
  });
});

describe('ExamplePresenceRouter.getUsersForStates without a membership source', () => {
  it('returns only user destinations and warns once', async () => {
    const { router, logger } = setup(false);
    const first = await router.getUsersForStates([alice, bob]);
    expect(plain(first)).toEqual({
      '@auditor:hs.example': ['@alice:hs.example', '@bob:hs.example'],
    });
    await router.getUsersForStates([alice]);
    await router.getUsersForStates([carol]);
    expect(logger.messages('warn')).toHaveLength(1);
    expect(logger.messages('warn')[0]).toMatch(/no membership source/);
  });

  it('does not warn when the batch touches no mapped room', async () => {
    const { router, logger } = setup(false);
    const dave = userPresenceState('@dave:hs.example');
    await router.getUsersForStates([dave]);
    expect(logger.messages('warn')).toEqual([]);
  });
});
