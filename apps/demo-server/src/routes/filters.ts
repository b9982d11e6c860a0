/**
 * `POST`/`GET /user/{userId}/filter`: filters are stored (at most 100 per user, oldest
 * dropped first) and answered back as given; a presence-only server applies none of them.
 * Bodies nesting deeper than the JSON depth limit are refused, so a stored filter can always
 * be answered.
 *
 * @example
 * ```ts
 * registerFilterRoutes(app, context);
 * ```
 * @module
 */
import type { Hono } from 'hono';
import type { AppContext } from '../app-context.ts';
import { MatrixError } from '../errors.ts';
import { checkedUserId, jsonResponse, readJsonObject } from '../matrix-http.ts';
import { CLIENT } from './client-paths.ts';

/** Registers the routes on `app`. */
export function registerFilterRoutes(app: Hono, ctx: AppContext): void {
  const filters = new Map<string, Map<string, unknown>>();

  app.post(`${CLIENT}/user/:userId/filter`, async (c) => {
    const userId = ctx.auth.user(c.req.raw);
    const target = checkedUserId(c.req.param('userId'));
    if (target !== userId) {
      throw new MatrixError(403, 'M_FORBIDDEN', 'Cannot create filters for other users');
    }
    const filter = await readJsonObject(c.req.raw);
    let mine = filters.get(userId);
    if (mine === undefined) {
      mine = new Map();
      filters.set(userId, mine);
    }
    if (mine.size >= 100) mine.delete(mine.keys().next().value as string);
    const filterId = String(Date.now().toString(36) + mine.size);
    mine.set(filterId, filter);
    return jsonResponse({ filter_id: filterId });
  });

  app.get(`${CLIENT}/user/:userId/filter/:filterId`, (c) => {
    const userId = ctx.auth.user(c.req.raw);
    const target = checkedUserId(c.req.param('userId'));
    if (target !== userId) {
      throw new MatrixError(403, 'M_FORBIDDEN', 'Cannot get filters for other users');
    }
    const filter = filters.get(userId)?.get(c.req.param('filterId'));
    if (filter === undefined) throw new MatrixError(404, 'M_NOT_FOUND', 'No such filter');
    return jsonResponse(filter);
  });
}
