/**
 * `@presence-router/config`: homeserver-style YAML configuration for presence routing.
 * Reads `presence.routing_modules`, Synapse's legacy `presence.presence_router` and its
 * top-level `modules:` list; finds each `module:` in a {@link ModuleRegistry} or, like
 * Synapse, in the environment the application runs in (its `node_modules`, from the
 * configuration's folder and then the working directory); runs each module's static
 * `parseConfig`; reports every problem as a {@link ConfigError} with the path, line and
 * column of the offending value. The YAML is parsed once: `LoadedConfig.source` serves the
 * application's own keys, and `LoadedConfig.createPresenceRouter` builds core's router.
 *
 * This file is the whole public surface: for applications (load, wire, validate their own
 * keys with the same messages) and for module authors (`ConfigError` and `parseWithSchema`
 * for `parseConfig`, `ModuleRegistry` to be named without an import).
 *
 * @example
 * ```ts
 * import { loadConfigFile, ModuleRegistry } from '@presence-router/config';
 * import { registerExampleRouter } from '@presence-router/example-router';
 *
 * const config = await loadConfigFile('/etc/presence-router/homeserver.yaml', {
 *   registry: registerExampleRouter(new ModuleRegistry()),
 * });
 * const { router } = config.createPresenceRouter({ membership }); // a MembershipSource
 * ```
 * @module
 */

/** Reads a configuration file: {@link loadConfig} with the file's name and folder. */
export { loadConfigFile } from './config-file.ts';
/** A located warning about the configuration (an unknown key, a skipped module). */
export type { ConfigWarning } from './config-warning.ts';
/** `file:line:column: path: message` for a {@link ConfigWarning}, as errors are written. */
export { formatConfigWarning } from './config-warning.ts';
/** The codes of {@link ConfigError}, and the path of a value in the configuration. */
export type { ConfigErrorCode, ConfigPath } from './errors.ts';
/** Every problem with a configuration, with its path, line and column (core's class). */
export { ConfigError } from './errors.ts';
/** The options of {@link loadConfig}, and how `importModule` imports. */
export type { LoadConfigOptions, ModuleImporter } from './load-config.ts';
/** Loads a configuration from YAML text. */
export { loadConfig } from './load-config.ts';
/** What {@link loadConfig} returns, and what its methods take and give. */
export type {
  ConfiguredPresenceRouter,
  CreatePresenceRouterOptions,
  InstantiatedModules,
  LoadedConfig,
  ModuleApiHost,
} from './loaded-config.ts';
/** One resolved `module:` entry, and which form of the configuration it came from. */
export type { LoadedRoutingModule, ModuleOrigin } from './loaded-routing-module.ts';
/** A module class of any configuration type, as the registry holds it. */
export type { AnyModuleClass } from './module-registry.ts';
/** Module classes known by `module:` name, found before anything is imported. */
export { ModuleRegistry } from './module-registry.ts';
/** Limits on the size, nesting and aliases of the YAML. */
export type { YamlLimits } from './yaml-limits.ts';
/** The limits used when none are given. */
export { DEFAULT_YAML_LIMITS } from './yaml-limits.ts';
/** A parsed YAML source, with positions, and the options of {@link parseYamlSource}. */
export type {
  NearestPosition,
  ParseYamlOptions,
  SourcePosition,
  YamlSource,
} from './yaml-source.ts';
/** Parses YAML text as `loadConfig` does (for sources other than a loaded configuration). */
export { parseYamlSource } from './yaml-source.ts';
/** Where a value checked by a zod schema came from. */
export type { ZodIssueContext } from './zod-issues.ts';
/** Checks a value with a zod schema; problems become located {@link ConfigError}s. */
export { configErrorsFromZodError, parseWithSchema } from './zod-issues.ts';
