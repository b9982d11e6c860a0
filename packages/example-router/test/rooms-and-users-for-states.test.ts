import { type UserPresenceState, userPresenceState } from '@presence-router/core';
import { describe, expect, it } from 'vitest';
import { ExamplePresenceRouter, ExampleRouterError } from '../src/index.ts';
import { FakeModuleApi } from './support/fake-module-api.ts';

const HS = 'hs.example';
const alice = userPresenceState('@alice:hs.example', { state: 'online', statusMsg: 'hi' });
const bob = userPresenceState('@bob:hs.example', { state: 'unavailable' });
const carol = userPresenceState('@carol:hs.example', { state: 'offline' });

function router(raw: unknown): ExamplePresenceRouter {
  return new ExamplePresenceRouter(ExamplePresenceRouter.parseConfig(raw), new FakeModuleApi(HS));
}

function* oneShot(states: UserPresenceState[]): Generator<UserPresenceState> {
  yield* states;
}

describe('ExamplePresenceRouter.getRoomsAndUsersForStates', () => {
  it('gives every always_send_to_users entry all states, even from a one-shot generator', () => {
    const r = router({
      always_send_to_users: ['@g1:hs.example', '@g2:hs.example', '@g3:other.example'],
    });
    const generator = oneShot([alice, bob, carol]);
    const [rooms, users] = r.getRoomsAndUsersForStates(generator);
    expect(rooms.size).toBe(0);
    expect([...users.keys()]).toEqual(['@g1:hs.example', '@g2:hs.example', '@g3:other.example']);
    for (const states of users.values()) expect(states).toEqual([alice, bob, carol]);
    // The seed's bug: the first user consumed the iterator and the others got nothing.
    expect(users.get('@g3:other.example')).toHaveLength(3);
    expect(generator.next().done).toBe(true);
  });

  it('hands every user one frozen list (nobody can change what the others receive)', () => {
    const r = router({ always_send_to_users: ['@g1:hs.example', '@g2:hs.example'] });
    const input = [alice];
    const [, users] = r.getRoomsAndUsersForStates(input);
    const first = users.get('@g1:hs.example');
    expect(first).toBe(users.get('@g2:hs.example'));
    expect(first).not.toBe(input);
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => (first as unknown as typeof input).push(bob)).toThrow(TypeError);
    expect(users.get('@g2:hs.example')).toEqual([alice]);
  });

  it('puts the STATE (not the user ID) in each configured room of its user', () => {
    const r = router({
      users_to_rooms: [
        { '@alice:hs.example': ['!a:hs.example', '!b:hs.example'] },
        { '@bob:hs.example': '!b:hs.example' },
      ],
    });
    const [rooms, users] = r.getRoomsAndUsersForStates([alice, bob, carol]);
    expect(users.size).toBe(0);
    expect([...rooms.keys()].sort()).toEqual(['!a:hs.example', '!b:hs.example']);
    expect(rooms.get('!a:hs.example')).toEqual([alice]);
    expect(rooms.get('!b:hs.example')).toEqual([alice, bob]);
    for (const list of rooms.values()) {
      for (const entry of list) expect(typeof entry).toBe('object');
    }
  });

  it('combines both keys, and reads a generator once for both', () => {
    const r = router({
      always_send_to_users: ['@g:hs.example'],
      users_to_rooms: { '@bob:hs.example': '!b:hs.example' },
    });
    const [rooms, users] = r.getRoomsAndUsersForStates(oneShot([alice, bob]));
    expect(rooms.get('!b:hs.example')).toEqual([bob]);
    expect(users.get('@g:hs.example')).toEqual([alice, bob]);
  });

  it('returns two empty maps for an empty batch or an empty config', () => {
    const full = router({
      always_send_to_users: ['@g:hs.example'],
      users_to_rooms: { '@alice:hs.example': '!a:hs.example' },
    });
    const [rooms, users] = full.getRoomsAndUsersForStates([]);
    expect(rooms.size + users.size).toBe(0);
    const empty = router(null);
    const [rooms2, users2] = empty.getRoomsAndUsersForStates([alice, bob]);
    expect(rooms2.size + users2.size).toBe(0);
  });

  it('ignores states of users that are not mapped to rooms', () => {
    const r = router({ users_to_rooms: { '@alice:hs.example': '!a:hs.example' } });
    const [rooms] = r.getRoomsAndUsersForStates([carol]);
    expect(rooms.size).toBe(0);
  });

  it('rejects input that is not an iterable of states with an ExampleRouterError', () => {
    const r = router({ always_send_to_users: ['@g:hs.example'] });
    expect(() => r.getRoomsAndUsersForStates(42 as unknown as UserPresenceState[])).toThrow(
      expect.objectContaining({ name: 'ExampleRouterError', code: 'INVALID_PRESENCE_STATE' }),
    );
    expect(() =>
      r.getRoomsAndUsersForStates([alice, 'bob' as unknown as UserPresenceState]),
    ).toThrow(ExampleRouterError);
  });
});

describe('ExamplePresenceRouter constructor', () => {
  it('does not register callbacks through the ModuleApi', () => {
    const api = new FakeModuleApi(HS);
    new ExamplePresenceRouter(ExamplePresenceRouter.parseConfig({}), api);
    expect(api.registrations).toEqual([]);
  });

  it('accepts a hand-built camelCase config and validates it', () => {
    const r = new ExamplePresenceRouter(
      {
        alwaysSendToUsers: ['@g:hs.example'],
        usersToRooms: new Map([['@alice:hs.example', ['!a:hs.example']]]),
      },
      new FakeModuleApi(HS),
    );
    expect(r.config.alwaysSendToUsers).toEqual(['@g:hs.example']);
    expect(Object.isFrozen(r.config)).toBe(true);
    expect(
      () =>
        new ExamplePresenceRouter(
          { alwaysSendToUsers: ['nobody'], usersToRooms: new Map() },
          new FakeModuleApi(HS),
        ),
    ).toThrow(
      expect.objectContaining({
        code: 'INVALID_CONFIG_OBJECT',
        message: expect.stringMatching(/"nobody" is not a valid user ID/),
      }),
    );
  });

  it('rejects a raw config mapping with a hint to call parseConfig', () => {
    expect(
      () =>
        new ExamplePresenceRouter(
          { always_send_to_users: [] } as unknown as ReturnType<
            typeof ExamplePresenceRouter.parseConfig
          >,
          new FakeModuleApi(HS),
        ),
    ).toThrow(/parseConfig\(raw\) first/);
  });

  it('rejects a missing ModuleApi', () => {
    expect(
      () =>
        new ExamplePresenceRouter(
          ExamplePresenceRouter.parseConfig({}),
          undefined as unknown as FakeModuleApi,
        ),
    ).toThrow(expect.objectContaining({ code: 'INVALID_MODULE_API' }));
  });
});
