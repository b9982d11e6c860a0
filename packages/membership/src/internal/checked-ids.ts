/**
 * The identifier checks of every membership source: a user or room ID that does not follow
 * the Matrix grammar (core's `userIdProblem` / `roomIdProblem`) is refused with
 * `MembershipError` code `INVALID_USER_ID` or `INVALID_ROOM_ID`, the codes core uses.
 *
 * @example
 * ```ts
 * checkRoomId('!room:hs.example'); // '!room:hs.example'
 * checkUserId('alice'); // throws MembershipError('INVALID_USER_ID')
 * ```
 * @module
 */
import { roomIdProblem, userIdProblem } from '@presence-router/core';
import { MembershipError } from '../errors.ts';

/** Returns `roomId` when it is a valid room ID; throws `MembershipError('INVALID_ROOM_ID')`. */
export function checkRoomId(roomId: string): string {
  const problem = roomIdProblem(roomId);
  if (problem !== undefined) {
    throw new MembershipError(
      'INVALID_ROOM_ID',
      `Invalid room ID ${JSON.stringify(roomId)}: ${problem}`,
      { roomId: String(roomId) },
    );
  }
  return roomId;
}

/** Returns `userId` when it is a valid user ID; throws `MembershipError('INVALID_USER_ID')`. */
export function checkUserId(userId: string): string {
  const problem = userIdProblem(userId);
  if (problem !== undefined) {
    throw new MembershipError(
      'INVALID_USER_ID',
      `Invalid user ID ${JSON.stringify(userId)}: ${problem}`,
    );
  }
  return userId;
}
