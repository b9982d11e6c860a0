/**
 * Giving a routing module a name for the router's logs without changing the module: an
 * instance is wrapped in a module whose callbacks call the instance's methods (bound, so
 * `this` and private fields work), and whose `moduleName` is the configuration's.
 *
 * @example
 * ```ts
 * const named = withModuleName(new AuditRouter(config, api), 'audit.AuditRouter (modules[0])');
 * named.moduleName; // 'audit.AuditRouter (modules[0])'
 * ```
 * @module
 */
import type { PresenceRouterModule } from '@presence-router/core';

function bound<F>(module: object, method: F | undefined): F | undefined {
  return typeof method === 'function' ? (method.bind(module) as F) : undefined;
}

/** `module` itself when it has this name already, or else a named module calling it. */
export function withModuleName(module: PresenceRouterModule, name: string): PresenceRouterModule {
  if (module.moduleName === name) return module;
  return {
    moduleName: name,
    getRoomsAndUsersForStates: bound(module, module.getRoomsAndUsersForStates),
    getUsersForStates: bound(module, module.getUsersForStates),
    getInterestedUsers: bound(module, module.getInterestedUsers),
  };
}
