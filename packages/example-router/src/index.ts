/**
 * `@presence-router/example-router`: the seed's `ExamplePresenceRouter` routing module, ported
 * to TypeScript with its bugs fixed. It sends every presence update to the users listed in
 * `always_send_to_users`, and the updates of the users in `users_to_rooms` to every joined
 * member of their rooms.
 *
 * @example
 * ```ts
 * import { PresenceRouter, userPresenceState } from '@presence-router/core';
 * import { ExamplePresenceRouter } from '@presence-router/example-router';
 *
 * const config = ExamplePresenceRouter.parseConfig({
 *   always_send_to_users: ['@auditor:hs.example'],
 *   users_to_rooms: [{ '@alice:hs.example': '!lobby:hs.example' }],
 * });
 * const module = new ExamplePresenceRouter(config, { serverName: 'hs.example', membership, ...hostApi });
 * const router = new PresenceRouter({ serverName: 'hs.example', membership, modules: [module] });
 * const result = await router.fanOut([userPresenceState('@alice:hs.example', { state: 'online' })]);
 * result.statesFor('@auditor:hs.example'); // [alice's state]
 * ```
 * @module
 */
export type { ExampleRouterErrorCode } from './errors.ts';
export { ExampleRouterError } from './errors.ts';
export type { ExamplePresenceRouterOptions } from './example-presence-router.ts';
export { ExamplePresenceRouter } from './example-presence-router.ts';
export type { ExampleRouterConfig } from './example-router-config.ts';
export {
  EXAMPLE_ROUTER_CONFIG_KEYS,
  isParsedExampleRouterConfig,
  parseExampleRouterConfig,
} from './example-router-config.ts';
export { ReadOnlyMap } from './read-only-map.ts';
export {
  EXAMPLE_ROUTER_MODULE_NAMES,
  registerExampleRouter,
} from './register-example-router.ts';
