import { ConfigError } from '@presence-router/config';
import { describe, expect, it } from 'vitest';
import { ExamplePresenceRouter } from '../src/index.ts';

/** Runs parseConfig and returns the ConfigError it throws (failing the test if none). */
function configError(raw: unknown): ConfigError {
  try {
    ExamplePresenceRouter.parseConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`parseConfig accepted ${JSON.stringify(raw)}`);
}

const rooms = (config: ReturnType<typeof ExamplePresenceRouter.parseConfig>) =>
  Object.fromEntries(config.usersToRooms);

describe('ExamplePresenceRouter.parseConfig: forms', () => {
  it('accepts the seed form: a list of single-key mappings, room string or list', () => {
    const config = ExamplePresenceRouter.parseConfig({
      always_send_to_users: ['@gobbler:hs.example'],
      users_to_rooms: [
        { '@alice:hs.example': '!room:hs.example' },
        { '@bob:hs.example': ['!a:hs.example', '!b:hs.example'] },
      ],
    });
    expect(config.alwaysSendToUsers).toEqual(['@gobbler:hs.example']);
    expect(rooms(config)).toEqual({
      '@alice:hs.example': ['!room:hs.example'],
      '@bob:hs.example': ['!a:hs.example', '!b:hs.example'],
    });
  });

  it('accepts a plain mapping of user to room lists', () => {
    const config = ExamplePresenceRouter.parseConfig({
      users_to_rooms: { '@alice:hs.example': ['!a:hs.example'], '@bob:hs.example': [] },
    });
    expect(rooms(config)).toEqual({
      '@alice:hs.example': ['!a:hs.example'],
      '@bob:hs.example': [],
    });
  });

  it('accepts a single room string as a mapping value', () => {
    const config = ExamplePresenceRouter.parseConfig({
      users_to_rooms: { '@alice:hs.example': '!a:hs.example' },
    });
    expect(config.usersToRooms.get('@alice:hs.example')).toEqual(['!a:hs.example']);
  });

  it('accepts Map instances (a YAML parser set to produce Maps)', () => {
    const config = ExamplePresenceRouter.parseConfig(
      new Map<string, unknown>([
        ['users_to_rooms', new Map([['@alice:hs.example', '!a:hs.example']])],
      ]),
    );
    expect(config.usersToRooms.get('@alice:hs.example')).toEqual(['!a:hs.example']);
  });

  it('merges the rooms of a user listed in several entries, without duplicates', () => {
    const config = ExamplePresenceRouter.parseConfig({
      users_to_rooms: [
        { '@alice:hs.example': '!a:hs.example' },
        { '@alice:hs.example': ['!b:hs.example', '!a:hs.example'] },
        { '@bob:hs.example': '!a:hs.example', '@alice:hs.example': '!c:hs.example' },
      ],
    });
    expect(config.usersToRooms.get('@alice:hs.example')).toEqual([
      '!a:hs.example',
      '!b:hs.example',
      '!c:hs.example',
    ]);
    expect(config.usersToRooms.get('@bob:hs.example')).toEqual(['!a:hs.example']);
  });

  it('removes duplicate always_send_to_users entries, keeping order', () => {
    const config = ExamplePresenceRouter.parseConfig({
      always_send_to_users: ['@b:hs.example', '@a:hs.example', '@b:hs.example'],
    });
    expect(config.alwaysSendToUsers).toEqual(['@b:hs.example', '@a:hs.example']);
  });

  it('accepts remote users, ports in server names and v12 room IDs without a server name', () => {
    const config = ExamplePresenceRouter.parseConfig({
      always_send_to_users: ['@bot:other.example:8448'],
      users_to_rooms: { '@alice:hs.example': '!AbCdEf123456789' },
    });
    expect(config.alwaysSendToUsers).toEqual(['@bot:other.example:8448']);
    expect(config.usersToRooms.get('@alice:hs.example')).toEqual(['!AbCdEf123456789']);
  });
});

describe('ExamplePresenceRouter.parseConfig: defaults', () => {
  for (const [label, raw] of [
    ['undefined', undefined],
    ['null', null],
    ['an empty mapping', {}],
    ['null values', { always_send_to_users: null, users_to_rooms: null }],
  ] as const) {
    it(`gives empty defaults for ${label}`, () => {
      const config = ExamplePresenceRouter.parseConfig(raw);
      expect(config.alwaysSendToUsers).toEqual([]);
      expect(config.usersToRooms.size).toBe(0);
    });
  }

  it('defaults each missing key independently', () => {
    const onlyUsers = ExamplePresenceRouter.parseConfig({
      always_send_to_users: ['@a:hs.example'],
    });
    expect(onlyUsers.usersToRooms.size).toBe(0);
    const onlyRooms = ExamplePresenceRouter.parseConfig({
      users_to_rooms: { '@a:hs.example': '!r:hs.example' },
    });
    expect(onlyRooms.alwaysSendToUsers).toEqual([]);
  });

  it('returns a frozen config that cannot be changed', () => {
    const config = ExamplePresenceRouter.parseConfig({
      always_send_to_users: ['@a:hs.example'],
      users_to_rooms: { '@a:hs.example': ['!r:hs.example'] },
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.alwaysSendToUsers)).toBe(true);
    expect(Object.isFrozen(config.usersToRooms.get('@a:hs.example'))).toBe(true);
    expect('set' in config.usersToRooms).toBe(false);
    expect(() => (config.alwaysSendToUsers as string[]).push('@b:hs.example')).toThrow(TypeError);
    expect(JSON.parse(JSON.stringify(config))).toEqual({
      alwaysSendToUsers: ['@a:hs.example'],
      usersToRooms: { '@a:hs.example': ['!r:hs.example'] },
    });
  });

  it('does not keep references to the raw input', () => {
    const raw = {
      always_send_to_users: ['@a:hs.example'],
      users_to_rooms: { '@a:hs.example': ['!r:hs.example'] },
    };
    const config = ExamplePresenceRouter.parseConfig(raw);
    raw.always_send_to_users.push('@b:hs.example');
    raw.users_to_rooms['@a:hs.example'].push('!s:hs.example');
    expect(config.alwaysSendToUsers).toEqual(['@a:hs.example']);
    expect(config.usersToRooms.get('@a:hs.example')).toEqual(['!r:hs.example']);
  });
});

describe('ExamplePresenceRouter.parseConfig: errors carry a code and a relative path', () => {
  const cases: {
    name: string;
    raw: unknown;
    code: 'INVALID_TYPE' | 'INVALID_VALUE';
    path: (string | number)[];
    message: RegExp;
  }[] = [
    {
      name: 'the config is a list',
      raw: ['@a:hs.example'],
      code: 'INVALID_TYPE',
      path: [],
      message: /must be a mapping/,
    },
    {
      name: 'the config is a string',
      raw: 'always_send_to_users',
      code: 'INVALID_TYPE',
      path: [],
      message: /must be a mapping/,
    },
    {
      name: 'an unknown key (misspelt)',
      raw: { always_send_to_user: ['@a:hs.example'] },
      code: 'INVALID_VALUE',
      path: ['always_send_to_user'],
      message: /unknown key "always_send_to_user" \(did you mean always_send_to_users\?\)/,
    },
    {
      name: 'an unknown key (unrelated)',
      raw: { blacklisted_users: [] },
      code: 'INVALID_VALUE',
      path: ['blacklisted_users'],
      message: /unknown key "blacklisted_users"; ExamplePresenceRouter accepts/,
    },
    {
      name: 'always_send_to_users is a string',
      raw: { always_send_to_users: '@a:hs.example' },
      code: 'INVALID_TYPE',
      path: ['always_send_to_users'],
      message: /must be a list of user IDs, got the string "@a:hs.example"/,
    },
    {
      name: 'always_send_to_users is a mapping',
      raw: { always_send_to_users: { '@a:hs.example': true } },
      code: 'INVALID_TYPE',
      path: ['always_send_to_users'],
      message: /got a mapping/,
    },
    {
      name: 'an always_send_to_users entry is not a string',
      raw: { always_send_to_users: ['@a:hs.example', '@b:hs.example', 42] },
      code: 'INVALID_TYPE',
      path: ['always_send_to_users', 2],
      message: /user ID string, got number 42/,
    },
    {
      name: 'an always_send_to_users entry is not a user ID',
      raw: { always_send_to_users: ['@a:hs.example', '@b:hs.example', 'carol'] },
      code: 'INVALID_VALUE',
      path: ['always_send_to_users', 2],
      message: /"carol" is not a valid user ID/,
    },
    {
      name: 'an always_send_to_users entry has a bad server name',
      raw: { always_send_to_users: ['@a:bad server'] },
      code: 'INVALID_VALUE',
      path: ['always_send_to_users', 0],
      message: /not a valid user ID/,
    },
    {
      name: 'users_to_rooms is a string',
      raw: { users_to_rooms: '!a:hs.example' },
      code: 'INVALID_TYPE',
      path: ['users_to_rooms'],
      message: /must be a mapping of user ID to rooms/,
    },
    {
      name: 'users_to_rooms is a number',
      raw: { users_to_rooms: 3 },
      code: 'INVALID_TYPE',
      path: ['users_to_rooms'],
      message: /got number 3/,
    },
    {
      name: 'a users_to_rooms list entry is a string',
      raw: { users_to_rooms: [{ '@a:hs.example': '!a:hs.example' }, '@b:hs.example'] },
      code: 'INVALID_TYPE',
      path: ['users_to_rooms', 1],
      message: /each entry of the users_to_rooms list must be a mapping/,
    },
    {
      name: 'a users_to_rooms list entry is empty',
      raw: { users_to_rooms: [{}] },
      code: 'INVALID_VALUE',
      path: ['users_to_rooms', 0],
      message: /empty mapping/,
    },
    {
      name: 'a users_to_rooms list entry has an invalid user ID key',
      raw: { users_to_rooms: [{ alice: '!a:hs.example' }] },
      code: 'INVALID_VALUE',
      path: ['users_to_rooms', 0, 'alice'],
      message: /"alice" is not a valid user ID/,
    },
    {
      name: 'a users_to_rooms mapping has an invalid user ID key',
      raw: { users_to_rooms: { '#alias:hs.example': '!a:hs.example' } },
      code: 'INVALID_VALUE',
      path: ['users_to_rooms', '#alias:hs.example'],
      message: /"#alias:hs.example" is not a valid user ID/,
    },
    {
      name: 'a seed entry maps a user to an invalid room ID',
      raw: { users_to_rooms: [{ '@alice:hs': '#lobby:hs' }] },
      code: 'INVALID_VALUE',
      path: ['users_to_rooms', 0, '@alice:hs'],
      message: /"#lobby:hs" is not a valid room ID/,
    },
    {
      name: 'a seed entry lists an invalid room ID',
      raw: {
        users_to_rooms: [{ '@alice:hs': '!a:hs' }, { '@bob:hs': ['!a:hs', 'b:hs'] }],
      },
      code: 'INVALID_VALUE',
      path: ['users_to_rooms', 1, '@bob:hs', 1],
      message: /"b:hs" is not a valid room ID/,
    },
    {
      name: 'a mapping lists a room that is not a string',
      raw: { users_to_rooms: { '@bob:hs': ['!a:hs', null] } },
      code: 'INVALID_TYPE',
      path: ['users_to_rooms', '@bob:hs', 1],
      message: /a room ID must be a string, got null/,
    },
    {
      name: 'a user maps to a number',
      raw: { users_to_rooms: { '@bob:hs': 7 } },
      code: 'INVALID_TYPE',
      path: ['users_to_rooms', '@bob:hs'],
      message: /must be a room ID or a list of room IDs, got number 7/,
    },
    {
      name: 'a user maps to null',
      raw: { users_to_rooms: [{ '@bob:hs': null }] },
      code: 'INVALID_TYPE',
      path: ['users_to_rooms', 0, '@bob:hs'],
      message: /got null/,
    },
    {
      name: 'a user maps to a nested mapping',
      raw: { users_to_rooms: [{ '@bob:hs': { '!a:hs': true } }] },
      code: 'INVALID_TYPE',
      path: ['users_to_rooms', 0, '@bob:hs'],
      message: /got a mapping/,
    },
    {
      name: 'an empty room ID',
      raw: { users_to_rooms: { '@bob:hs': '!' } },
      code: 'INVALID_VALUE',
      path: ['users_to_rooms', '@bob:hs'],
      message: /not a valid room ID/,
    },
    {
      name: 'a user key that is not a string (Map input)',
      raw: { users_to_rooms: new Map([[5, '!a:hs']]) },
      code: 'INVALID_TYPE',
      path: ['users_to_rooms', '5'],
      message: /each key of users_to_rooms must be a user ID string, got number 5/,
    },
  ];

  for (const c of cases) {
    it(`${c.name}: ${c.code} at ${JSON.stringify(c.path)}`, () => {
      const error = configError(c.raw);
      expect(error.code).toBe(c.code);
      expect(error.pathParts).toEqual(c.path);
      expect(error.detail).toMatch(c.message);
    });
  }

  it('an invalid room error formats its path and can be relocated under the full config', () => {
    const error = configError({ users_to_rooms: [{ '@alice:hs': 'lobby' }] });
    expect(error.path).toBe('users_to_rooms[0].@alice:hs');
    const full = error.relocated(['presence', 'routing_modules', 0, 'config'], { line: 7 });
    expect(full.path).toBe('presence.routing_modules[0].config.users_to_rooms[0].@alice:hs');
    expect(full.code).toBe('INVALID_VALUE');
    expect(full.line).toBe(7);
  });
});
