/**
 * `ModuleRegistry`: routing module classes known by name, looked up before any dynamic
 * `import()`. Either spelling of a specifier finds a registered class: registering
 * `my_router.ExampleRouter` also answers `my_router#ExampleRouter`.
 *
 * @example
 * ```ts
 * const registry = new ModuleRegistry().register('my_router.ExampleRouter', ExampleRouter);
 * const config = await loadConfig(yamlText, { registry });
 * ```
 * @module
 */
import type { PresenceRouterModuleClass } from '@presence-router/core';
import { ConfigError } from './errors.ts';
import { type ModuleSpecifier, parseModuleSpecifier } from './internal/module-specifier.ts';

/** A module class as the registry holds it (any `parseConfig` result type). */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds classes of any config type.
export type AnyModuleClass = PresenceRouterModuleClass<any>;

/** Routing module classes by `module:` specifier. */
export class ModuleRegistry {
  readonly #byKey = new Map<
    string,
    { readonly name: string; readonly moduleClass: AnyModuleClass }
  >();

  /**
   * Registers `moduleClass` under `specifier` (either spelling). Throws {@link ConfigError}
   * `INVALID_VALUE` for a specifier that names nothing, `INVALID_MODULE` when `moduleClass`
   * is not a class or function, and `CONFLICTING_KEYS` when another class already has the name.
   * Returns the registry, for chaining.
   */
  register(specifier: string, moduleClass: AnyModuleClass): this {
    const parsed = ModuleRegistry.#parse(specifier);
    if (typeof moduleClass !== 'function') {
      throw new ConfigError(
        'INVALID_MODULE',
        `cannot register ${JSON.stringify(specifier)}: expected a class, found ${moduleClass === null ? 'null' : typeof moduleClass}`,
      );
    }
    const existing = this.#byKey.get(parsed.key);
    if (existing !== undefined && existing.moduleClass !== moduleClass) {
      throw new ConfigError(
        'CONFLICTING_KEYS',
        `cannot register ${JSON.stringify(specifier)}: ${JSON.stringify(existing.name)} already names another class`,
      );
    }
    // The same class again under the other spelling keeps the first name.
    if (existing === undefined) this.#byKey.set(parsed.key, { name: specifier, moduleClass });
    return this;
  }

  /** The class registered under either spelling of `specifier`, if any. */
  get(specifier: string | ModuleSpecifier): AnyModuleClass | undefined {
    const parsed = typeof specifier === 'string' ? parseModuleSpecifier(specifier) : specifier;
    return parsed === undefined ? undefined : this.#byKey.get(parsed.key)?.moduleClass;
  }

  /** Whether either spelling of `specifier` is registered. */
  has(specifier: string | ModuleSpecifier): boolean {
    return this.get(specifier) !== undefined;
  }

  /** The registered names, as they were registered, sorted. */
  names(): string[] {
    return [...this.#byKey.values()].map((entry) => entry.name).sort();
  }

  /** How many classes are registered. */
  get size(): number {
    return this.#byKey.size;
  }

  static #parse(specifier: string): ModuleSpecifier {
    const parsed = typeof specifier === 'string' ? parseModuleSpecifier(specifier) : undefined;
    if (parsed === undefined) {
      throw new ConfigError(
        'INVALID_VALUE',
        `cannot register ${JSON.stringify(specifier)}: expected a module name like my_package.MyRouter or my_package#MyRouter`,
      );
    }
    return parsed;
  }
}
