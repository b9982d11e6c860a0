/**
 * `LoadedRoutingModule`: one `module:` entry of a configuration after `loadConfig`: the
 * class it names (registered or imported), the configuration its `parseConfig` returned, and
 * where the entry is written.
 *
 * @example
 * ```ts
 * for (const entry of config.routingModules) {
 *   console.log(`${entry.path} (line ${entry.line}): ${entry.module}, ${entry.importedFrom ?? 'registered'}`);
 * }
 * ```
 * @module
 */
import type { ConfigPath } from './errors.ts';
import type { AnyModuleClass } from './module-registry.ts';

/** Where a module entry was written. */
export type ModuleOrigin = 'presence_router' | 'routing_modules' | 'modules';

/** A configured module, resolved and with its parsed configuration. */
export interface LoadedRoutingModule {
  /** The `module:` specifier as written. */
  readonly module: string;
  /** What the class's static `parseConfig` returned (the raw mapping, or `{}`, without one). */
  readonly config: unknown;
  /** The `config:` mapping as written (`{}` when absent). */
  readonly rawConfig: Readonly<Record<string, unknown>>;
  /** The resolved class. */
  readonly moduleClass: AnyModuleClass;
  /** Whether the class came from the registry or a dynamic import. */
  readonly resolvedFrom: 'registry' | 'import';
  /**
   * What was imported: the `file:` URL of the module's file (for a package, the entry file
   * found in the application's `node_modules`), or the package name given to `importModule`;
   * `undefined` for a registered class.
   */
  readonly importedFrom: string | undefined;
  /** Which configuration form the entry came from. */
  readonly origin: ModuleOrigin;
  /** Path of the entry, e.g. `presence.routing_modules[0]`. */
  readonly path: string;
  /** The same path, as parts. */
  readonly pathParts: ConfigPath;
  /** 1-based line of the entry, when known. */
  readonly line: number | undefined;
  /** 1-based column of the entry, when known. */
  readonly column: number | undefined;
  /** The file name (or other label) of the source. */
  readonly sourceName: string | undefined;
}
