/**
 * `registerExampleRouter`: makes `ExamplePresenceRouter` loadable by name from a YAML
 * configuration, without a dynamic `import()`.
 *
 * @example
 * ```ts
 * import { loadConfig, ModuleRegistry } from '@presence-router/config';
 * import { registerExampleRouter } from '@presence-router/example-router';
 *
 * const registry = registerExampleRouter(new ModuleRegistry());
 * const config = await loadConfig(yamlText, { registry });
 * ```
 * @module
 */
import type { ModuleRegistrar } from '@presence-router/core';
import { ExamplePresenceRouter } from './example-presence-router.ts';

/**
 * The `module:` names `registerExampleRouter` registers:
 * - `@presence-router/example-router.ExamplePresenceRouter` and its `#` spelling;
 * - `my_module.ExamplePresenceRouter`: the name the seed's documented YAML uses, so that
 *   configuration loads unchanged.
 */
export const EXAMPLE_ROUTER_MODULE_NAMES = [
  '@presence-router/example-router.ExamplePresenceRouter',
  '@presence-router/example-router#ExamplePresenceRouter',
  'my_module.ExamplePresenceRouter',
] as const;

/**
 * Registers {@link ExamplePresenceRouter} in `registry` (`@presence-router/config`'s
 * `ModuleRegistry`, or any {@link ModuleRegistrar}) under every name of
 * {@link EXAMPLE_ROUTER_MODULE_NAMES}. Returns the registry, for chaining.
 *
 * @throws ConfigError `CONFLICTING_KEYS` when one of the names already names another class.
 */
export function registerExampleRouter<R extends ModuleRegistrar>(registry: R): R {
  for (const name of EXAMPLE_ROUTER_MODULE_NAMES) registry.register(name, ExamplePresenceRouter);
  return registry;
}
