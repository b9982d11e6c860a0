/**
 * `loadConfig`: reads a homeserver-style YAML configuration, validates the keys presence
 * routing uses, resolves every routing module (registry first, then `import()`), and runs
 * each module's static `parseConfig` on its `config:` mapping.
 *
 * Modules may be configured in three forms, combined in this order:
 * 1. `presence.presence_router: { module, config }` (Synapse's legacy single router);
 * 2. `presence.routing_modules: [{ module, config }, ...]`;
 * 3. the top-level `modules: [{ module, config }, ...]` (Synapse's list of modules of every
 *    kind: an entry that turns out not to route presence is skipped with a warning when the
 *    modules are constructed).
 *
 * @example
 * ```ts
 * const config = await loadConfig(
 *   'server_name: hs.example\npresence:\n  routing_modules:\n    - module: my_router.Router\n',
 *   { sourceName: 'homeserver.yaml', registry: new ModuleRegistry().register('my_router.Router', Router) },
 * );
 * config.routingModules[0]?.config; // what Router.parseConfig returned
 * ```
 * @module
 */
import { consoleLogger, type Logger, type PresencePolicy } from '@presence-router/core';
import { type ConfigWarning, configWarning, logConfigWarning } from './config-warning.ts';
import { ConfigError, type ConfigPath, formatConfigPath } from './errors.ts';
import {
  MODULE_ENTRY_KEYS,
  moduleEntrySchema,
  PRESENCE_KEYS,
  presenceSchema,
  SYNAPSE_PRESENCE_KEYS,
  topLevelSchema,
} from './internal/config-schema.ts';
import { resolveModuleClass } from './internal/module-resolution.ts';
import { describeValue } from './internal/value-description.ts';
import { LoadedConfig } from './loaded-config.ts';
import type { LoadedRoutingModule, ModuleOrigin } from './loaded-routing-module.ts';
import type { ModuleRegistry } from './module-registry.ts';
import type { YamlLimits } from './yaml-limits.ts';
import { parseYamlSource, type YamlSource } from './yaml-source.ts';
import { parseWithSchema } from './zod-issues.ts';

/**
 * Imports a module by specifier: a package name (`@acme/routers`) or a `file:` URL. Given as
 * `importModule`, it replaces `loadConfig`'s own lookup of packages and import of files.
 */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** A label for messages, usually the file name. */
  readonly sourceName?: string | undefined;
  /** Known modules, looked up before anything is imported. */
  readonly registry?: ModuleRegistry | undefined;
  /** Receives warnings; default: core's console logger. */
  readonly logger?: Logger | undefined;
  /**
   * The configuration's folder (for `loadConfigFile`, the file's): relative module file paths
   * are resolved against it, and `module:` packages are looked up in `node_modules` from it
   * first, then from the working directory; default: the working directory.
   */
  readonly baseDir?: string | URL | undefined;
  /**
   * Imports `module:` packages (by name) and files (by `file:` URL) instead of `loadConfig`,
   * which finds packages in the application's `node_modules` and imports their entry file.
   * For runtimes or layouts that resolve differently (a Deno import map, a bundle):
   * `importModule: (specifier) => import(specifier)` from your application's code.
   */
  readonly importModule?: ModuleImporter | undefined;
  /**
   * Export conditions for reading packages' `exports` maps (`default` always matches);
   * default: `node`, `import` and the conditions the process runs with (`--conditions`, as
   * `@presence-router/source` in this workspace), which is what Node's `import()` uses.
   */
  readonly conditions?: readonly string[] | undefined;
  /**
   * Limits on the YAML: its size, nesting and aliases; each defaults to
   * {@link DEFAULT_YAML_LIMITS} (512 KiB, 64 levels, 1,000 aliases expanding to at most
   * 1 MiB of text). `loadConfigFile` reads no more of a file than `maxBytes`.
   */
  readonly limits?: Partial<YamlLimits> | undefined;
}

interface PendingEntry {
  readonly origin: ModuleOrigin;
  readonly path: ConfigPath;
  readonly value: unknown;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Loader {
  readonly source: YamlSource;
  readonly options: LoadConfigOptions;
  readonly logger: Logger;
  readonly warnings: ConfigWarning[] = [];

  constructor(source: YamlSource, options: LoadConfigOptions) {
    this.source = source;
    this.options = options;
    this.logger = options.logger ?? consoleLogger;
  }

  warn(path: ConfigPath, message: string): void {
    const position = this.source.locateKey(path) ?? this.source.locateNearest(path);
    const warning = configWarning(message, path, position, this.source.sourceName);
    this.warnings.push(warning);
    logConfigWarning(this.logger, warning);
  }

  warnUnknownKeys(
    mapping: Record<string, unknown>,
    path: ConfigPath,
    known: ReadonlySet<string>,
    quiet: ReadonlySet<string> = new Set(),
  ): void {
    const expected = [...known].map((key) => JSON.stringify(key)).join(', ');
    for (const key of Object.keys(mapping)) {
      if (known.has(key) || quiet.has(key)) continue;
      this.warn(
        [...path, key],
        `unknown key ${JSON.stringify(key)} in ${formatConfigPath(path)} is ignored (known keys: ${expected})`,
      );
    }
  }

  async load(): Promise<LoadedConfig> {
    const root = this.source.value;
    if (!isMapping(root)) {
      throw this.source.errorAt(
        'INVALID_TYPE',
        [],
        `expected a mapping of settings (key: value) at the top level, found ${describeValue(root)}`,
      );
    }
    const top = parseWithSchema(topLevelSchema, root, { source: this.source, path: [] });
    const presence = parseWithSchema(presenceSchema, top.presence ?? {}, {
      source: this.source,
      path: ['presence'],
    });
    if (isMapping(top.presence)) {
      this.warnUnknownKeys(top.presence, ['presence'], PRESENCE_KEYS, SYNAPSE_PRESENCE_KEYS);
    }

    const pending: PendingEntry[] = [];
    // Like Synapse, an empty `presence_router` (nothing, or `{}`) configures no router.
    const legacy = presence.presence_router;
    if (
      legacy !== undefined &&
      legacy !== null &&
      !(isMapping(legacy) && Object.keys(legacy).length === 0)
    ) {
      pending.push({
        origin: 'presence_router',
        path: ['presence', 'presence_router'],
        value: presence.presence_router,
      });
    }
    (presence.routing_modules ?? []).forEach((value, i) => {
      pending.push({ origin: 'routing_modules', path: ['presence', 'routing_modules', i], value });
    });
    (top.modules ?? []).forEach((value, i) => {
      pending.push({ origin: 'modules', path: ['modules', i], value });
    });

    const routingModules: LoadedRoutingModule[] = [];
    for (const entry of pending) routingModules.push(await this.loadEntry(entry));

    const enabled = presence.enabled ?? top.use_presence ?? true;
    const excluded = new Set([
      ...(top.exclude_rooms_from_presence ?? []),
      ...(presence.exclude_rooms_from_presence ?? []),
    ]);
    const deny = presence.deny;
    const policy: PresencePolicy = {
      ...(presence.default_routing != null ? { defaultRouting: presence.default_routing } : {}),
      ...(presence.local_only != null ? { localOnly: presence.local_only } : {}),
      ...(presence.max_room_size != null ? { maxRoomSize: presence.max_room_size } : {}),
      ...(deny != null
        ? {
            deny: {
              users: deny.users ?? [],
              rooms: deny.rooms ?? [],
              servers: deny.servers ?? [],
            },
          }
        : {}),
    };
    return new LoadedConfig({
      serverName: top.server_name,
      policy,
      presenceEnabled: enabled !== false,
      presenceUntracked: enabled === 'untracked',
      excludeRoomsFromPresence: [...excluded],
      routingModules,
      warnings: this.warnings,
      logger: this.logger,
      source: this.source,
    });
  }

  async loadEntry(pending: PendingEntry): Promise<LoadedRoutingModule> {
    const { source } = this;
    const entry = parseWithSchema(moduleEntrySchema, pending.value, {
      source,
      path: pending.path,
    });
    if (isMapping(pending.value))
      this.warnUnknownKeys(pending.value, pending.path, MODULE_ENTRY_KEYS);

    const modulePath = [...pending.path, 'module'];
    const resolved = await resolveModuleClass(
      entry.module,
      {
        registry: this.options.registry,
        baseDir: this.options.baseDir,
        importModule: this.options.importModule,
        conditions: this.options.conditions,
      },
      (code, detail, cause) => source.errorAt(code, modulePath, detail, cause),
    );

    const configPath = [...pending.path, 'config'];
    const rawConfig = entry.config ?? {};
    let config: unknown = rawConfig;
    const parseConfig = (resolved.moduleClass as { parseConfig?: unknown }).parseConfig;
    if (typeof parseConfig === 'function') {
      try {
        // A copy, so that `rawConfig` stays as written whatever parseConfig does to its input.
        config = await parseConfig.call(resolved.moduleClass, structuredClone(rawConfig));
      } catch (error) {
        if (error instanceof ConfigError) {
          throw error.relocated(configPath, (full) => {
            const position = source.locateNearest(full);
            return { line: position.line, column: position.column, sourceName: source.sourceName };
          });
        }
        throw source.errorAt(
          'MODULE_CONFIG_FAILED',
          configPath,
          `failed to parse the config of module ${JSON.stringify(entry.module)}: its parseConfig threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
          error,
        );
      }
    }

    const position = source.locateNearest(pending.path);
    return {
      module: entry.module,
      config,
      rawConfig,
      moduleClass: resolved.moduleClass,
      resolvedFrom: resolved.from,
      importedFrom: resolved.imported,
      origin: pending.origin,
      path: formatConfigPath(pending.path),
      pathParts: pending.path,
      line: position.line,
      column: position.column,
      sourceName: source.sourceName,
    };
  }
}

/**
 * Loads a configuration from YAML text. Throws {@link ConfigError} with path, line and column:
 * `YAML_TOO_LARGE`, `YAML_TOO_DEEP`, `YAML_TOO_MANY_ALIASES` (past `options.limits`),
 * `YAML_SYNTAX`, `DUPLICATE_KEY`, `EMPTY_CONFIG`, `INVALID_TYPE`, `INVALID_VALUE`,
 * `INVALID_MODULE_SPECIFIER` (a `module:` URL, refused before any import), `UNKNOWN_MODULE`,
 * `MODULE_LOAD_FAILED`, `INVALID_MODULE`, `MODULE_CONFIG_FAILED`, or a module's own
 * `ConfigError` from `parseConfig`, relocated under its entry's `config` path. Only `module:`
 * values are imported, and only those the registry does not have (see the README).
 * Unknown keys inside `presence` and inside module entries are warnings; unknown top-level
 * keys are ignored.
 */
export async function loadConfig(
  yamlText: string,
  options: LoadConfigOptions = {},
): Promise<LoadedConfig> {
  const source = parseYamlSource(yamlText, options.sourceName, { limits: options.limits });
  return new Loader(source, options).load();
}
