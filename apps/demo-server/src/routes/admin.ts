/**
 * The admin API under `/_presence_router/admin/v1/` (admin token required):
 * - `POST send_local_online_presence_to` `{"users": [...]}`: the routing modules' own call;
 * - `GET explain?from=@a&to=@b`: why @b does or does not receive @a's presence;
 * - `POST rooms/{roomId}/join` and `.../leave` `{"user_id": ...}`: membership changes for
 *   inline rooms (other membership sources are changed at their origin).
 *
 * @example
 * ```ts
 * registerAdminRoutes(app, context);
 * // curl -H 'Authorization: Bearer ADMIN' 'http://127.0.0.1:8008/_presence_router/admin/v1/explain?from=@a:hs&to=@b:hs'
 * ```
 * @module
 */
import { roomIdProblem } from '@presence-router/core';
import type { Hono } from 'hono';
import type { AppContext } from '../app-context.ts';
import { MatrixError } from '../errors.ts';
import { checkedUserId, jsonResponse, readJsonObject } from '../matrix-http.ts';

/** The admin API's path prefix. */
export const ADMIN_PREFIX = '/_presence_router/admin/v1';

/** Registers the admin routes on `app`. */
export function registerAdminRoutes(app: Hono, ctx: AppContext): void {
  app.post(`${ADMIN_PREFIX}/send_local_online_presence_to`, async (c) => {
    ctx.auth.admin(c.req.raw);
    const body = await readJsonObject(c.req.raw);
    const users = body.users;
    if (!Array.isArray(users)) {
      throw new MatrixError(400, 'M_BAD_JSON', 'users must be a list of user IDs');
    }
    const checked = users.map((user, i) => checkedUserId(user, `users[${i}]`));
    await ctx.service.sendLocalOnlinePresenceTo(checked);
    return jsonResponse({
      local: checked.filter((user) => ctx.service.isLocal(user)),
      remote: checked.filter((user) => !ctx.service.isLocal(user)),
    });
  });

  app.get(`${ADMIN_PREFIX}/explain`, async (c) => {
    ctx.auth.admin(c.req.raw);
    const url = new URL(c.req.url);
    const from = url.searchParams.get('from');
    const to = url.searchParams.get('to');
    if (from === null || to === null) {
      throw new MatrixError(400, 'M_MISSING_PARAM', 'Give both ?from= and ?to= user IDs');
    }
    const explanation = await ctx.service.explain(
      checkedUserId(from, 'from'),
      checkedUserId(to, 'to'),
    );
    return jsonResponse(explanation);
  });

  for (const action of ['join', 'leave'] as const) {
    app.post(`${ADMIN_PREFIX}/rooms/:roomId/${action}`, async (c) => {
      ctx.auth.admin(c.req.raw);
      const roomId = c.req.param('roomId');
      const problem = roomIdProblem(roomId);
      if (problem !== undefined) {
        throw new MatrixError(
          400,
          'M_INVALID_PARAM',
          `Invalid room ID ${JSON.stringify(roomId)}: ${problem}`,
        );
      }
      const body = await readJsonObject(c.req.raw);
      const userId = checkedUserId(body.user_id, 'user_id');
      const membership = ctx.editableMembership;
      if (membership === undefined) {
        throw new MatrixError(
          400,
          'M_UNRECOGNIZED',
          'Membership is read from a database or homeserver here: change it there (only inline rooms can be changed through this API)',
        );
      }
      if (action === 'join') membership.join(roomId, userId);
      else membership.leave(roomId, userId);
      ctx.logger.info('admin: membership changed', { roomId, userId, action });
      return jsonResponse({});
    });
  }
}
