/**
 * The configuration of `ExamplePresenceRouter`: parsing and validating the raw `config:`
 * mapping of its `routing_modules` entry into a typed, frozen {@link ExampleRouterConfig}.
 *
 * Accepted keys (every key optional; an absent or `null` config means all defaults):
 * - `always_send_to_users`: a list of user IDs that receive every presence update. Default `[]`.
 * - `users_to_rooms`: whose updates go to the members of which rooms. Default `{}`. Three
 *   forms, mixable: the seed's list of single-key mappings
 *   (`[{"@alice:hs": "!a:hs"}, {"@bob:hs": ["!a:hs", "!b:hs"]}]`), a plain mapping
 *   (`{"@alice:hs": ["!a:hs"]}`), and a single room ID as a value (`{"@alice:hs": "!a:hs"}`).
 *   The same user in several entries gets the union of their rooms.
 *
 * Unknown keys are errors (a misspelt `always_send_to_user` would otherwise silently route
 * nothing). Every error is a `ConfigError` whose path is relative to the module's `config:`.
 *
 * @example
 * ```ts
 * const config = parseExampleRouterConfig({
 *   always_send_to_users: ['@auditor:hs.example'],
 *   users_to_rooms: [{ '@alice:hs.example': '!lobby:hs.example' }],
 * });
 * config.usersToRooms.get('@alice:hs.example'); // ['!lobby:hs.example']
 * ```
 * @module
 */

import { ConfigError, type ConfigPath, roomIdProblem, userIdProblem } from '@presence-router/core';
import { ReadOnlyMap } from './read-only-map.ts';

/** The parsed, validated and frozen configuration of `ExamplePresenceRouter`. */
export interface ExampleRouterConfig {
  /** Users that receive every presence update (each once, in configuration order). */
  readonly alwaysSendToUsers: readonly string[];
  /** User ID -> rooms whose joined members receive that user's presence updates. */
  readonly usersToRooms: ReadonlyMap<string, readonly string[]>;
}

/** The configuration keys `parseConfig` accepts. */
export const EXAMPLE_ROUTER_CONFIG_KEYS = ['always_send_to_users', 'users_to_rooms'] as const;

const parsedConfigs = new WeakSet<object>();

/** Whether `value` was returned by {@link parseExampleRouterConfig} (and so is valid and frozen). */
export function isParsedExampleRouterConfig(value: unknown): value is ExampleRouterConfig {
  return typeof value === 'object' && value !== null && parsedConfigs.has(value);
}

/** A short description of a value's type for error messages. */
function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Map || isPlainObject(value)) return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'no prototype'})`;
  return `${typeof value} ${String(value)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The entries of a mapping (plain object or `Map`), or `undefined` when it is not one. */
function mappingEntries(value: unknown): [unknown, unknown][] | undefined {
  if (value instanceof Map) return [...value.entries()];
  if (isPlainObject(value)) return Object.entries(value);
  return undefined;
}

function fail(
  code: 'INVALID_TYPE' | 'INVALID_VALUE',
  path: ConfigPath,
  detail: string,
): ConfigError {
  return new ConfigError(code, detail, { path });
}

function checkUserId(value: unknown, path: ConfigPath, what: string): string {
  if (typeof value !== 'string') {
    throw fail(
      'INVALID_TYPE',
      path,
      `${what} must be a user ID string, got ${describeType(value)}`,
    );
  }
  const problem = userIdProblem(value);
  if (problem !== undefined) {
    throw fail(
      'INVALID_VALUE',
      path,
      `${JSON.stringify(value)} is not a valid user ID (${problem}); expected @localpart:server_name`,
    );
  }
  return value;
}

function checkRoomId(value: unknown, path: ConfigPath): string {
  if (typeof value !== 'string') {
    throw fail('INVALID_TYPE', path, `a room ID must be a string, got ${describeType(value)}`);
  }
  const problem = roomIdProblem(value);
  if (problem !== undefined) {
    throw fail(
      'INVALID_VALUE',
      path,
      `${JSON.stringify(value)} is not a valid room ID (${problem}); expected !opaque:server_name`,
    );
  }
  return value;
}

function parseAlwaysSendToUsers(value: unknown): string[] {
  const path: ConfigPath = ['always_send_to_users'];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw fail(
      'INVALID_TYPE',
      path,
      `always_send_to_users must be a list of user IDs, got ${describeType(value)}`,
    );
  }
  const users = new Set<string>();
  value.forEach((entry: unknown, i) => {
    users.add(checkUserId(entry, [...path, i], 'each entry of always_send_to_users'));
  });
  return [...users];
}

/** Adds `user -> rooms` (a room ID or a list of room IDs) to `into`, checking every ID. */
function addUserRooms(
  into: Map<string, Set<string>>,
  user: unknown,
  rooms: unknown,
  path: ConfigPath,
): void {
  const roomPath: ConfigPath = [...path, String(user)];
  const userId = checkUserId(user, roomPath, 'each key of users_to_rooms');
  let list: string[];
  if (typeof rooms === 'string') {
    list = [checkRoomId(rooms, roomPath)];
  } else if (Array.isArray(rooms)) {
    list = rooms.map((room: unknown, j) => checkRoomId(room, [...roomPath, j]));
  } else {
    throw fail(
      'INVALID_TYPE',
      roomPath,
      `the rooms of ${userId} must be a room ID or a list of room IDs, got ${describeType(rooms)}`,
    );
  }
  let set = into.get(userId);
  if (set === undefined) {
    set = new Set();
    into.set(userId, set);
  }
  for (const roomId of list) set.add(roomId);
}

function parseUsersToRooms(value: unknown): Map<string, Set<string>> {
  const path: ConfigPath = ['users_to_rooms'];
  const out = new Map<string, Set<string>>();
  if (value === undefined || value === null) return out;
  if (Array.isArray(value)) {
    value.forEach((entry: unknown, i) => {
      const entries = mappingEntries(entry);
      if (entries === undefined) {
        throw fail(
          'INVALID_TYPE',
          [...path, i],
          `each entry of the users_to_rooms list must be a mapping like {"@alice:example.org": "!room:example.org"}, got ${describeType(entry)}`,
        );
      }
      if (entries.length === 0) {
        throw fail(
          'INVALID_VALUE',
          [...path, i],
          'this users_to_rooms entry is an empty mapping; give a user ID and its rooms',
        );
      }
      for (const [user, rooms] of entries) addUserRooms(out, user, rooms, [...path, i]);
    });
    return out;
  }
  const entries = mappingEntries(value);
  if (entries === undefined) {
    throw fail(
      'INVALID_TYPE',
      path,
      `users_to_rooms must be a mapping of user ID to rooms, or a list of such mappings, got ${describeType(value)}`,
    );
  }
  for (const [user, rooms] of entries) addUserRooms(out, user, rooms, path);
  return out;
}

/** The closest known key to a misspelt one, for the error message. */
function suggestKey(key: string): string | undefined {
  const normalized = key.toLowerCase().replace(/[^a-z]/g, '');
  for (const known of EXAMPLE_ROUTER_CONFIG_KEYS) {
    const k = known.replace(/_/g, '');
    if (normalized === k || normalized.startsWith(k.slice(0, 8)) || k.startsWith(normalized)) {
      return known;
    }
  }
  return undefined;
}

/**
 * Validates the raw `config:` mapping of an `ExamplePresenceRouter` entry (see the module
 * documentation for the keys and forms) and returns a frozen {@link ExampleRouterConfig}.
 *
 * @throws ConfigError `INVALID_TYPE` for a value of the wrong type and `INVALID_VALUE` for an
 *   invalid user or room ID, an empty entry or an unknown key; the path is relative to the
 *   module's `config:` (e.g. `['users_to_rooms', 0, '@alice:hs']`).
 */
export function parseExampleRouterConfig(raw: unknown): ExampleRouterConfig {
  let alwaysSendToUsers: string[] = [];
  let usersToRooms = new Map<string, Set<string>>();
  if (raw !== undefined && raw !== null) {
    const entries = mappingEntries(raw);
    if (entries === undefined) {
      throw fail(
        'INVALID_TYPE',
        [],
        `the ExamplePresenceRouter config must be a mapping with always_send_to_users and/or users_to_rooms, got ${describeType(raw)}`,
      );
    }
    const known = new Map<string, unknown>();
    for (const [key, value] of entries) {
      if (
        typeof key !== 'string' ||
        !(EXAMPLE_ROUTER_CONFIG_KEYS as readonly string[]).includes(key)
      ) {
        const name = String(key);
        const suggestion = suggestKey(name);
        throw fail(
          'INVALID_VALUE',
          [name],
          `unknown key ${JSON.stringify(name)}${suggestion ? ` (did you mean ${suggestion}?)` : ''}; ExamplePresenceRouter accepts ${EXAMPLE_ROUTER_CONFIG_KEYS.join(' and ')}`,
        );
      }
      known.set(key, value);
    }
    alwaysSendToUsers = parseAlwaysSendToUsers(known.get('always_send_to_users'));
    usersToRooms = parseUsersToRooms(known.get('users_to_rooms'));
  }
  const config: ExampleRouterConfig = Object.freeze({
    alwaysSendToUsers: Object.freeze(alwaysSendToUsers),
    usersToRooms: new ReadOnlyMap<string, readonly string[]>(
      [...usersToRooms].map(([userId, rooms]) => [userId, Object.freeze([...rooms])] as const),
    ),
  });
  parsedConfigs.add(config);
  return config;
}
