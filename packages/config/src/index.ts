/**
 * `@presence-router/config`: homeserver-style YAML configuration for presence routing.
 * Reads `presence.routing_modules`, Synapse's legacy `presence.presence_router` and its
 * top-level `modules:` list; resolves each `module:` through a {@link ModuleRegistry} or a
 * dynamic `import()`; runs each module's static `parseConfig`; reports every problem as a
 * {@link ConfigError} with the path, line and column of the offending value.
 *
 * @example
 * ```ts
 * import { loadConfig, ModuleRegistry } from '@presence-router/config';
 * import { ALL_USERS } from '@presence-router/core';
 *
 * class AuditRouter {
 *   static parseConfig(raw: unknown) { return raw as { auditor: string }; }
 *   readonly auditor: string;
 *   constructor(config: { auditor: string }) { this.auditor = config.auditor; }
 *   getUsersForStates(states) { return { [this.auditor]: states }; }
 *   getInterestedUsers(userId: string) { return userId === this.auditor ? ALL_USERS : []; }
 * }
 *
 * const config = await loadConfig(
 *   [
 *     'server_name: hs.example',
 *     'presence:',
 *     '  routing_modules:',
 *     '    - module: audit.AuditRouter',
 *     '      config: { auditor: "@auditor:hs.example" }',
 *   ].join('\n'),
 *   { sourceName: 'homeserver.yaml', registry: new ModuleRegistry().register('audit.AuditRouter', AuditRouter) },
 * );
 * const router = config.createPresenceRouter({ membership }); // a MembershipSource
 * ```
 * @module
 */
export { loadConfigFile } from './config-file.ts';
export type { ModuleEntry } from './config-schema.ts';
export {
  MODULE_ENTRY_KEYS,
  moduleEntrySchema,
  PRESENCE_KEYS,
  presenceSchema,
  roomIdListSchema,
  roomIdSchema,
  SYNAPSE_PRESENCE_KEYS,
  serverNameSchema,
  topLevelSchema,
} from './config-schema.ts';
export type { ConfigWarning } from './config-warning.ts';
export { configWarning, formatConfigWarning, logConfigWarning } from './config-warning.ts';
export type { ConfigErrorCode, ConfigErrorDetails, ConfigPath } from './errors.ts';
export { ConfigError, formatConfigPath } from './errors.ts';
export type { LoadConfigOptions } from './load-config.ts';
export { loadConfig } from './load-config.ts';
export type { CreatePresenceRouterOptions, LoadedConfigParts } from './loaded-config.ts';
export { LoadedConfig } from './loaded-config.ts';
export type {
  InstantiatedModules,
  InstantiateOptions,
  LoadedRoutingModule,
  ModuleApiHost,
  ModuleOrigin,
} from './module-instantiation.ts';
export { instantiateRoutingModules } from './module-instantiation.ts';
export type { AnyModuleClass } from './module-registry.ts';
export { ModuleRegistry } from './module-registry.ts';
export type {
  ModuleImporter,
  ModuleResolutionOptions,
  ResolutionErrorFactory,
  ResolvedModule,
} from './module-resolution.ts';
export { importTargetOf, resolveModuleClass } from './module-resolution.ts';
export type { ModuleSpecifier } from './module-specifier.ts';
export { isFilePathTarget, parseModuleSpecifier } from './module-specifier.ts';
export { ABSENT, describeExpectedType, describeValue, valueAtPath } from './value-description.ts';
export type { YamlLimits } from './yaml-limits.ts';
export { DEFAULT_YAML_LIMITS } from './yaml-limits.ts';
export type {
  NearestPosition,
  ParseYamlOptions,
  SourcePosition,
  YamlSource,
} from './yaml-source.ts';
export { parseYamlSource } from './yaml-source.ts';
export type { ZodIssueContext } from './zod-issues.ts';
export {
  configErrorFromZodIssue,
  configErrorsFromZodError,
  parseWithSchema,
} from './zod-issues.ts';
