/**
 * `@presence-router/demo-server`: a Matrix client-server-compatible presence server wiring
 * the presence-router packages together. As a library it offers what its README documents:
 * load a configuration, build the server, listen (and stop gracefully).
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
export type {
  CreateServerOptions,
  LoadServerConfigOptions,
  ServerConfig,
} from './load-server.ts';
export { createServerFromConfig, loadServerConfig } from './load-server.ts';
export type { ListenOptions, RunningServer } from './node-listener.ts';
export { listen } from './node-listener.ts';
export type { PresenceServer } from './presence-server.ts';
