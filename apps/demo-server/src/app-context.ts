/**
 * What the HTTP routes need from the running server, passed in (not imported) so the Hono
 * app stays web-standard and testable: the presence engine, sync handler, authentication,
 * rate limiting, metrics and the settings the routes read.
 *
 * @example
 * ```ts
 * const app = createApp(context); // context: AppContext built by PresenceServer
 * ```
 * @module
 */
import type { Logger } from '@presence-router/core';
import type { Authenticator } from './auth.ts';
import type { Federation } from './federation-wiring.ts';
import type { ServerMetrics } from './metrics.ts';
import type { PresenceService } from './presence-service.ts';
import type { RateLimiter } from './rate-limiter.ts';
import type { SelectivePresence } from './selective-presence.ts';
import type { LivePageAccess } from './server-settings.ts';
import type { SyncHandler } from './sync-handler.ts';

/** Membership that the admin API may change (inline rooms). */
export interface EditableMembership {
  join(roomId: string, userId: string): void;
  leave(roomId: string, userId: string): void;
}

/** Everything the routes use. */
export interface AppContext {
  readonly serverName: string;
  readonly service: PresenceService;
  readonly syncHandler: SyncHandler;
  readonly auth: Authenticator;
  readonly rateLimiter: RateLimiter;
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
  /** Set when membership comes from inline rooms: the admin API may change it. */
  readonly editableMembership: EditableMembership | undefined;
  /** Users known to the server (tokens, inline rooms), for the live page's list. */
  readonly knownUsers: () => readonly string[];
  readonly maxRequestBodyBytes: number;
  readonly maxSyncTimeoutMs: number;
  /** Who may open the live page: `off` (404), `admin` (the admin token), `public`. */
  readonly livePage: LivePageAccess;
  /** The server-server side, when federation is enabled. */
  readonly federation: Federation | undefined;
  /** Aborted when the server shuts down (ends live-page streams). */
  readonly shutdownSignal: AbortSignal;
  /** MSC4495 selective presence, when `experimental_features.msc4495_enabled`. */
  readonly selectivePresence?: SelectivePresence | undefined;
}
