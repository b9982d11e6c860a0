/**
 * `@presence-router/demo-server`: a Matrix client-server-compatible presence server wiring
 * the presence-router packages together — configuration, membership sources, routing through
 * core's grouped fan-out, sync streams, the admin API, metrics and the live page.
 *
 * @example
 * ```ts
 * import { createServerFromConfig, listen, loadServerConfig } from '@presence-router/demo-server';
 *
 * const config = await loadServerConfig(yamlText, { sourceName: 'homeserver.yaml' });
 * const running = await listen(await createServerFromConfig(config), { port: 0 });
 * console.log(running.url); // http://127.0.0.1:PORT
 * await running.close();
 * ```
 * @module
 */
export { createApp } from './app.ts';
export type { AppContext, EditableMembership } from './app-context.ts';
export { Authenticator, type AuthenticatorOptions } from './auth.ts';
export { type CliIo, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, HELP, runCli } from './cli.ts';
export {
  createDemoDatabase,
  DEMO_ADMIN_TOKEN,
  DEMO_ROOMS,
  DEMO_SERVER_NAME,
  DEMO_TOKENS,
  embeddedConfigYaml,
} from './demo-database.ts';
export {
  CliUsageError,
  type MatrixErrcode,
  MatrixError,
  ServerStartError,
  type ServerStartErrorCode,
} from './errors.ts';
export {
  type FederationSender,
  LoggingFederationSender,
  type SentPresence,
} from './federation-sender.ts';
export { JsonLogger, type JsonLoggerOptions, type LogLevel } from './json-logger.ts';
export {
  type CreateServerOptions,
  createServerFromConfig,
  defaultRegistry,
  type LoadServerConfigOptions,
  loadServerConfig,
  type ServerConfig,
} from './load-server.ts';
export { type MembershipHandle, openMembership } from './membership-from-settings.ts';
export { ServerMetrics } from './metrics.ts';
export { type ListenOptions, listen, type RunningServer } from './node-listener.ts';
export { type PresenceEvent, presenceContent, presenceEvent } from './presence-event.ts';
export {
  DEFAULT_PRESENCE_TIMERS,
  type PresenceTimerSettings,
  type SetPresence,
} from './presence-rules.ts';
export {
  type HostModuleApi,
  PresenceServer,
  type PresenceServerOptions,
} from './presence-server.ts';
export { type DeliveredBatch, PresenceService } from './presence-service.ts';
export { RateLimiter, type RateLimitSettings } from './rate-limiter.ts';
export {
  type MembershipSettings,
  parseServerSettings,
  type ServerSettings,
} from './server-settings.ts';
export { SyncHandler } from './sync-handler.ts';
export { SyncStreams } from './sync-streams.ts';
