/**
 * The Matrix client-server endpoints, registered by topic: what a stock client needs before
 * it syncs (`client-basics.ts`), filters (`filters.ts`), presence and sync
 * (`presence-routes.ts`), joined members and account data (`rooms.ts`; with MSC4495 enabled,
 * stored account data first: `account-data-routes.ts`).
 *
 * @example
 * ```ts
 * const app = new Hono();
 * registerClientServerRoutes(app, context);
 * ```
 * @module
 */
import type { Hono } from 'hono';
import type { AppContext } from '../app-context.ts';
import { registerAccountDataRoutes } from './account-data-routes.ts';
import { registerClientBasicsRoutes } from './client-basics.ts';
import { registerFilterRoutes } from './filters.ts';
import { registerPresenceRoutes } from './presence-routes.ts';
import { registerRoomRoutes } from './rooms.ts';

export { SUPPORTED_VERSIONS } from './client-basics.ts';

/** Registers the client-server routes on `app`. */
export function registerClientServerRoutes(app: Hono, ctx: AppContext): void {
  registerClientBasicsRoutes(app, ctx);
  registerFilterRoutes(app, ctx);
  registerPresenceRoutes(app, ctx);
  // Matched before the presence-only server's account data answers.
  if (ctx.selectivePresence !== undefined) {
    registerAccountDataRoutes(app, ctx, ctx.selectivePresence);
  }
  registerRoomRoutes(app, ctx);
}
