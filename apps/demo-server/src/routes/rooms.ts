/**
 * `GET /rooms/{roomId}/joined_members` (from the membership source; 403 unless the asking
 * user is joined) and account data, which a presence-only server does not keep: `GET` of any
 * type answers 404 `M_NOT_FOUND`, as Synapse does for a type never set.
 *
 * @example
 * ```ts
 * registerRoomRoutes(app, context);
 * ```
 * @module
 */
import { roomIdProblem } from '@presence-router/core';
import type { Hono } from 'hono';
import type { AppContext } from '../app-context.ts';
import { MatrixError } from '../errors.ts';
import { checkedUserId, jsonResponse } from '../matrix-http.ts';
import { CLIENT } from './client-paths.ts';

/** Registers the routes on `app`. */
export function registerRoomRoutes(app: Hono, ctx: AppContext): void {
  app.get(`${CLIENT}/rooms/:roomId/joined_members`, async (c) => {
    const userId = ctx.auth.user(c.req.raw);
    const roomId = c.req.param('roomId');
    const problem = roomIdProblem(roomId);
    if (problem !== undefined) {
      throw new MatrixError(
        400,
        'M_INVALID_PARAM',
        `Invalid room ID ${JSON.stringify(roomId)}: ${problem}`,
      );
    }
    const members = (await ctx.service.membership.getJoinedMembers([roomId])).get(roomId);
    if (members === undefined || !members.includes(userId)) {
      throw new MatrixError(403, 'M_FORBIDDEN', `User ${userId} not in room ${roomId}`);
    }
    const joined: Record<string, { display_name: null; avatar_url: null }> = {};
    for (const member of members) joined[member] = { display_name: null, avatar_url: null };
    return jsonResponse({ joined });
  });

  const noAccountData = (userId: string, target: string): never => {
    if (target !== userId) {
      throw new MatrixError(403, 'M_FORBIDDEN', 'Cannot get account data for other users');
    }
    throw new MatrixError(404, 'M_NOT_FOUND', 'Account data not found');
  };
  app.get(`${CLIENT}/user/:userId/account_data/:type`, (c) =>
    noAccountData(ctx.auth.user(c.req.raw), checkedUserId(c.req.param('userId'))),
  );
  app.get(`${CLIENT}/user/:userId/rooms/:roomId/account_data/:type`, (c) =>
    noAccountData(ctx.auth.user(c.req.raw), checkedUserId(c.req.param('userId'))),
  );
}
