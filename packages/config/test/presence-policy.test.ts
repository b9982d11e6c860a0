import { silentLogger, userPresenceState } from '@presence-router/core';
import { FixedMembership } from '@presence-router/test-support';
import { describe, expect, it } from 'vitest';
import { loadConfig, ModuleRegistry } from '../src/index.ts';
import { loadError } from './support/load-error.ts';

const options = { sourceName: 'homeserver.yaml', logger: silentLogger };

const POLICY_YAML = [
  'server_name: hs.example',
  'presence:',
  '  default_routing: false',
  '  local_only: true',
  '  max_room_size: 500',
  '  deny:',
  '    users: ["@spy:hs.example"]',
  '    rooms: ["!big:hs.example"]',
  '    servers: ["evil.example", "hs.example:8448"]',
  '',
].join('\n');

describe('presence policy: parsing', () => {
  it('reads every rule into core’s PresencePolicy', async () => {
    const config = await loadConfig(POLICY_YAML, options);
    expect(config.policy).toEqual({
      defaultRouting: false,
      localOnly: true,
      maxRoomSize: 500,
      deny: {
        users: ['@spy:hs.example'],
        rooms: ['!big:hs.example'],
        servers: ['evil.example', 'hs.example:8448'],
      },
    });
    expect(config.warnings).toEqual([]);
  });

  it('no rule set: an empty policy (Synapse’s behaviour), and empty values count as unset', async () => {
    expect((await loadConfig('server_name: hs.example\n', options)).policy).toEqual({});
    const empty = await loadConfig(
      'presence:\n  default_routing:\n  max_room_size:\n  deny: { users: [] }\n',
      options,
    );
    expect(empty.policy).toEqual({ deny: { users: [], rooms: [], servers: [] } });
  });

  it('createPresenceRouter gives the policy to the router', async () => {
    const config = await loadConfig(
      'server_name: hs.example\npresence:\n  deny: { users: ["@bob:hs.example"] }\n',
      options,
    );
    const { router } = config.createPresenceRouter({
      membership: new FixedMembership({
        '!r:hs.example': ['@alice:hs.example', '@bob:hs.example'],
      }),
      logger: silentLogger,
    });
    expect(router.policy.deny.users).toEqual(new Set(['@bob:hs.example']));
    const result = await router.fanOut([
      userPresenceState('@alice:hs.example', { state: 'online' }),
    ]);
    expect([...result.toMap().keys()]).toEqual(['@alice:hs.example']);
  });

  it('a module that only denies (getDeniedRecipients) is a routing module', async () => {
    class DenyOnly {
      getDeniedRecipients() {
        return { '*': { users: ['@bob:hs.example'] } };
      }
    }
    const config = await loadConfig(
      'server_name: hs.example\npresence:\n  routing_modules:\n    - module: deny.DenyOnly\n',
      { ...options, registry: new ModuleRegistry().register('deny.DenyOnly', DenyOnly) },
    );
    const { modules } = config.createPresenceRouter({
      membership: new FixedMembership({}),
      logger: silentLogger,
    });
    expect(modules).toHaveLength(1);
  });
});

describe('presence policy: located errors', () => {
  const cases: [string, string, string, number, number, string, RegExp][] = [
    [
      'a negative max_room_size',
      'presence:\n  max_room_size: -1\n',
      'INVALID_VALUE',
      2,
      18,
      'presence.max_room_size',
      /at least 1/,
    ],
    [
      'a fractional max_room_size',
      'presence:\n  max_room_size: 2.5\n',
      'INVALID_VALUE',
      2,
      18,
      'presence.max_room_size',
      /whole number/,
    ],
    [
      'a max_room_size that is a string',
      'presence:\n  max_room_size: lots\n',
      'INVALID_TYPE',
      2,
      18,
      'presence.max_room_size',
      /whole number of joined members.*found the string "lots"/,
    ],
    [
      'default_routing that is not a boolean',
      'presence:\n  default_routing: sometimes\n',
      'INVALID_TYPE',
      2,
      20,
      'presence.default_routing',
      /true or false/,
    ],
    [
      'local_only that is not a boolean',
      'presence:\n  local_only: 1\n',
      'INVALID_TYPE',
      2,
      15,
      'presence.local_only',
      /true or false/,
    ],
    [
      'an unknown key in deny (a misspelt list)',
      'presence:\n  deny:\n    user: ["@a:hs.example"]\n',
      'INVALID_VALUE',
      3,
      5,
      'presence.deny',
      /unknown key "user"/,
    ],
    [
      'deny that is a list',
      'presence:\n  deny: ["@a:hs.example"]\n',
      'INVALID_TYPE',
      2,
      9,
      'presence.deny',
      /"users", "rooms" and\/or "servers"/,
    ],
    [
      'a bad user ID',
      'presence:\n  deny:\n    users: ["@ok:hs.example", "alice"]\n',
      'INVALID_VALUE',
      3,
      31,
      'presence.deny.users[1]',
      /invalid user ID "alice"/,
    ],
    [
      'a bad room ID',
      'presence:\n  deny:\n    rooms: ["lobby"]\n',
      'INVALID_VALUE',
      3,
      13,
      'presence.deny.rooms[0]',
      /invalid room ID "lobby"/,
    ],
    [
      'a bad server name',
      'presence:\n  deny:\n    servers: ["bad host"]\n',
      'INVALID_VALUE',
      3,
      15,
      'presence.deny.servers[0]',
      /invalid server name "bad host"/,
    ],
    [
      'users that is a string',
      'presence:\n  deny:\n    users: "@a:hs.example"\n',
      'INVALID_TYPE',
      3,
      12,
      'presence.deny.users',
      /a list of user IDs/,
    ],
  ];
  for (const [name, yaml, code, line, column, path, detail] of cases) {
    it(name, async () => {
      const error = await loadError(yaml, options);
      expect({
        code: error.code,
        line: error.line,
        column: error.column,
        path: error.path,
      }).toEqual({ code, line, column, path });
      expect(error.detail).toMatch(detail);
      expect(error.message).toMatch(
        new RegExp(`^homeserver\\.yaml:${line}:${column}: ${path.replace(/[.[\]]/g, '\\$&')}: `),
      );
    });
  }
});
