/**
 * The client-server endpoints a stock client calls before it syncs, answered honestly for a
 * presence-only server: versions, login flows (none), whoami, capabilities (nothing can be
 * changed), push rules (the spec's predefined set), third-party protocols (none) and the
 * user's joined rooms (from the membership source). With MSC4495 enabled, `/versions` lists
 * its unstable feature and `/capabilities` its capability.
 *
 * @example
 * ```ts
 * registerClientBasicsRoutes(app, context);
 * ```
 * @module
 */
import { CAPABILITY_NAMES, UNSTABLE_FEATURE } from '@presence-router/selective-presence';
import type { Hono } from 'hono';
import type { AppContext } from '../app-context.ts';
import { jsonResponse } from '../matrix-http.ts';
import { defaultPushRules } from '../push-rules.ts';
import { CLIENT } from './client-paths.ts';

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

/** Registers the routes on `app`. */
export function registerClientBasicsRoutes(app: Hono, ctx: AppContext): void {
  const msc4495 = ctx.selectivePresence !== undefined;
  app.get('/_matrix/client/versions', () =>
    jsonResponse({
      versions: SUPPORTED_VERSIONS,
      unstable_features: msc4495 ? { [UNSTABLE_FEATURE]: true } : {},
    }),
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
        // The unstable name until MSC4495 is merged.
        ...(msc4495 ? { [CAPABILITY_NAMES[1]]: { enabled: true } } : {}),
      },
    });
  });

  app.get(`${CLIENT}/pushrules/`, (c) => jsonResponse(defaultPushRules(ctx.auth.user(c.req.raw))));

  app.get(`${CLIENT}/thirdparty/protocols`, (c) => {
    ctx.auth.user(c.req.raw);
    return jsonResponse({});
  });

  app.get(`${CLIENT}/joined_rooms`, async (c) => {
    const userId = ctx.auth.user(c.req.raw);
    const rooms = (await ctx.service.membership.getRoomsForUsers([userId])).get(userId) ?? [];
    return jsonResponse({ joined_rooms: rooms });
  });
}
