import { ALL_USERS } from '@presence-router/core';
import { InMemoryMembership } from '@presence-router/membership';
import { RecordingLogger } from '@presence-router/test-support';
import { describe, expect, it } from 'vitest';
import { ExamplePresenceRouter, ExampleRouterError } from '../src/index.ts';
import { FakeModuleApi } from './support/fake-module-api.ts';
import { RecordingMembership } from './support/recording-membership.ts';

const HS = 'hs.example';

const CONFIG = {
  always_send_to_users: ['@auditor:hs.example'],
  users_to_rooms: {
    '@alice:hs.example': ['!lobby:hs.example', '!ops:hs.example'],
    '@bob:hs.example': '!ops:hs.example',
    '@carol:hs.example': '!quiet:hs.example',
  },
};

function setup(withMembership: boolean) {
  const m = new InMemoryMembership({ serverName: HS });
  m.join('!lobby:hs.example', '@dave:hs.example');
  m.join('!ops:hs.example', '@erin:hs.example');
  m.join('!lobby:hs.example', '@erin:hs.example');
  m.join('!other:hs.example', '@nobody:hs.example');
  const recording = new RecordingMembership(m);
  const logger = new RecordingLogger();
  const router = new ExamplePresenceRouter(
    ExamplePresenceRouter.parseConfig(CONFIG),
    new FakeModuleApi(HS, withMembership ? recording : undefined),
    { logger },
  );
  return { router, recording, logger };
}

describe('ExamplePresenceRouter.getInterestedUsers', () => {
  it('answers ALL_USERS for an always_send_to_users entry, without a membership lookup', async () => {
    const { router, recording } = setup(true);
    expect(await router.getInterestedUsers('@auditor:hs.example')).toBe(ALL_USERS);
    expect(recording.roomsForUsersCalls).toEqual([]);
  });

  it('answers the users mapped to the rooms the user is joined to', async () => {
    const { router, recording } = setup(true);
    expect(await router.getInterestedUsers('@dave:hs.example')).toEqual(
      new Set(['@alice:hs.example']),
    );
    expect(await router.getInterestedUsers('@erin:hs.example')).toEqual(
      new Set(['@alice:hs.example', '@bob:hs.example']),
    );
    expect(recording.roomsForUsersCalls).toEqual([['@dave:hs.example'], ['@erin:hs.example']]);
  });

  it('answers an empty set for a user in no configured room or in no room at all', async () => {
    const { router } = setup(true);
    expect(await router.getInterestedUsers('@nobody:hs.example')).toEqual(new Set());
    expect(await router.getInterestedUsers('@stranger:hs.example')).toEqual(new Set());
  });

  it('answers an empty set without a membership source', async () => {
    const { router, logger } = setup(false);
    const answer = await router.getInterestedUsers('@dave:hs.example');
    expect(answer).toEqual(new Set());
    expect(answer).not.toBe(ALL_USERS);
    expect(logger.messages('warn')).toHaveLength(1);
    expect(await router.getInterestedUsers('@auditor:hs.example')).toBe(ALL_USERS);
  });

  it('does not ask the membership source when users_to_rooms is empty', async () => {
    const recording = new RecordingMembership(new InMemoryMembership({ serverName: HS }));
    const router = new ExamplePresenceRouter(
      ExamplePresenceRouter.parseConfig({ always_send_to_users: ['@a:hs.example'] }),
      new FakeModuleApi(HS, recording),
    );
    expect(await router.getInterestedUsers('@dave:hs.example')).toEqual(new Set());
    expect(recording.roomsForUsersCalls).toEqual([]);
  });

  it('wraps a failing membership source in ExampleRouterError MEMBERSHIP_UNAVAILABLE', async () => {
    const { router, recording } = setup(true);
    recording.failWith = new Error('timeout');
    const error = await router.getInterestedUsers('@dave:hs.example').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExampleRouterError);
    expect(error).toMatchObject({ code: 'MEMBERSHIP_UNAVAILABLE', userIds: ['@dave:hs.example'] });
  });
});
