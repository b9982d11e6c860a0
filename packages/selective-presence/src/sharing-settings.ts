/**
 * A user's `m.presence.sharing` account data (MSC4495), validated: `share_locally` (default
 * `false`) and three presence sharing maps, `users` (`"allow"` or `"deny"`), `rooms` (only
 * `"allow"`: a room cannot be denied) and `servers` (only `"deny"`: a whole server cannot be
 * allowed). Keys are exact identifiers (no globs). Keys the proposal does not define are
 * ignored, so a client may store more in the same event.
 *
 * A server validates a client's `PUT .../account_data/m.presence.sharing` body with
 * {@link parseSharingSettings} and answers `400 M_BAD_JSON` with the error's message when it
 * throws; stored content is kept and returned as the client wrote it.
 *
 * @example
 * ```ts
 * const settings = parseSharingSettings({
 *   share_locally: true,
 *   users: { '@alice:example.com': 'allow', '@mallory:example.com': 'deny' },
 *   rooms: { '!family:example.com': 'allow' },
 *   servers: { 'matrix.org': 'deny' },
 * });
 * settings.deniedServers.has('matrix.org'); // true
 * ```
 * @module
 */
import { roomIdProblem, serverNameProblem, userIdProblem } from '@presence-router/core';
import { SelectivePresenceError, type SelectivePresenceIssue } from './errors.ts';
import { isJsonObject, jsonPath } from './internal/json-path.ts';

/** What a user's `users` map says about another user. */
export type UserSharing = 'allow' | 'deny';

/** Validated `m.presence.sharing` content. */
export interface PresenceSharingSettings {
  /** Share with local users the sender shares a room with (`share_locally`). */
  readonly shareLocally: boolean;
  /** The `users` map: user ID to `allow` or `deny`. */
  readonly users: ReadonlyMap<string, UserSharing>;
  /** The `rooms` map's keys (every value is `allow`). */
  readonly allowedRooms: ReadonlySet<string>;
  /** The `servers` map's keys (every value is `deny`), exact server names (port included). */
  readonly deniedServers: ReadonlySet<string>;
}

/** Options of {@link parseSharingSettings}. */
export interface SharingSettingsLimits {
  /**
   * The most entries `users`, `rooms` and `servers` may hold together (the proposal lets
   * operators limit them); more is an issue at `$`. Default: no limit.
   */
  readonly maxEntries?: number;
}

type Issues = SelectivePresenceIssue[];

function readMap(
  content: Record<string, unknown>,
  key: 'users' | 'rooms' | 'servers',
  issues: Issues,
): [string, unknown][] {
  const value = content[key];
  if (value === undefined) return [];
  if (!isJsonObject(value)) {
    issues.push({ path: jsonPath([key]), message: `${key} must be an object` });
    return [];
  }
  return Object.entries(value);
}

function readUsers(content: Record<string, unknown>, issues: Issues): Map<string, UserSharing> {
  const users = new Map<string, UserSharing>();
  for (const [userId, value] of readMap(content, 'users', issues)) {
    const path = jsonPath(['users', userId]);
    const problem = userIdProblem(userId);
    if (problem !== undefined) issues.push({ path, message: `not a user ID: ${problem}` });
    else if (value !== 'allow' && value !== 'deny') {
      issues.push({ path, message: 'users can only be "allow" or "deny"' });
    } else users.set(userId, value);
  }
  return users;
}

function readRooms(content: Record<string, unknown>, issues: Issues): Set<string> {
  const rooms = new Set<string>();
  for (const [roomId, value] of readMap(content, 'rooms', issues)) {
    const path = jsonPath(['rooms', roomId]);
    const problem = roomIdProblem(roomId);
    if (problem !== undefined) issues.push({ path, message: `not a room ID: ${problem}` });
    else if (value === 'deny') {
      issues.push({ path, message: 'rooms can only be "allow" (a room cannot be denied)' });
    } else if (value !== 'allow') issues.push({ path, message: 'rooms can only be "allow"' });
    else rooms.add(roomId);
  }
  return rooms;
}

function readServers(content: Record<string, unknown>, issues: Issues): Set<string> {
  const servers = new Set<string>();
  for (const [serverName, value] of readMap(content, 'servers', issues)) {
    const path = jsonPath(['servers', serverName]);
    const problem = serverNameProblem(serverName);
    if (problem !== undefined) issues.push({ path, message: `not a server name: ${problem}` });
    else if (value === 'allow') {
      issues.push({ path, message: 'servers can only be "deny" (a server cannot be allowed)' });
    } else if (value !== 'deny') issues.push({ path, message: 'servers can only be "deny"' });
    else servers.add(serverName);
  }
  return servers;
}

function entryCount(content: Record<string, unknown>): number {
  let count = 0;
  for (const key of ['users', 'rooms', 'servers']) {
    const map = content[key];
    if (isJsonObject(map)) count += Object.keys(map).length;
  }
  return count;
}

/**
 * Validates `m.presence.sharing` content (parsed JSON). Throws
 * `SelectivePresenceError('INVALID_SHARING_SETTINGS')` listing every problem with its path.
 */
export function parseSharingSettings(
  content: unknown,
  limits: SharingSettingsLimits = {},
): PresenceSharingSettings {
  const issues: Issues = [];
  if (!isJsonObject(content)) {
    issues.push({ path: '$', message: 'm.presence.sharing content must be a JSON object' });
    throw new SelectivePresenceError('INVALID_SHARING_SETTINGS', 'm.presence.sharing', issues);
  }
  const max = limits.maxEntries;
  if (max !== undefined && entryCount(content) > max) {
    issues.push({
      path: '$',
      message: `users, rooms and servers hold more than ${max} entries together`,
    });
    throw new SelectivePresenceError('INVALID_SHARING_SETTINGS', 'm.presence.sharing', issues);
  }
  const shareLocally = content.share_locally;
  if (shareLocally !== undefined && typeof shareLocally !== 'boolean') {
    issues.push({ path: jsonPath(['share_locally']), message: 'share_locally must be a boolean' });
  }
  const settings: PresenceSharingSettings = {
    shareLocally: shareLocally === true,
    users: readUsers(content, issues),
    allowedRooms: readRooms(content, issues),
    deniedServers: readServers(content, issues),
  };
  if (issues.length > 0) {
    throw new SelectivePresenceError('INVALID_SHARING_SETTINGS', 'm.presence.sharing', issues);
  }
  return settings;
}
