import { PresenceRouterError } from '@presence-router/core';
import { describe, expect, it } from 'vitest';
import {
  parsePromptedList,
  parseSharingSettings,
  presenceSharingHintOf,
  SelectivePresenceError,
} from '../src/index.ts';

function issuesOf(parse: () => unknown): { code: string; issues: unknown } {
  try {
    parse();
  } catch (error) {
    if (error instanceof SelectivePresenceError) return { code: error.code, issues: error.issues };
    throw error;
  }
  throw new Error('expected a SelectivePresenceError');
}

describe('parseSharingSettings', () => {
  it("reads the proposal's sample", () => {
    const settings = parseSharingSettings({
      share_locally: true,
      users: { '@alice:example.com': 'allow', '@mallory:example.com': 'deny' },
      rooms: { '!family-group-chat': 'allow' },
      servers: { 'matrix.org': 'deny' },
    });
    expect(settings.shareLocally).toBe(true);
    expect(Object.fromEntries(settings.users)).toEqual({
      '@alice:example.com': 'allow',
      '@mallory:example.com': 'deny',
    });
    expect([...settings.allowedRooms]).toEqual(['!family-group-chat']);
    expect([...settings.deniedServers]).toEqual(['matrix.org']);
  });

  it('defaults: share_locally false, empty maps; unknown keys are ignored', () => {
    const settings = parseSharingSettings({ 'org.example.note': 'mine' });
    expect(settings.shareLocally).toBe(false);
    expect([settings.users.size, settings.allowedRooms.size, settings.deniedServers.size]).toEqual([
      0, 0, 0,
    ]);
  });

  it('accepts historical localparts, room version 12 room IDs and server ports', () => {
    const settings = parseSharingSettings({
      users: { '@Old.Name:hs.example:8448': 'allow' },
      rooms: { '!abcdefOpaque': 'allow' },
      servers: { '[::1]:8448': 'deny' },
    });
    expect(settings.users.get('@Old.Name:hs.example:8448')).toBe('allow');
    expect(settings.allowedRooms.has('!abcdefOpaque')).toBe(true);
    expect(settings.deniedServers.has('[::1]:8448')).toBe(true);
  });

  const INVALID: readonly [string, unknown, readonly { path: string; message: RegExp }[]][] = [
    ['not an object', ['allow'], [{ path: '$', message: /must be a JSON object/ }]],
    ['null', null, [{ path: '$', message: /must be a JSON object/ }]],
    [
      'share_locally not a boolean',
      { share_locally: 'yes' },
      [{ path: '$.share_locally', message: /boolean/ }],
    ],
    ['users not an object', { users: [] }, [{ path: '$.users', message: /must be an object/ }]],
    [
      'a deny for a room',
      { rooms: { '!r:hs.example': 'deny' } },
      [{ path: '$.rooms["!r:hs.example"]', message: /a room cannot be denied/ }],
    ],
    [
      'an allow for a server',
      { servers: { 'hs.example': 'allow' } },
      [{ path: '$.servers["hs.example"]', message: /a server cannot be allowed/ }],
    ],
    [
      'a user value other than allow or deny',
      { users: { '@a:hs.example': 'suggest' } },
      [{ path: '$.users["@a:hs.example"]', message: /"allow" or "deny"/ }],
    ],
    [
      'a user key that is not a user ID',
      { users: { 'alice:hs.example': 'allow' } },
      [{ path: '$.users["alice:hs.example"]', message: /not a user ID/ }],
    ],
    [
      'a glob as a user key',
      { users: { '@*:hs.example': 'deny', '*': 'deny' } },
      [{ path: '$.users["*"]', message: /not a user ID/ }],
    ],
    [
      'a room key that is not a room ID',
      { rooms: { '#alias:hs.example': 'allow' } },
      [{ path: '$.rooms["#alias:hs.example"]', message: /not a room ID/ }],
    ],
    [
      'a server key that is not a server name',
      { servers: { 'bad server': 'deny' } },
      [{ path: '$.servers["bad server"]', message: /not a server name/ }],
    ],
    [
      'a non-string value',
      { rooms: { '!r:hs.example': true } },
      [{ path: '$.rooms["!r:hs.example"]', message: /only be "allow"/ }],
    ],
  ];

  for (const [name, content, expected] of INVALID) {
    it(`refuses ${name} (INVALID_SHARING_SETTINGS, located)`, () => {
      const { code, issues } = issuesOf(() => parseSharingSettings(content));
      expect(code).toBe('INVALID_SHARING_SETTINGS');
      expect(issues).toEqual(
        expected.map((issue) => ({
          path: issue.path,
          message: expect.stringMatching(issue.message),
        })),
      );
    });
  }

  it('lists every problem, not only the first, and names the first in message and path', () => {
    let error: unknown;
    try {
      parseSharingSettings({
        share_locally: 1,
        rooms: { '!r:hs.example': 'deny' },
        servers: { 'hs.example': 'allow' },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SelectivePresenceError);
    expect(error).toBeInstanceOf(PresenceRouterError);
    const e = error as SelectivePresenceError;
    expect(e.issues.map((issue) => issue.path)).toEqual([
      '$.share_locally',
      '$.rooms["!r:hs.example"]',
      '$.servers["hs.example"]',
    ]);
    expect(e.path).toBe('$.share_locally');
    expect(e.message).toMatch(
      /^Invalid m\.presence\.sharing: \$\.share_locally: share_locally must be a boolean; /,
    );
  });

  it('maxEntries bounds the three maps together', () => {
    const content = {
      users: { '@a:hs.example': 'allow', '@b:hs.example': 'deny' },
      rooms: { '!r:hs.example': 'allow' },
    };
    expect(parseSharingSettings(content, { maxEntries: 3 }).users.size).toBe(2);
    expect(issuesOf(() => parseSharingSettings(content, { maxEntries: 2 }))).toEqual({
      code: 'INVALID_SHARING_SETTINGS',
      issues: [
        { path: '$', message: 'users, rooms and servers hold more than 2 entries together' },
      ],
    });
  });
});

describe('parsePromptedList', () => {
  it("reads the proposal's sample; both lists default to empty", () => {
    expect(
      parsePromptedList({
        users: ['@joey:example.com', '@chandler:example.com'],
        rooms: ['!apartment-group-chat'],
      }),
    ).toEqual({
      users: ['@joey:example.com', '@chandler:example.com'],
      rooms: ['!apartment-group-chat'],
    });
    expect(parsePromptedList({})).toEqual({ users: [], rooms: [] });
  });

  it('refuses non-lists and bad IDs with their paths (INVALID_PROMPTED_LIST)', () => {
    expect(issuesOf(() => parsePromptedList({ users: {}, rooms: ['!ok', 7, '#a:b'] }))).toEqual({
      code: 'INVALID_PROMPTED_LIST',
      issues: [
        { path: '$.users', message: 'users must be an array' },
        { path: '$.rooms[1]', message: 'must be a string' },
        { path: '$.rooms[2]', message: expect.stringMatching(/starts with "!"/) },
      ],
    });
  });
});

describe('presenceSharingHintOf', () => {
  it.each([
    [{ presence_sharing: 'suggest' }, 'suggest'],
    [{ presence_sharing: 'forbid' }, 'forbid'],
    [undefined, 'forbid'],
    [{}, 'forbid'],
    [{ presence_sharing: 'Suggest' }, 'forbid'],
    [{ presence_sharing: true }, 'forbid'],
    ['suggest', 'forbid'],
  ])('%j -> %s', (content, hint) => {
    expect(presenceSharingHintOf(content)).toBe(hint);
  });
});
