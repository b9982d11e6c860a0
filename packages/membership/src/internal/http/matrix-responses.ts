/**
 * Checks the bodies of the Matrix and Synapse admin endpoints the HTTP adapter reads, and
 * pulls out the user or room IDs. A body of the wrong shape gives a
 * `MembershipError('MALFORMED_RESPONSE')` naming the room (or user) and what was wrong.
 *
 * @example
 * ```ts
 * parseJoinedMembers({ joined: { '@a:hs': { display_name: null, avatar_url: null } } }, '!r:hs');
 * // ['@a:hs']
 * parseAdminRoomMembers({ members: ['@a:hs'], total: 1 }, '!r:hs'); // ['@a:hs']
 * parseAdminJoinedRooms({ joined_rooms: ['!r:hs'], total: 1 }, '@a:hs'); // ['!r:hs']
 * ```
 * @module
 */
import { roomIdProblem, userIdProblem } from '@presence-router/core';
import { MembershipError } from '../../errors.ts';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function malformed(message: string, roomId: string | undefined): MembershipError {
  return new MembershipError(
    'MALFORMED_RESPONSE',
    message,
    roomId !== undefined ? { roomId, status: 200 } : { status: 200 },
  );
}

function checkUserIds(ids: readonly unknown[], where: string, roomId: string): string[] {
  const result: string[] = [];
  for (const id of ids) {
    const problem = typeof id === 'string' ? userIdProblem(id) : `${kindOf(id)}, not a string`;
    if (problem !== undefined) {
      throw malformed(
        `${where} of ${roomId} lists ${JSON.stringify(id)}, which is not a user ID (${problem})`,
        roomId,
      );
    }
    result.push(id as string);
  }
  return result;
}

/**
 * User IDs of a client-server `GET /rooms/{roomId}/joined_members` body:
 * `{"joined": {"@u:hs": {"display_name": string|null, "avatar_url": string|null}}}`.
 * Profile fields may be null or missing; each profile must be an object.
 */
export function parseJoinedMembers(body: unknown, roomId: string): string[] {
  if (!isPlainObject(body) || !isPlainObject(body.joined)) {
    throw malformed(
      `joined_members of ${roomId}: expected {"joined": {userId: profile}}, got ${isPlainObject(body) ? `"joined" as ${kindOf(body.joined)}` : kindOf(body)}`,
      roomId,
    );
  }
  const joined = body.joined;
  const userIds = Object.keys(joined);
  for (const userId of userIds) {
    const profile = joined[userId];
    if (!isPlainObject(profile)) {
      throw malformed(
        `joined_members of ${roomId}: the profile of ${userId} is ${kindOf(profile)}, expected an object`,
        roomId,
      );
    }
  }
  return checkUserIds(userIds, 'joined_members', roomId);
}

/** User IDs of a Synapse admin `GET /_synapse/admin/v1/rooms/{roomId}/members` body. */
export function parseAdminRoomMembers(body: unknown, roomId: string): string[] {
  if (!isPlainObject(body) || !Array.isArray(body.members)) {
    throw malformed(
      `admin room members of ${roomId}: expected {"members": [...], "total": N}, got ${isPlainObject(body) ? `"members" as ${kindOf(body.members)}` : kindOf(body)}`,
      roomId,
    );
  }
  if (
    body.total !== undefined &&
    (typeof body.total !== 'number' || !Number.isInteger(body.total) || body.total < 0)
  ) {
    throw malformed(
      `admin room members of ${roomId}: "total" is ${JSON.stringify(body.total)}, expected a count`,
      roomId,
    );
  }
  return checkUserIds(body.members, 'admin room members', roomId);
}

/** Room IDs of a Synapse admin `GET /_synapse/admin/v1/users/{userId}/joined_rooms` body. */
export function parseAdminJoinedRooms(body: unknown, userId: string): string[] {
  if (!isPlainObject(body) || !Array.isArray(body.joined_rooms)) {
    throw malformed(
      `admin joined_rooms of ${userId}: expected {"joined_rooms": [...], "total": N}, got ${isPlainObject(body) ? `"joined_rooms" as ${kindOf(body.joined_rooms)}` : kindOf(body)}`,
      undefined,
    );
  }
  const rooms: string[] = [];
  for (const roomId of body.joined_rooms) {
    const problem =
      typeof roomId === 'string' ? roomIdProblem(roomId) : `${kindOf(roomId)}, not a string`;
    if (problem !== undefined) {
      throw malformed(
        `admin joined_rooms of ${userId} lists ${JSON.stringify(roomId)}, which is not a room ID (${problem})`,
        undefined,
      );
    }
    rooms.push(roomId as string);
  }
  return rooms;
}
