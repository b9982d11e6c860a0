/**
 * Finding the class a `module:` specifier names, the way Synapse imports a module from the
 * environment the operator installed it in:
 * 1. a name in the {@link ModuleRegistry} (either spelling) is the registered class, and
 *    nothing is imported;
 * 2. a URL other than `file:` (`data:`, `http:`, `node:`...) is refused before any import (a
 *    `data:` URL would run code written in the configuration itself);
 * 3. a file path is resolved against `baseDir` (absolute paths and `file:` URLs as written),
 *    must exist, and is imported;
 * 4. a package name is looked up in `node_modules` from `baseDir` and then from the working
 *    directory, each up to the root (never from this package's own location), its entry
 *    file found through its `exports` map under the process's conditions (or `main`), and
 *    that file imported.
 * An `importModule` function replaces steps 3 and 4's import (and 4's lookup): packages are
 * given to it by name, files as `file:` URLs.
 *
 * @example
 * ```ts
 * const { moduleClass, imported } = await resolveModuleClass('@acme/routers.TeamRouter', {
 *   baseDir: '/etc/presence-router',
 * }); // imported: 'file:///srv/app/node_modules/@acme/routers/dist/index.js'
 * ```
 * @module
 */
import { ConfigError } from '../errors.ts';
import type { AnyModuleClass } from '../module-registry.ts';
import {
  ModuleImport,
  type ModuleResolutionOptions,
  type ResolutionErrorFactory,
} from './module-import.ts';
import { registryPart } from './module-not-found.ts';
import {
  type ModuleSpecifier,
  parseModuleSpecifier,
  refusedUrlScheme,
} from './module-specifier.ts';

/** A resolved `module:` specifier. */
export interface ResolvedModule {
  readonly specifier: ModuleSpecifier;
  readonly moduleClass: AnyModuleClass;
  /** Where the class came from. */
  readonly from: 'registry' | 'import';
  /** What was imported: a `file:` URL, or the package name given to `importModule`. */
  readonly imported?: string | undefined;
}

const plainError: ResolutionErrorFactory = (code, detail, cause) =>
  new ConfigError(code, detail, { cause });

function describeExports(namespace: object): string {
  const names = Object.keys(namespace).filter((name) => name !== '__esModule');
  return names.length === 0 ? 'it has no exports' : `its exports: ${names.sort().join(', ')}`;
}

/**
 * Resolves a `module:` specifier to a class (see the module documentation for the order).
 * Throws {@link ConfigError}: `INVALID_VALUE` for a specifier that names nothing;
 * `INVALID_MODULE_SPECIFIER`, before any import, for a URL other than `file:` or a target
 * that can name no package; `UNKNOWN_MODULE` when neither the registry nor the application
 * has the module (the message says what was tried and how to fix it) or the export is
 * missing; `MODULE_LOAD_FAILED` when the module exists but importing it fails (cause
 * attached); `INVALID_MODULE` when the export is not a class.
 */
export async function resolveModuleClass(
  text: string,
  options: ModuleResolutionOptions = {},
  makeError: ResolutionErrorFactory = plainError,
): Promise<ResolvedModule> {
  const specifier = parseModuleSpecifier(text);
  if (specifier === undefined) {
    throw makeError(
      'INVALID_VALUE',
      `${JSON.stringify(text)} names no module: expected package.ExportName, package#ExportName or a package or file for its default export`,
    );
  }
  const registered = options.registry?.get(specifier);
  if (registered !== undefined) {
    return { specifier, moduleClass: registered, from: 'registry' };
  }

  const scheme = refusedUrlScheme(specifier.target);
  if (scheme !== undefined) {
    throw makeError(
      'INVALID_MODULE_SPECIFIER',
      `${JSON.stringify(text)} is a ${scheme}: URL, which is never imported: module takes a package name (my_package.MyRouter, @scope/package#Export), a file path (./routers/mine.mjs, /etc/routers/router.ts#Router, file:///etc/routers/router.mjs) or a name registered in the ModuleRegistry`,
    );
  }

  const moduleImport = new ModuleImport(specifier, options, makeError);
  const { namespace, imported } = await moduleImport.run();
  if (typeof namespace !== 'object' || namespace === null) {
    throw makeError(
      'MODULE_LOAD_FAILED',
      `module ${JSON.stringify(text)} failed to load: import(${JSON.stringify(imported)}) gave ${namespace === null ? 'null' : typeof namespace}, not a module`,
    );
  }
  if (!(specifier.exportName in namespace)) {
    throw makeError(
      'UNKNOWN_MODULE',
      `unknown module ${JSON.stringify(text)}: ${registryPart(moduleImport.registered)}, and ${JSON.stringify(imported)} has no export ${JSON.stringify(specifier.exportName)} (${describeExports(namespace)})`,
    );
  }
  const moduleClass = (namespace as Record<string, unknown>)[specifier.exportName];
  if (typeof moduleClass !== 'function') {
    throw makeError(
      'INVALID_MODULE',
      `module ${JSON.stringify(text)}: export ${JSON.stringify(specifier.exportName)} of ${JSON.stringify(imported)} is ${moduleClass === null ? 'null' : typeof moduleClass}, expected a class`,
    );
  }
  return { specifier, moduleClass: moduleClass as AnyModuleClass, from: 'import', imported };
}
