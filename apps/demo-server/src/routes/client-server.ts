/**
 * The Matrix client-server endpoints: versions, whoami, presence status, sync (presence
 * only), joined members, and the minimal honest answers a stock client needs to start
 * syncing (capabilities, push rules, filters, login flows, joined rooms, third-party
 * protocols).
 *
 * @example
 * ```ts
 * const app = new Hono();
 * registerClientServerRoutes(app, context);
 * ```
 * @module
 */
import { roomIdProblem } from '@presence-router/core';
import type { Hono } from 'hono';
import type { AppContext } from '../app-context.ts';
import { MatrixError } from '../errors.ts';
import { checkedUserId, jsonResponse, readJsonObject } from '../matrix-http.ts';
import { presenceContent } from '../presence-event.ts';
import { putPresenceRequest, syncRequest } from './presence-requests.ts';

/** The spec versions answered by `/versions`. */
export const SUPPORTED_VERSIONS = [
  'r0.6.1',
  'v1.1',
  'v1.2',
  'v1.3',
  'v1.4',
  'v1.5',
  'v1.6',
  'v1.7',
  'v1.8',
  'v1.9',
  'v1.10',
  'v1.11',
];

const CLIENT = '/_matrix/client/:version{v3|r0}';

/** Registers the client-server routes on `app`. */
export function registerClientServerRoutes(app: Hono, ctx: AppContext): void {
  const filters = new Map<string, Map<string, unknown>>();

  app.get('/_matrix/client/versions', () =>
    jsonResponse({ versions: SUPPORTED_VERSIONS, unstable_features: {} }),
  );

  app.get('/_matrix/client/:version{v3|r0}/login', () => jsonResponse({ flows: [] }));

  app.get(`${CLIENT}/account/whoami`, (c) => {
    const userId = ctx.auth.user(c.req.raw);
    return jsonResponse({ user_id: userId, is_guest: false });
  });

  app.get(`${CLIENT}/capabilities`, (c) => {
    ctx.auth.user(c.req.raw);
    return jsonResponse({
      capabilities: {
        'm.change_password': { enabled: false },
        'm.set_displayname': { enabled: false },
        'm.set_avatar_url': { enabled: false },
        'm.3pid_changes': { enabled: false },
      },
    });
  });

  app.get(`${CLIENT}/pushrules/`, (c) => {
    ctx.auth.user(c.req.raw);
    return jsonResponse({
      global: { override: [], content: [], room: [], sender: [], underride: [] },
    });
  });

  app.get(`${CLIENT}/thirdparty/protocols`, (c) => {
    ctx.auth.user(c.req.raw);
    return jsonResponse({});
  });

  app.get(`${CLIENT}/joined_rooms`, async (c) => {
    const userId = ctx.auth.user(c.req.raw);
    const rooms = (await ctx.service.membership.getRoomsForUsers([userId])).get(userId) ?? [];
    return jsonResponse({ joined_rooms: rooms });
  });

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
}
