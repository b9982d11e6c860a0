/**
 * Constructing configured modules the way Synapse's module loader does: each class is called
 * with `(config, moduleApi)`; the callbacks it registers through
 * `moduleApi.registerPresenceRouterCallbacks` become routing modules, or else the instance
 * itself when it has routing methods. A `modules:` entry that routes nothing is skipped with
 * a warning (that list holds modules of every kind); in `routing_modules` or
 * `presence_router` it is an error.
 *
 * @example
 * ```ts
 * const { modules, warnings } = instantiateRoutingModules(config.routingModules, hostApi, { logger });
 * const router = new PresenceRouter({ serverName, membership, modules });
 * ```
 * @module
 */
import {
  CallbackCollector,
  type Logger,
  type ModuleApi,
  ModuleRegistrationError,
  type PresenceRouterCallbacks,
  type PresenceRouterModule,
  silentLogger,
} from '@presence-router/core';
import { type ConfigWarning, configWarning, logConfigWarning } from '../config-warning.ts';
import { ConfigError, type ConfigPath } from '../errors.ts';
import type { InstantiatedModules, ModuleApiHost } from '../loaded-config.ts';
import type { LoadedRoutingModule } from '../loaded-routing-module.ts';

/** Options of {@link instantiateRoutingModules}. */
export interface InstantiateOptions {
  /** Receives warnings (skipped `modules:` entries). */
  readonly logger?: Logger | undefined;
  /** Finds the source position of a path (or its nearest ancestor), for relocated errors. */
  readonly locate?: ((path: ConfigPath) => { line: number; column: number }) | undefined;
}

const ROUTING_METHODS = [
  'getRoomsAndUsersForStates',
  'getUsersForStates',
  'getInterestedUsers',
  'getDeniedRecipients',
];

function hasRoutingMethod(instance: unknown): boolean {
  if ((typeof instance !== 'object' && typeof instance !== 'function') || instance === null) {
    return false;
  }
  const record = instance as Record<string, unknown>;
  return ROUTING_METHODS.some((method) => typeof record[method] === 'function');
}

function errorFor(
  entry: LoadedRoutingModule,
  code: ConfigError['code'],
  detail: string,
  cause?: unknown,
): ConfigError {
  return new ConfigError(code, detail, {
    path: entry.pathParts,
    line: entry.line,
    column: entry.column,
    sourceName: entry.sourceName,
    cause,
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The module API one module is constructed with: the host's, with its own callback collector. */
function moduleApiFor(host: ModuleApiHost, collector: CallbackCollector): ModuleApi {
  return {
    serverName: host.serverName,
    membership: host.membership,
    sendLocalOnlinePresenceTo: (users) => host.sendLocalOnlinePresenceTo(users),
    registerPresenceRouterCallbacks: (callbacks: PresenceRouterCallbacks) => {
      collector.register(callbacks);
    },
  };
}

/**
 * Constructs every configured module with `(config, moduleApi)` and returns the routing
 * modules they contribute, in configuration order. Throws {@link ConfigError}:
 * `INVALID_MODULE` (located at the entry) for a module registering only one callback of
 * Synapse's pair, or a `routing_modules` / `presence_router` entry that routes nothing;
 * `MODULE_INIT_FAILED` when a constructor throws. A `ConfigError` thrown by a constructor
 * is re-thrown under the entry's `config` path.
 */
export function instantiateRoutingModules(
  entries: readonly LoadedRoutingModule[],
  host: ModuleApiHost,
  options: InstantiateOptions = {},
): InstantiatedModules {
  const logger = options.logger ?? silentLogger;
  const modules: PresenceRouterModule[] = [];
  const moduleNames: string[] = [];
  const warnings: ConfigWarning[] = [];
  for (const entry of entries) {
    const name = `${entry.module} (${entry.path})`;
    const collector = new CallbackCollector(name);
    let instance: unknown;
    try {
      instance = new entry.moduleClass(entry.config, moduleApiFor(host, collector));
    } catch (error) {
      if (error instanceof ModuleRegistrationError) {
        throw errorFor(
          entry,
          'INVALID_MODULE',
          `module ${JSON.stringify(entry.module)}: ${error.message}`,
          error,
        );
      }
      if (error instanceof ConfigError) {
        const prefix = [...entry.pathParts, 'config'];
        throw error.relocated(prefix, (full) => {
          const position = options.locate?.(full) ?? entry;
          return { line: position.line, column: position.column, sourceName: entry.sourceName };
        });
      }
      throw errorFor(
        entry,
        'MODULE_INIT_FAILED',
        `module ${JSON.stringify(entry.module)} failed to start: its constructor threw ${messageOf(error)}`,
        error,
      );
    }
    if (collector.size === 0 && !hasRoutingMethod(instance)) {
      const detail = `module ${JSON.stringify(entry.module)} is not a presence router: it registered no callbacks through registerPresenceRouterCallbacks and has no getRoomsAndUsersForStates, getUsersForStates, getInterestedUsers or getDeniedRecipients method`;
      if (entry.origin === 'modules') {
        const warning = configWarning(
          `${detail}; skipped`,
          entry.pathParts,
          { line: entry.line, column: entry.column },
          entry.sourceName,
        );
        warnings.push(warning);
        logConfigWarning(logger, warning);
        continue;
      }
      throw errorFor(entry, 'INVALID_MODULE', detail);
    }
    let contributed: PresenceRouterModule[];
    try {
      contributed = collector.modulesFor(instance);
    } catch (error) {
      throw errorFor(
        entry,
        'INVALID_MODULE',
        `module ${JSON.stringify(entry.module)}: ${messageOf(error)}`,
        error,
      );
    }
    for (const module of contributed) {
      modules.push(module);
      moduleNames.push(typeof module.moduleName === 'string' ? module.moduleName : name);
    }
  }
  return { modules, moduleNames, warnings };
}
