/**
 * `PUT`/`GET /presence/{userId}/status` and `GET /sync` on the Hono app (the Node fast path
 * serves the same `PUT` and `/sync` handlers, `presence-requests.ts`, straight from
 * `node:http`).
 *
 * @example
 * ```ts
 * registerPresenceRoutes(app, context);
 * ```
 * @module
 */
import type { Hono } from 'hono';
import type { AppContext } from '../app-context.ts';
import { MatrixError } from '../errors.ts';
import { checkedUserId, jsonResponse, readJsonObject } from '../matrix-http.ts';
import { presenceContent } from '../presence-event.ts';
import { CLIENT } from './client-paths.ts';
import { putPresenceRequest, syncRequest } from './presence-requests.ts';

/** Registers the routes on `app`. */
export function registerPresenceRoutes(app: Hono, ctx: AppContext): void {
  app.put(`${CLIENT}/presence/:userId/status`, async (c) =>
    jsonResponse(
      await putPresenceRequest(ctx, c.req.raw, c.req.param('userId'), () =>
        readJsonObject(c.req.raw),
      ),
    ),
  );

  app.get(`${CLIENT}/presence/:userId/status`, async (c) => {
    const userId = ctx.auth.user(c.req.raw);
    const target = checkedUserId(c.req.param('userId'));
    if (!(await ctx.service.canSee(userId, target))) {
      throw new MatrixError(
        403,
        'M_FORBIDDEN',
        `You are not allowed to see the presence of ${target}`,
      );
    }
    return jsonResponse(presenceContent(ctx.service.currentState(target), ctx.service.now()));
  });

  app.get(`${CLIENT}/sync`, async (c) =>
    jsonResponse(await syncRequest(ctx, c.req.raw, c.req.raw.signal)),
  );
}
